"""Scores of the paper's tables, computed the same way for every method (scikit-learn's metrics), and their
mean +- std over folds.

Example
-------
>>> import numpy as np
>>> from astrokeras.evaluation import accuracy, mean_class_accuracy
>>> y, p = np.array([0, 0, 0, 1]), np.array([0, 0, 1, 1])
>>> accuracy(y, p), round(mean_class_accuracy(y, p), 4)
(0.75, 0.8333)
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn import metrics


def accuracy(y_true, y_pred) -> float:
    """Share of correct predictions."""
    return float(metrics.accuracy_score(y_true, y_pred))


def mean_class_accuracy(y_true, y_pred) -> float:
    """The paper's AP (Eq. 11): accuracy within each class, averaged over the classes present in ``y_true``
    (scikit-learn's balanced accuracy; a predicted class absent from ``y_true`` does not count as a class).

    >>> mean_class_accuracy([0, 0, 1, 1], [0, 2, 1, 1])
    0.75
    """
    with warnings.catch_warnings():  # "y_pred contains classes not in y_true": those are ignored, as in Eq. 11
        warnings.simplefilter("ignore", UserWarning)
        return float(metrics.balanced_accuracy_score(y_true, y_pred))


def confusion(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts ``[true, predicted]`` over the classes ``0 .. num_classes - 1``.

    >>> confusion([0, 1, 1], [0, 0, 1], 3).tolist()
    [[1, 0, 0], [1, 1, 0], [0, 0, 0]]
    """
    return metrics.confusion_matrix(y_true, y_pred, labels=np.arange(num_classes)).astype(np.int64)


def mean_std(values) -> tuple[float, float]:
    """Mean and (population) standard deviation over folds.

    >>> mean_std([0.9, 1.0])
    (0.95, 0.04999999999999999)
    """
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std())


def within_one_sigma(predicted, sigma, true) -> float | None:
    """Share of the known values (``true`` not NaN) that lie within one ``sigma`` of the prediction; None if none is
    known. For a sigma in dex, pass log10 values.

    >>> within_one_sigma([0.11, 0.2], [0.05, 0.05], [0.1, 0.1])
    0.5
    """
    z = np.abs(np.asarray(true, float) - np.asarray(predicted, float)) / np.asarray(sigma, float)
    present = np.isfinite(z)
    return float(np.mean(z[present] <= 1.0)) if present.any() else None


def expected_calibration_error(y_true, probabilities, bins: int = 15) -> float:
    """Expected calibration error of the top class: the share-weighted mean gap between confidence and accuracy
    over ``bins`` equal-width confidence bins (Guo et al. 2017).

    >>> expected_calibration_error([0, 1], [[0.9, 0.1], [0.2, 0.8]])      # confident and right: small gaps
    0.15
    """
    P = np.asarray(probabilities, dtype=float)
    confidence, correct = P.max(axis=1), (P.argmax(axis=1) == np.asarray(y_true)).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    gap = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            gap += members.mean() * abs(confidence[members].mean() - correct[members].mean())
    return float(round(gap, 10))


def reliability(y_true, probabilities, bins: int = 10):
    """``(confidence, accuracy, count)`` per equal-width confidence bin of the top class (empty bins: NaN)."""
    P = np.asarray(probabilities, dtype=float)
    confidence, correct = P.max(axis=1), (P.argmax(axis=1) == np.asarray(y_true)).astype(float)
    which = np.clip(np.digitize(confidence, np.linspace(0.0, 1.0, bins + 1)[1:-1]), 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore"):
        return (np.bincount(which, confidence, bins) / count, np.bincount(which, correct, bins) / count, count)
