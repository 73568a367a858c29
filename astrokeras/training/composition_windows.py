"""SpeX-window copies: CompositionNet trained also on the wavelength windows that IRTF/SpeX archive files have.

1376 of the 1845 MITHNEOS files are SpeX spectra alone: their first covered band of the 0.45-2.45 um grid lies
between 0.66 and 0.85 um (1st / 99th percentile; median 0.79) and their last one between 2.37 and 2.45 um (83% reach
2.45). The shipped recipe trains on the full grid and on Hayabusa NIRS's 0.82-2.08 um only, and on those windows its
held-out modal error rises from 16.4 to 18.0 pp (the composition coverage table). A window copy is a training
spectrum added again with its mask cut to a random SpeX-like window: the start uniform in :data:`SPEX_START_UM`, the
stop ``min(grid end, uniform in SPEX_STOP_UM)`` (about half reach the grid's end).

:func:`fit_with_window_copies` is :func:`~astrokeras.training.composition.fit_composition` with those copies added
to its training arrays (never to the validation split). It lives apart so that measuring the lever leaves the saved
composition units valid (their key covers ``training/composition.py``); if the lever is kept, it becomes a
:class:`~astrokeras.training.composition.CompositionConfig` setting when those units are recomputed anyway.

Example
-------
>>> import numpy as np
>>> grid = np.round(np.arange(0.45, 2.451, 0.01), 2)
>>> inputs = {"spectrum": np.ones((10, len(grid)), "float32"), "mask": np.ones((10, len(grid)), "float32")}
>>> targets = {"modal": np.zeros((10, 4), "float32"), "chemistry": np.zeros((10, 5), "float32")}
>>> more, _ = window_copies(inputs, targets, grid, 0.5, np.random.default_rng(0))
>>> len(more["mask"]), bool((grid[more["mask"][10:].argmax(axis=1)] >= 0.65).all())
(15, True)
"""

from __future__ import annotations

import time

import keras
import numpy as np

from astrokeras.datasets.relab_composition import CompositionData, carve_validation
from astrokeras.training.composition import (
    CompositionConfig,
    _arrays,
    build_model,
    calibrate_sigma,
    training_arrays,
    validation_score,
)
from astrokeras.training.pipeline import make_dataset
from astrokeras.training.progress import EpochProgress

SPEX_START_UM = (0.65, 0.85)
SPEX_STOP_UM = (2.37, 2.55)


def window_masks(grid, n: int, rng, start_um=SPEX_START_UM, stop_um=SPEX_STOP_UM) -> np.ndarray:
    """``n`` coverage masks on ``grid``, each the bands from a start uniform in ``start_um`` to a stop
    ``min(grid end, uniform in stop_um)``."""
    grid = np.asarray(grid, dtype=float)
    starts = rng.uniform(*start_um, size=n)
    stops = np.minimum(grid[-1], rng.uniform(*stop_um, size=n))
    return ((grid >= starts[:, None] - 1e-6) & (grid <= stops[:, None] + 1e-6)).astype("float32")


def window_copies(inputs: dict, targets: dict, grid, share: float, rng, **windows):
    """``(inputs, targets)`` with ``share`` times as many of their full-coverage rows (drawn without repeats where
    there are enough) added again with SpeX-like masks (:func:`window_masks`; ``windows``: its ranges)."""
    full = np.flatnonzero(inputs["mask"].all(axis=1))
    n = round(share * len(full))
    if n == 0:
        return inputs, targets
    pick = rng.choice(full, n, replace=n > len(full))
    masks = window_masks(grid, n, rng, **windows)
    more_inputs = {"spectrum": np.vstack([inputs["spectrum"], inputs["spectrum"][pick]]),
                   "mask": np.vstack([inputs["mask"], masks])}
    return more_inputs, {key: np.vstack([value, value[pick]]) for key, value in targets.items()}


def fit_with_window_copies(data: CompositionData, rows, config: CompositionConfig = CompositionConfig(), *,  # noqa: B008 (frozen)
                           share: float = 0.3, validation_rows=None, verbose: int = 0):
    """``fit_composition(data, rows, config, validation_rows=...)`` with ``share`` SpeX-window copies of the
    full-coverage training spectra added (see the module docstring); returns ``(model, info)``, ``info`` as
    ``fit_composition``'s plus ``"window_copies"``."""
    start = time.perf_counter()
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    if validation_rows is None:
        fit_rows, validation_rows = carve_validation(data, rows, config.validation_fraction, seed=config.seed)
    else:
        fit_rows = np.setdiff1d(np.asarray(rows), validation_rows)
    inputs, targets = training_arrays(data, fit_rows, config, rng)
    before = len(inputs["spectrum"])
    inputs, targets = window_copies(inputs, targets, data.grid, share, np.random.default_rng([config.seed, 1]))
    val_inputs, val_targets = _arrays(data.spectra[validation_rows], np.ones_like(data.spectra[validation_rows]),
                                      data.modal[validation_rows], data.chemistry[validation_rows])
    train = make_dataset(inputs, targets, config.batch_size, True, config.seed)
    validation = make_dataset(val_inputs, val_targets, 256, False, config.seed)
    model = build_model(data.spectra.shape[1], config)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience, restore_best_weights=True)
    history = model.fit(train, validation_data=validation, epochs=config.epochs,
                        callbacks=[stop, EpochProgress(model.name)], verbose=verbose, shuffle=False)
    factors = calibrate_sigma(model, val_inputs, data.modal[validation_rows], data.chemistry[validation_rows])
    losses = history.history["val_loss"]
    info = {"epochs_run": len(losses), "best_epoch": int(np.argmin(losses)) + 1,
            "best_val_loss": round(float(np.min(losses)), 5), "train_spectra": len(inputs["spectrum"]),
            "window_copies": int(len(inputs["spectrum"]) - before), "fit_rows": len(fit_rows),
            "validation_rows": len(validation_rows),
            "validation_score": round(validation_score(model, data, validation_rows), 5), "sigma_factors": factors,
            "seconds": round(time.perf_counter() - start, 1)}
    return model, info
