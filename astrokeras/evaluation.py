"""Scores of the paper's tables, computed the same way for every method, and their mean +- std over folds.

Example
-------
>>> import numpy as np
>>> from astrokeras.evaluation import accuracy, mean_class_accuracy
>>> y, p = np.array([0, 0, 0, 1]), np.array([0, 0, 1, 1])
>>> accuracy(y, p), round(mean_class_accuracy(y, p), 4)
(0.75, 0.8333)
"""

from __future__ import annotations

import numpy as np


def accuracy(y_true, y_pred) -> float:
    """Share of correct predictions."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def mean_class_accuracy(y_true, y_pred) -> float:
    """The paper's AP (Eq. 11): accuracy within each class, averaged over the classes present in ``y_true``."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float(np.mean([np.mean(y_pred[y_true == c] == c) for c in np.unique(y_true)]))


def confusion(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts ``[true, predicted]``."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix


def mean_std(values) -> tuple[float, float]:
    """Mean and (population) standard deviation over folds."""
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std())
