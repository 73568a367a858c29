"""Out-of-distribution score: how far a spectrum's features lie from every class of the training spectra.

The score is the smallest Mahalanobis distance (squared, shared covariance; Lee et al. 2018, "A simple unified
framework for detecting out-of-distribution samples") from the network's ``features`` to the class means of the
training spectra. The threshold is a quantile of the scores of validation spectra (real spectra the network did
not train on, at every coverage it reads), so about 1 - quantile of real spectra are flagged by construction and
the flagged share of nonsense is what the coverage table measures.

Example
-------
>>> import numpy as np
>>> from astrokeras.ood import fit_mahalanobis, ood_scores
>>> rng = np.random.default_rng(0)
>>> F = np.r_[rng.normal(0, 1, (200, 3)), rng.normal(5, 1, (200, 3))]; y = np.repeat([0, 1], 200)
>>> stats = fit_mahalanobis(F, y, 2)
>>> scores = ood_scores(np.array([[0.0, 0, 0], [5, 5, 5], [20, -20, 0]]), stats)
>>> bool(scores[0] < 1 and scores[1] < 1 and scores[2] > 100)      # the class centres, then far from both
True
"""

from __future__ import annotations

import numpy as np


def fit_mahalanobis(features, labels, num_classes: int, ridge: float = 1e-3) -> dict:
    """Class means and the inverse of the shared (within-class) covariance of ``features`` (N x D) with integer
    ``labels``; classes without rows are left out. Returns a JSON-ready dict."""
    F = np.asarray(features, dtype=float)
    y = np.asarray(labels)
    present = [k for k in range(num_classes) if np.any(y == k)]
    means = np.stack([F[y == k].mean(axis=0) for k in present])
    centred = F - means[np.searchsorted(present, y)]
    covariance = centred.T @ centred / max(len(F) - len(present), 1)
    precision = np.linalg.inv(covariance + ridge * np.trace(covariance) / F.shape[1] * np.eye(F.shape[1]))
    return {"classes": present, "means": means.round(6).tolist(), "precision": precision.round(6).tolist()}


def ood_scores(features, stats: dict) -> np.ndarray:
    """The smallest squared Mahalanobis distance of each row of ``features`` to the class means in ``stats``."""
    F = np.atleast_2d(np.asarray(features, dtype=float))
    means = np.asarray(stats["means"], dtype=float)
    precision = np.asarray(stats["precision"], dtype=float)
    diff = F[:, None, :] - means[None, :, :]
    return np.einsum("nkd,de,nke->nk", diff, precision, diff).min(axis=1)
