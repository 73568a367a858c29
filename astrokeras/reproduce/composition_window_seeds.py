"""More seeds for the SpeX-window lever of the composition coverage table: one unit per fold and seed, saved under
``<output>/folds/composition-coverage-spex-seeds/`` and reused.

Seed 0 of the lever is two saved units already: the coverage table's network
(:mod:`~astrokeras.reproduce.composition_coverage_folds`) and the same network trained with SpeX-window copies
(:mod:`~astrokeras.reproduce.composition_window_folds`). One network's error moves by about 0.4 pp between seeds
(the composition ensemble table), as much as the lever's effect, so a unit here trains both networks again with
another seed, paired (same fold, validation split, seed and training spectra but the copies), and predicts the
held-out and validation spectra cut to each window.

Example
-------
>>> seed_unit_name(2, 1)
'fold2-seed1'
"""

from __future__ import annotations

import dataclasses
import time

from astrokeras.reproduce.composition_ensemble_folds import MEMBER, validation_rows
from astrokeras.reproduce.composition_window_folds import SHARE, window_predictions
from astrokeras.training.composition import fit_composition
from astrokeras.training.composition_windows import fit_with_window_copies


def seed_unit_name(fold: int, seed: int) -> str:
    """The saved unit of fold ``fold`` (from 1) and ``seed``."""
    return f"fold{fold}-seed{seed}"


def paired_unit(data, number: int, train, test, seed: int, member=MEMBER, share: float = SHARE, log=print):
    """``(arrays, info)``: the member trained with ``seed`` on fold ``number``'s ``train`` rows without (``"plain"``)
    and with (``"spex"``) SpeX-window copies; ``arrays[name]["net"]`` and ``arrays[name]["validation"]`` are
    :func:`~astrokeras.reproduce.composition_window_folds.window_predictions` on ``test`` and the validation rows."""
    start = time.perf_counter()
    validation = validation_rows(data, number, train)
    config = dataclasses.replace(member, seed=seed)
    plain, plain_info = fit_composition(data, train, config, validation_rows=validation)
    spex, spex_info = fit_with_window_copies(data, train, config, share=share, validation_rows=validation)
    arrays = {name: {"net": window_predictions(model, data, test),
                     "validation": window_predictions(model, data, validation)}
              for name, model in (("plain", plain), ("spex", spex))}
    info = {"fold": number, "seed": seed, "share": share, "window_copies": spex_info["window_copies"],
            "best_epoch": {"plain": plain_info["best_epoch"], "spex": spex_info["best_epoch"]},
            "seconds": round(time.perf_counter() - start, 1)}
    log(f"  fold {number}, seed {seed}: CompositionNet without and with SpeX-window copies trained, "
        f"{info['seconds']:.0f} s")
    return arrays, info
