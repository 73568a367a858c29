"""The trainings behind the composition levers table (:mod:`astrokeras.reproduce.composition_levers`): one unit per
fold, and one model per lever trained on every spectrum for the asteroids, saved under
``<output>/folds/composition-levers/`` and reused.

This module holds only what the saved units depend on (the levers' settings, what each fold predicts), so that
editing how the table is scored or printed keeps them.

Each fold (the composition table's folds and validation split) trains every lever of :data:`LEVERS` on the same
rows and predicts, for the same held-out spectra:

* ``fresh``: the laboratory spectra as they are;
* ``weathered``: the same spectra with a Brunetto et al. 2006 continuum, ``C_S`` uniform in
  :data:`~astrokeras.physics.space_weathering.C_S_RANGE`, one draw per spectrum fixed by the fold number (every
  lever sees the same draws);
* ``weathered_nirs``: those weathered spectra cut to Hayabusa NIRS's 0.82-2.08 um (how Itokawa is read).

It also records each lever's validation score (OL/OPX/CPX RMSE plus chemistry RMSE) on the validation split, fresh
and weathered the same way: the table keeps a lever by those, never by a test score.

Example
-------
>>> from astrokeras.reproduce.composition_lever_folds import LEVERS
>>> LEVERS["weathering"].weathering_share, LEVERS["baseline"].weathering_share
(1.0, 0.0)
"""

from __future__ import annotations

import dataclasses
import time

import keras
import numpy as np

from astrokeras.datasets.relab_composition import carve_validation
from astrokeras.physics.space_weathering import C_S_RANGE, weathered
from astrokeras.training.composition import (
    NIRS_RANGE,
    CompositionConfig,
    coverage_mask,
    evaluation_inputs,
    fit_composition,
    predict_composition,
    rmse_of,
    train_composition_model,
)

# The composition-net-mineralogy recipe as it was before this table (linear mixtures), written out rather than read
# from the recipe, so that the recipe can adopt a lever without making the saved folds stale.
BASELINE = CompositionConfig(mixtures="linear")
LEVERS = {"baseline": BASELINE, "weathering": dataclasses.replace(BASELINE, weathering_share=1.0)}
CONDITIONS = ("fresh", "weathered", "weathered_nirs")
KEYS = ("modal", "chemistry", "modal_sigma", "chemistry_sigma")


def fold_c_s(n: int, seed: int) -> np.ndarray:
    """The ``C_S`` (um) of ``n`` held-out or validation spectra, drawn from ``C_S_RANGE`` with ``seed``."""
    return np.random.default_rng(seed).uniform(*C_S_RANGE, size=n)


def _score(model, data, rows, spectra):
    out = predict_composition(model, evaluation_inputs(spectra))
    return round(rmse_of(out["modal"], data.modal[rows], [0, 1, 2]) + rmse_of(out["chemistry"], data.chemistry[rows]),
                 5)


def fold_unit(data, number: int, train, test, levers: dict = LEVERS, log=print):
    """``(arrays, info)`` of fold ``number`` (from 1): every lever's predictions on ``test`` in each of
    :data:`CONDITIONS` and its validation scores, fresh and weathered (``levers``: name -> CompositionConfig)."""
    k = number - 1
    _, validation = carve_validation(data, train, 0.15, seed=k)
    spectra = {"fresh": data.spectra[test],
               "weathered": weathered(data.grid, data.spectra[test], fold_c_s(len(test), 1000 + k))}
    validation_weathered = weathered(data.grid, data.spectra[validation], fold_c_s(len(validation), 2000 + k))
    nirs = coverage_mask(data.grid, *NIRS_RANGE)
    arrays, info = {}, {"fold": number, "levers": {}}
    for lever, config in levers.items():
        model, fitted = fit_composition(data, train, config, validation_rows=validation)
        arrays[lever] = {}
        for condition in CONDITIONS:
            source = spectra["weathered" if condition == "weathered_nirs" else condition]
            inputs = evaluation_inputs(source, nirs if condition == "weathered_nirs" else None)
            out = predict_composition(model, inputs)
            arrays[lever][condition] = {key: out[key] for key in KEYS}
        info["levers"][lever] = {
            "validation_score": fitted["validation_score"],
            "validation_score_weathered": _score(model, data, validation, validation_weathered),
            "best_epoch": fitted["best_epoch"], "train_spectra": fitted["train_spectra"],
            "seconds": fitted["seconds"]}
        log(f"  fold {number} {lever:<10}: validation score fresh {fitted['validation_score']:.4f}, weathered "
            f"{info['levers'][lever]['validation_score_weathered']:.4f}; {fitted['best_epoch']} best epoch, "
            f"{fitted['seconds']:.0f} s")
    return arrays, info


def all_spectra_model(store, data, lever: str, config=None, log=print):
    """``(model, card)`` of ``lever`` trained on every spectrum (the asteroids' figures), saved as
    ``all-spectra-<lever>.keras`` beside the folds and read back while its key holds (``config``: the lever's
    CompositionConfig, by default :data:`LEVERS`'s)."""
    unit = f"all-spectra-{lever}"
    path = store.folder / f"{unit}.keras"
    found = store.load(unit) if path.exists() else None
    if found is None:
        log(f"  training {lever} on all spectra for the asteroids")
        start = time.perf_counter()
        model, card = train_composition_model(data, config or LEVERS[lever])
        store.folder.mkdir(parents=True, exist_ok=True)
        model.save(path)
        found = ({}, {"card": card})
        store.save(unit, *found, seconds=time.perf_counter() - start)
    return keras.saving.load_model(path), found[1]["card"]
