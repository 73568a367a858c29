"""The Korda-style CNN trainings behind the composition blend table (:mod:`astrokeras.reproduce.composition_blend_table`):
one unit per fold and seed, saved under ``<output>/folds/composition-blend/`` and reused.

This module holds only what the saved units depend on, so that editing how the table blends, scores or prints keeps
them. A unit trains :class:`~astrokeras.models.korda_cnn.KordaCNN` (the composition table's rebuilt Korda et al. 2023
CNN, its :class:`~astrokeras.training.korda_baseline.KordaConfig`) with one seed on a fold of the composition table,
early-stopped on the fold's validation split (``carve_validation(data, train, 0.15, seed=fold - 1)``: the split of
the composition, levers and ensemble tables), and predicts the fold's held-out spectra and that validation split.
Fresh spectra only: the CNN reads the full 0.45-2.45 um grid and has no coverage mask. Fold ``k`` with seed ``k - 1``
is the composition table's Korda row.

Example
-------
>>> from astrokeras.reproduce.composition_blend_folds import unit_name
>>> unit_name(2, 4)
'fold2-korda-seed4'
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from astrokeras.datasets.relab_composition import carve_validation
from astrokeras.training.composition import rmse_of
from astrokeras.training.korda_baseline import KordaConfig, fit_korda_cnn, predict_korda


def unit_name(fold: int, seed: int) -> str:
    """The saved unit of the CNN of fold ``fold`` (from 1) and ``seed``."""
    return f"fold{fold}-korda-seed{seed}"


def validation_split(data, number: int, train):
    """The validation rows of fold ``number`` (from 1): the composition table's split of its training part."""
    return carve_validation(data, train, 0.15, seed=number - 1)[1]


def korda_unit(data, number: int, train, test, seed: int, config: KordaConfig | None = None, log=print):
    """``(arrays, info)``: the CNN of ``seed`` trained on fold ``number``'s training rows but its validation split;
    its ``modal`` and ``chemistry`` on the held-out rows (``arrays["test"]``) and on the validation rows
    (``arrays["validation"]``); ``info`` holds its validation score (OL/OPX/CPX RMSE plus chemistry RMSE)."""
    start = time.perf_counter()
    config = config or KordaConfig()
    validation = validation_split(data, number, train)
    model = fit_korda_cnn(data, np.setdiff1d(train, validation), validation, dataclasses.replace(config, seed=seed))
    arrays = {}
    for part, rows in (("test", test), ("validation", validation)):
        modal, chemistry = predict_korda(model, data.spectra[rows])
        arrays[part] = {"modal": modal, "chemistry": chemistry}
    valid = arrays["validation"]
    score = rmse_of(valid["modal"], data.modal[validation], [0, 1, 2]) + rmse_of(valid["chemistry"],
                                                                                 data.chemistry[validation])
    info = {"fold": number, "seed": seed, "validation_score": round(score, 5),
            "seconds": round(time.perf_counter() - start, 1)}
    log(f"  fold {number} Korda CNN seed {seed}: validation score {score:.4f}, {info['seconds']:.0f} s")
    return arrays, info
