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
