"""A fitted class-probability model (standardise -> PCA -> logistic regression) as one affine map and a softmax, so
a preset card can carry it as plain numbers and ``analyze`` can run it with numpy alone.

Every step of :func:`~astrokeras.models.albedo_baselines.class_probability_model` is affine up to the softmax:
``z = (x - mu) / s``, ``y = (z - m) C^T``, ``logits = y A^T + b``, so ``logits = x W + c`` with
``W = diag(1 / s) C^T A^T`` and ``c = -(mu / s + m) C^T A^T + b``. A class the fit never saw gets a logit of
:data:`ABSENT_LOGIT` (probability ~0), as the tables give it.

Example
-------
>>> import numpy as np
>>> from astrokeras.models.albedo_baselines import class_probability_model
>>> rng = np.random.default_rng(0); X = rng.normal(size=(60, 8)); y = np.repeat([0, 2, 3], 20); X[:, 0] += y
>>> fitted = class_probability_model(0).fit(X, y)
>>> card = affine_class_model(fitted, 4)
>>> P = class_probabilities_of(card, X[:3])
>>> bool(np.allclose(P[:, [0, 2, 3]], fitted.predict_proba(X[:3]), atol=1e-6)), bool(P[:, 1].max() < 1e-12)
(True, True)
"""

from __future__ import annotations

import numpy as np

ABSENT_LOGIT = -50.0  # a class without training rows: exp(-50) ~ 2e-22 against the others


def affine_class_model(pipeline, num_classes: int) -> dict:
    """``{"weights": bands x K, "bias": K}`` (lists) of a fitted ``scale -> pca -> classifier`` pipeline whose
    classes are integers in ``0 .. num_classes - 1``."""
    scale, pca, classifier = (pipeline.named_steps[k] for k in ("scale", "pca", "classifier"))
    if getattr(pca, "whiten", False):
        raise ValueError("a whitened PCA is not supported: fit the class model with whiten=False")
    A, b = np.atleast_2d(classifier.coef_), np.atleast_1d(classifier.intercept_)
    if A.shape[0] == 1:  # binary logistic regression: logits [0, y a + b]
        A, b = np.vstack([np.zeros_like(A), A]), np.r_[0.0, b]
    projection = pca.components_.T @ A.T                              # PCA scores -> logits
    weights = projection / scale.scale_[:, None]
    bias = b - (scale.mean_ / scale.scale_ + pca.mean_) @ projection
    W = np.zeros((weights.shape[0], num_classes))
    c = np.full(num_classes, ABSENT_LOGIT)
    W[:, classifier.classes_], c[classifier.classes_] = weights, bias
    return {"weights": W.round(8).tolist(), "bias": c.round(8).tolist()}


def class_probabilities_of(model: dict, X) -> np.ndarray:
    """Class probabilities ``N x K`` of spectra ``X`` (``N x bands``, on the grid and normalisation the model was
    fitted on) from an :func:`affine_class_model`."""
    logits = np.atleast_2d(np.asarray(X, float)) @ np.asarray(model["weights"]) + np.asarray(model["bias"])
    logits -= logits.max(axis=1, keepdims=True)
    P = np.exp(logits)
    return P / P.sum(axis=1, keepdims=True)
