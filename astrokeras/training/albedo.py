"""Fit and apply AAE-Net for the albedo: out-of-sample class probabilities, the class prior, the fit itself.

AAE-Net learns the deviation of its target (log10 albedo with a Gaussian NLL and a 1-sigma, or the linear albedo
with L1) from the class prior ``P @ prior``: each asteroid's probability-weighted mean of the per-class means of
the training rows, so an untrained AAE-Net is the class-mean rule.

Example
-------
>>> import numpy as np
>>> from astrokeras.models import AAENet
>>> from astrokeras.training import TrainConfig
>>> from astrokeras.training.albedo import fit_aae_net, predict_albedo
>>> rng = np.random.default_rng(0); X = 1 + 0.1 * rng.random((40, 16)); c = np.repeat([0, 1], 20)
>>> P = np.eye(2)[c]; albedo = np.where(c == 0, 0.05, 0.25)
>>> network = lambda bands, n, uncertainty: AAENet(bands, n, dense_units=(8, 8, 8), key_dim=4, uncertainty=uncertainty)
>>> model, prior = fit_aae_net(X, albedo, P, c, network=network, config=TrainConfig(epochs=1, verbose=0))
>>> albedo_hat, sigma = predict_albedo(model, prior, X[:2], P[:2])
>>> albedo_hat.round(3).tolist()            # the class prior before any real training
[0.05, 0.05]
"""

from __future__ import annotations

import typing

import keras
import numpy as np
from sklearn.model_selection import StratifiedKFold

from astrokeras.losses import GaussianNLL, bounded_log_sigma
from astrokeras.models.albedo_baselines import class_probability_model
from astrokeras.training.classifier import TrainConfig
from astrokeras.training.regressor import fit_regressor

TARGETS = ("log10", "linear")


def _full_proba(model, X, n):
    out = np.zeros((len(X), n))
    out[:, model.classes_] = model.predict_proba(X)
    return out


def class_probabilities(X_train, c_train, X_test, seed: int, num_classes: int = 11):
    """Out-of-sample class probabilities ``(P_train, P_test)``: 3-fold cross-validated for the training rows, a
    model fitted on all training rows for the test rows (PCA + logistic regression)."""
    model = class_probability_model(seed)
    inner = StratifiedKFold(3, shuffle=True, random_state=seed)
    train = np.zeros((len(X_train), num_classes))
    for fit, held in inner.split(X_train, c_train):
        train[held] = _full_proba(model.fit(X_train[fit], c_train[fit]), X_train[held], num_classes)
    return train, _full_proba(model.fit(X_train, c_train), X_test, num_classes)


def class_prior(values, classes, num_classes: int) -> np.ndarray:
    """Per-class mean of ``values`` (the overall mean for a class without rows).

    >>> class_prior(np.array([1.0, 3.0, 5.0]), np.array([0, 0, 1]), 3).tolist()
    [2.0, 5.0, 3.0]
    """
    return np.array([values[classes == k].mean() if np.any(classes == k) else values.mean()
                     for k in range(num_classes)])


def fit_aae_net(X, albedo, P, classes, *, network: typing.Callable, config: TrainConfig, target: str = "log10"):
    """Train AAE-Net (``network(bands, num_classes, uncertainty)``) on spectra ``X``, albedos, class
    probabilities ``P`` and integer ``classes``; returns ``(model, prior)`` (see the module docstring)."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    log = target == "log10"
    counts = np.bincount(classes)
    stratify = classes if counts[counts > 0].min() >= 2 else None
    values = np.log10(albedo) if log else np.asarray(albedo, float)
    prior = class_prior(values, classes, P.shape[1])
    model, _ = fit_regressor(lambda: network(X.shape[1], P.shape[1], log), {"spectrum": X, "class_probabilities": P},
                             values - P @ prior, GaussianNLL() if log else keras.losses.MeanAbsoluteError(), config,
                             stratify=stratify)
    return model, prior


def predict_albedo(model, prior, X, P, target: str = "log10"):
    """``(albedo, sigma_dex)`` from a model of :func:`fit_aae_net` (``sigma_dex`` is None for ``"linear"``)."""
    out = model.predict({"spectrum": np.asarray(X, "float32"), "class_probabilities": np.asarray(P, "float32")},
                        verbose=0)
    offset = np.asarray(P) @ prior
    if target != "log10":
        return out[:, 0] + offset, None
    return 10.0 ** (out[:, 0] + offset), np.exp(np.asarray(bounded_log_sigma(out[:, 1])))
