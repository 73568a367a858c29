"""The trainings behind the composition coverage table (:mod:`astrokeras.reproduce.composition_coverage_table`): one
unit per fold, saved under ``<output>/folds/composition-coverage/`` and reused.

Most archive files do not cover the grid the composition models read (0.45-2.45 um). Of the 1845 MITHNEOS files,
340 do; 129 reach the visible but miss an end by a few bands; 1376 are SpeX spectra alone, starting between 0.65
and 0.85 um. CompositionNet was trained on the full grid and on Hayabusa NIRS's 0.82-2.08 um only. A unit measures
what it answers on the windows archive files have (:data:`WINDOWS`), on held-out spectra.

A unit trains, on one fold of the composition table (the folds grouped by material, early-stopped on the levers
table's validation split):

* the shipped recipe's member (:data:`~astrokeras.reproduce.composition_ensemble_folds.MEMBER`) with seed 0, and
  predicts the held-out fresh spectra cut to each window (the mask says which bands are covered; the bands outside it
  are zeroed);
* the rebuilt Korda et al. 2023 CNN with seed 0, which has no mask and reads the spectrum normalised at 0.55 um, so
  it answers only on the windows that hold 0.55 um (:data:`CNN_WINDOWS`), with the uncovered end bands filled by the
  nearest covered value (:func:`fill_uncovered_ends`).

Both also predict the validation split (full coverage), which chooses the blend's shares. The trained models are
saved beside the unit (``<unit>-net.keras``, ``<unit>-cnn.keras``), so that another window can be measured later
without training again.

Example
-------
>>> import numpy as np
>>> fill_uncovered_ends(np.array([[5.0, 1.0, 2.0, 3.0, 9.0]]), np.array([False, True, True, True, False])).tolist()
[[1.0, 1.0, 2.0, 3.0, 3.0]]
>>> unit_name(2)
'fold2'
"""

from __future__ import annotations

import dataclasses
import pathlib
import time

import numpy as np

from astrokeras.reproduce.composition_ensemble_folds import MEMBER, validation_rows
from astrokeras.training.composition import (
    coverage_mask,
    evaluation_inputs,
    fit_composition,
    predict_composition,
)
from astrokeras.training.korda_baseline import KordaConfig, fit_korda_cnn, predict_korda

# window name: (start, stop) in um; the full grid first, then the visible files short of an end, then the SpeX
# starts (5th percentile, median, 95th percentile of the MITHNEOS SpeX files' first covered band), then NIRS
WINDOWS = {"0.45-2.45": (0.45, 2.45), "0.47-2.45": (0.47, 2.45), "0.50-2.40": (0.50, 2.40),
           "0.68-2.45": (0.68, 2.45), "0.78-2.45": (0.78, 2.45), "0.85-2.45": (0.85, 2.45),
           "0.82-2.08": (0.82, 2.08)}
NORMALISE_UM = 0.55
CNN_WINDOWS = tuple(name for name, (start, stop) in WINDOWS.items() if start <= NORMALISE_UM <= stop)
NET_KEYS = ("modal", "chemistry", "modal_sigma", "chemistry_sigma")
SEED = 0


def unit_name(fold: int) -> str:
    """The saved unit of fold ``fold`` (from 1)."""
    return f"fold{fold}"


def fill_uncovered_ends(spectra, mask) -> np.ndarray:
    """``spectra`` (rows on one grid) with the bands before the first covered band set to its value and the bands
    after the last covered band set to the last one's (gaps inside the covered range are left as they are)."""
    spectra = np.array(spectra, dtype=float)
    covered = np.flatnonzero(mask)
    first, last = covered[0], covered[-1]
    spectra[:, :first] = spectra[:, [first]]
    spectra[:, last + 1:] = spectra[:, [last]]
    return spectra


def coverage_unit(data, number: int, train, test, member=MEMBER, korda: KordaConfig | None = None, folder=None,
                  log=print):
    """``(arrays, info)``: the member and the CNN (seed :data:`SEED`) trained on fold ``number``'s ``train`` rows;
    ``arrays["net"][window]`` (:data:`NET_KEYS`) and ``arrays["cnn"][window]`` (modal, chemistry) on ``test`` cut to
    each window, ``arrays["validation"]`` both on the validation rows; the models are saved in ``folder``."""
    start = time.perf_counter()
    korda = korda or KordaConfig()
    validation = validation_rows(data, number, train)
    net, fitted = fit_composition(data, train, dataclasses.replace(member, seed=SEED), validation_rows=validation)
    cnn = fit_korda_cnn(data, np.setdiff1d(train, validation), validation, dataclasses.replace(korda, seed=SEED))
    if folder is not None:
        pathlib.Path(folder).mkdir(parents=True, exist_ok=True)
        net.save(pathlib.Path(folder) / f"{unit_name(number)}-net.keras")
        cnn.save(pathlib.Path(folder) / f"{unit_name(number)}-cnn.keras")
    spectra = data.spectra[test]
    arrays = {"net": {}, "cnn": {}}
    for name, (low, high) in WINDOWS.items():
        mask = coverage_mask(data.grid, low, high)
        out = predict_composition(net, evaluation_inputs(spectra * mask, mask))
        arrays["net"][name] = {key: out[key] for key in NET_KEYS}
        if name in CNN_WINDOWS:
            modal, chemistry = predict_korda(cnn, fill_uncovered_ends(spectra, mask))
            arrays["cnn"][name] = {"modal": modal, "chemistry": chemistry}
    out = predict_composition(net, evaluation_inputs(data.spectra[validation]))
    modal, chemistry = predict_korda(cnn, data.spectra[validation])
    arrays["validation"] = {"net": {key: out[key] for key in NET_KEYS},
                            "cnn": {"modal": modal, "chemistry": chemistry}}
    info = {"fold": number, "seed": SEED, "net_validation_score": fitted["validation_score"],
            "net_best_epoch": fitted["best_epoch"], "seconds": round(time.perf_counter() - start, 1)}
    log(f"  fold {number}: CompositionNet and CNN trained, {info['seconds']:.0f} s")
    return arrays, info
