"""Fit CoverageNet on labelled spectra of many surveys: augmented coverage and calibration, two label
granularities, a temperature and out-of-distribution statistics from a validation split carved by asteroid.

Order of operations (the honest one): the validation asteroids are carved from the training asteroids first (by
asteroid, so no copy of a validation spectrum is trained on); the training spectra are then copied under other
coverages and calibrations (:mod:`astrokeras.spectra.coverage_augmentation`), and every copy keeps its survey's label. A
spectrum with an 11-class label trains the softmax; one with only a 4-class label (SMASS II's Bus classes) trains
the sums of the softmax over the 4 groups. Early stopping, the temperature (Guo et al. 2017) and the
out-of-distribution threshold are all set on the validation asteroids, under augmented coverages like the ones
users bring.

Example
-------
>>> import numpy as np, pandas as pd
>>> from astrokeras.datasets.collection import SpectrumCollection
>>> from astrokeras.models import CoverageNet
>>> from astrokeras.training import TrainConfig
>>> from astrokeras.training.coverage_classifier import fit_coverage_net
>>> w = np.linspace(0.45, 2.45, 201); rng = np.random.default_rng(0)
>>> spectra = [(w, 1 + s * (w - 0.55) + 0.01 * rng.random(201)) for s in np.repeat([-0.1, 0.3], 20)]
>>> meta = pd.DataFrame({"key": [str(i) for i in range(40)], "survey": "toy", "label_11": np.repeat([2, 7], 20),
...                      "label_4": np.repeat([1, 0], 20), "name": ""})
>>> network = lambda: CoverageNet(106, 11, groups=[3, 1, 1, 3, 3, 3, 3, 0, 3, 3, 2], width=8, mlp_units=8)
>>> model, calibration = fit_coverage_net(network, SpectrumCollection(spectra, meta),
...                                       TrainConfig(epochs=1, verbose=0), copies=1)
>>> sorted(calibration)
['ood', 'shape', 'temperature', 'validation_spectra']
"""

from __future__ import annotations

import typing

import keras
import numpy as np
from scipy.optimize import minimize_scalar

from astrokeras.evaluation.ood import (
    fit_mahalanobis,
    fit_shape_basis,
    ood_scores,
    shape_residuals,
)
from astrokeras.spectra.coverage import encode
from astrokeras.spectra.coverage_augmentation import augment_spectrum
from astrokeras.training.classifier import TrainConfig
from astrokeras.training.pipeline import make_dataset
from astrokeras.training.progress import EpochProgress
from astrokeras.training.runtime import STEPS_PER_EXECUTION, distribution_strategy, precision_scope

OOD_QUANTILE = 0.99
VALIDATION_COPIES = 3


def training_arrays(collection, copies: int, seed: int, whole: bool = True) -> dict:
    """Encoded arrays of ``collection``: each spectrum as given (``whole``) plus ``copies`` augmented copies.

    Returns ``{"spectrum", "mask", "label_11", "label_4", "kind"}``.
    """
    rng = np.random.default_rng(seed)
    values, masks, y11, y4, kinds = [], [], [], [], []
    for (w, r), c11, c4 in zip(collection.spectra, collection.meta["label_11"], collection.meta["label_4"]):
        versions = ([(w, r, "whole")] if whole else []) + [augment_spectrum(w, r, rng) for _ in range(copies)]
        for cw, cr, kind in versions:
            v, m = encode(cw, cr)
            values.append(v), masks.append(m), y11.append(c11), y4.append(c4), kinds.append(kind)
    return {"spectrum": np.stack(values), "mask": np.stack(masks).astype("float32"), "label_11": np.array(y11),
            "label_4": np.array(y4), "kind": np.array(kinds)}


def _targets(arrays):
    has11 = arrays["label_11"] >= 0
    targets = {"probabilities": np.where(has11, arrays["label_11"], 0), "groups": np.maximum(arrays["label_4"], 0)}
    # The 11-class label trains the softmax; a 4-class-only label trains its group sums.
    weights = {"probabilities": has11.astype("float32"), "groups": (~has11 & (arrays["label_4"] >= 0)).astype("float32")}
    return targets, weights


def negative_log_likelihood(probabilities, groups_of_class, label_11, label_4, temperature: float = 1.0) -> float:
    """Mean NLL of the labels under ``probabilities ** (1 / temperature)`` (renormalised): the 11-class label where
    known, else the 4-class group label through the group sums."""
    logp = np.log(np.clip(probabilities, 1e-12, 1.0)) / temperature
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    p = np.exp(logp)
    groups = np.zeros((p.shape[1], max(groups_of_class) + 1))
    groups[np.arange(p.shape[1]), groups_of_class] = 1.0
    has11 = label_11 >= 0
    nll = np.where(has11, -logp[np.arange(len(p)), np.maximum(label_11, 0)],
                   -np.log(np.clip((p @ groups)[np.arange(len(p)), np.maximum(label_4, 0)], 1e-12, 1.0)))
    return float(nll.mean())


def calibrate(probabilities, temperature: float) -> np.ndarray:
    """Temperature-scaled probabilities: ``p ** (1 / T)`` renormalised (the softmax of the logits over ``T``).

    >>> calibrate(np.array([[0.8, 0.2]]), 2.0).round(3).tolist()
    [[0.667, 0.333]]
    """
    logp = np.log(np.clip(probabilities, 1e-12, 1.0)) / temperature
    p = np.exp(logp - logp.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def fit_coverage_net(network: typing.Callable, train, config: TrainConfig, *, copies: int = 4,
                     validation_share: float = 0.1):
    """Train ``network()`` on the collection ``train``; returns ``(model, calibration)`` with the temperature,
    the out-of-distribution statistics and threshold, and the number of validation spectra."""
    keras.utils.set_random_seed(config.seed)
    fit_arrays, val_arrays, validation = split_arrays(train, copies, config.seed, validation_share)
    inputs = lambda a: {"spectrum": a["spectrum"], "mask": a["mask"]}  # noqa: E731
    targets, weights = _targets(fit_arrays)
    val_targets, val_weights = _targets(val_arrays)
    train_data = make_dataset(inputs(fit_arrays), targets, config.batch_size, True, config.seed, weights)
    val_data = make_dataset(inputs(val_arrays), val_targets, config.batch_size, False, config.seed, val_weights)
    with precision_scope(config.precision):
        with distribution_strategy(config.strategy).scope():
            model = network()
            trainer = keras.Model(model.inputs, {"probabilities": model.get_layer("probabilities").output,
                                                 "groups": model.get_layer("groups").output})
            loss = keras.losses.SparseCategoricalCrossentropy
            trainer.compile(keras.optimizers.Adam(config.learning_rate),
                            loss={"probabilities": loss(), "groups": loss()}, steps_per_execution=STEPS_PER_EXECUTION,
                            jit_compile=False)  # XLA off: 1.4x the spectra per second of XLA on here (throughput.py)
        stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience, restore_best_weights=True,
                                             start_from_epoch=config.min_epochs)
        trainer.fit(train_data, validation_data=val_data, epochs=config.epochs,
                    callbacks=[stop, EpochProgress(model.name)], verbose=config.verbose, shuffle=False)
    out = model.predict(inputs(val_arrays), batch_size=1024, verbose=0)
    groups = model.groups
    fit = minimize_scalar(lambda t: negative_log_likelihood(out["probabilities"], groups, val_arrays["label_11"],
                                                            val_arrays["label_4"], t), bounds=(0.2, 10.0),
                          method="bounded")
    train_out = model.predict(inputs(fit_arrays), batch_size=1024, verbose=0)
    has11 = fit_arrays["label_11"] >= 0
    stats = fit_mahalanobis(train_out["features"][has11], fit_arrays["label_11"][has11], model.num_classes)
    threshold = float(np.quantile(ood_scores(out["features"], stats), OOD_QUANTILE))
    return model, {"temperature": round(float(fit.x), 4), "ood": {**stats, "threshold": round(threshold, 4),
                                                                  "quantile": OOD_QUANTILE},
                   "shape": shape_calibration(fit_arrays, val_arrays), "validation_spectra": int(len(validation))}


def split_arrays(train, copies: int, seed: int, validation_share: float = 0.1):
    """``(fit_arrays, validation_arrays, validation)``: the validation asteroids carved from ``train`` by asteroid
    first, then each part encoded with its augmented copies (see :func:`training_arrays`)."""
    rng = np.random.default_rng(seed)
    keys = np.unique(train.meta["key"])
    held = set(rng.choice(keys, size=max(1, int(round(validation_share * keys.size))), replace=False))
    is_validation = train.meta["key"].isin(held).to_numpy()
    fit_part, validation = train.subset(~is_validation), train.subset(is_validation)
    return (training_arrays(fit_part, copies, seed), training_arrays(validation, VALIDATION_COPIES, seed + 1),
            validation)


def shape_calibration(fit_arrays, val_arrays) -> dict:
    """The network-free shape check of :mod:`astrokeras.evaluation.ood`: principal axes of the training copies that cover
    most of the grid, and the threshold at :data:`OOD_QUANTILE` of the validation copies' residuals."""
    shape = fit_shape_basis(fit_arrays["spectrum"], fit_arrays["mask"] > 0)
    residuals = shape_residuals(val_arrays["spectrum"], val_arrays["mask"] > 0, shape)
    return {**shape, "threshold": round(float(np.quantile(residuals, OOD_QUANTILE)), 5), "quantile": OOD_QUANTILE}
