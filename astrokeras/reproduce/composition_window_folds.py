"""The trainings behind the SpeX-window lever of the composition coverage table: one unit per fold, saved under
``<output>/folds/composition-coverage-spex/`` and reused.

A unit trains the coverage table's network (the shipped recipe's member, seed 0, on the same fold, early-stopped
and calibrated on the same validation split) with SpeX-window copies added to its training spectra
(:func:`~astrokeras.training.composition_windows.fit_with_window_copies`, :data:`SHARE`), and predicts the held-out
fresh spectra and the validation spectra cut to each of the coverage table's windows. So its rows sit beside the
coverage table's network, which differs only by the copies.

Example
-------
>>> unit_name(4)
'fold4'
>>> SHARE
0.3
"""

from __future__ import annotations

import dataclasses
import time

from astrokeras.reproduce.composition_coverage_folds import (
    NET_KEYS,
    SEED,
    WINDOWS,
    unit_name,
)
from astrokeras.reproduce.composition_ensemble_folds import MEMBER, validation_rows
from astrokeras.training.composition import (
    coverage_mask,
    evaluation_inputs,
    predict_composition,
)
from astrokeras.training.composition_windows import fit_with_window_copies

SHARE = 0.3
__all__ = ["SHARE", "unit_name", "window_predictions", "window_unit"]


def window_predictions(model, data, rows) -> dict:
    """``{window: {key: array}}`` (:data:`NET_KEYS`) of ``model`` on ``rows`` cut to each window of
    :data:`WINDOWS` (bands outside it zeroed and masked)."""
    out = {}
    for name, (low, high) in WINDOWS.items():
        mask = coverage_mask(data.grid, low, high)
        predicted = predict_composition(model, evaluation_inputs(data.spectra[rows] * mask, mask))
        out[name] = {key: predicted[key] for key in NET_KEYS}
    return out


def window_unit(data, number: int, train, test, member=MEMBER, share: float = SHARE, log=print):
    """``(arrays, info)``: the member (seed :data:`SEED`) trained with SpeX-window copies on fold ``number``'s
    ``train`` rows; ``arrays["net"]`` and ``arrays["validation"]`` are :func:`window_predictions` on ``test`` and
    on the validation rows."""
    start = time.perf_counter()
    validation = validation_rows(data, number, train)
    net, fitted = fit_with_window_copies(data, train, dataclasses.replace(member, seed=SEED), share=share,
                                         validation_rows=validation)
    arrays = {"net": window_predictions(net, data, test), "validation": window_predictions(net, data, validation)}
    info = {"fold": number, "seed": SEED, "share": share, "net_validation_score": fitted["validation_score"],
            "net_best_epoch": fitted["best_epoch"], "window_copies": fitted["window_copies"],
            "seconds": round(time.perf_counter() - start, 1)}
    log(f"  fold {number}: CompositionNet with SpeX-window copies trained, {info['seconds']:.0f} s")
    return arrays, info
