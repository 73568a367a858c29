"""The trainings behind the composition ensemble table (:mod:`astrokeras.reproduce.composition_ensemble_table`):
one unit per fold and seed, saved under ``<output>/folds/composition-ensemble-table/`` and reused.

This module holds only what the saved units depend on, so that editing how the table is assembled, scored or
printed keeps them (the same split as :mod:`~astrokeras.reproduce.composition_lever_folds`).

A unit trains the shipped recipe's network (:data:`MEMBER`: linear mixtures and space-weathering copies, written
out as in the levers table) with one seed on a fold of the composition table, early-stopped and calibrated on the
levers table's validation split, and predicts the fold's held-out spectra in each of the levers table's
conditions (fresh, weathered, weathered and cut to 0.82-2.08 um, with the same ``C_S`` draws) and the validation
spectra (fresh), which later calibrate the ensemble's 1-sigma. Seed 0 is the levers table's ``weathering`` model.

Example
-------
>>> from astrokeras.reproduce.composition_ensemble_folds import unit_name
>>> unit_name(3, 2)
'fold3-seed2'
"""

from __future__ import annotations

import dataclasses

from astrokeras.datasets.relab_composition import carve_validation
from astrokeras.physics.space_weathering import weathered
from astrokeras.reproduce.composition_lever_folds import (
    CONDITIONS,
    KEYS,
    LEVERS,
    fold_c_s,
)
from astrokeras.training.composition import (
    NIRS_RANGE,
    coverage_mask,
    evaluation_inputs,
    fit_composition,
    predict_composition,
)

MEMBER = LEVERS["weathering"]


def unit_name(fold: int, seed: int) -> str:
    """The saved unit of fold ``fold`` (from 1) and ``seed``."""
    return f"fold{fold}-seed{seed}"


def validation_rows(data, number: int, train):
    """The levers table's validation split of fold ``number`` (from 1)."""
    return carve_validation(data, train, 0.15, seed=number - 1)[1]


def member_unit(data, number: int, train, test, seed: int, member=MEMBER, log=print):
    """``(arrays, info)``: the member of ``seed`` trained on fold ``number``'s ``train`` rows; its predictions
    (:data:`KEYS`) on ``test`` in each of :data:`CONDITIONS` and on the validation rows."""
    k = number - 1
    validation = validation_rows(data, number, train)
    model, fitted = fit_composition(data, train, dataclasses.replace(member, seed=seed),
                                    validation_rows=validation)
    spectra = {"fresh": data.spectra[test],
               "weathered": weathered(data.grid, data.spectra[test], fold_c_s(len(test), 1000 + k))}
    nirs = coverage_mask(data.grid, *NIRS_RANGE)
    arrays = {}
    for condition in CONDITIONS:
        source = spectra["weathered" if condition == "weathered_nirs" else condition]
        out = predict_composition(model, evaluation_inputs(source, nirs if condition == "weathered_nirs" else None))
        arrays[condition] = {key: out[key] for key in KEYS}
    out = predict_composition(model, evaluation_inputs(data.spectra[validation]))
    arrays["validation"] = {key: out[key] for key in KEYS}
    info = {"fold": number, "seed": seed, **{key: fitted[key] for key in
                                             ("validation_score", "best_epoch", "epochs_run", "seconds")}}
    log(f"  fold {number} seed {seed}: validation score {fitted['validation_score']:.4f}, best epoch "
        f"{fitted['best_epoch']}, {fitted['seconds']:.0f} s")
    return arrays, info
