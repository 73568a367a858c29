"""Honest evaluation: folds, scores (accuracy, AP, calibration), out-of-distribution scores, sigma bounds, per-fold
results saved and resumed, and the figures of the tables.

The scores live in :mod:`astrokeras.evaluation.scores` and are re-exported here.

Example
-------
>>> from astrokeras.evaluation import accuracy
>>> accuracy([0, 1, 1], [0, 1, 0])
0.6666666666666666
"""

from astrokeras.evaluation.scores import (  # noqa: F401  (the package's public names)
    accuracy,
    confusion,
    expected_calibration_error,
    mean_class_accuracy,
    mean_std,
    reliability,
    within_one_sigma,
)

__all__ = ["accuracy", "confusion", "expected_calibration_error", "mean_class_accuracy", "mean_std", "reliability",
           "within_one_sigma"]
