"""Out-of-distribution score: how far a spectrum's features lie from every class of the training spectra.

The score is the smallest Mahalanobis distance (squared, shared covariance; Lee et al. 2018, "A simple unified
framework for detecting out-of-distribution samples") from the network's ``features`` to the class means of the
training spectra. The threshold is a quantile of the scores of validation spectra (real spectra the network did
not train on, at every coverage it reads), so about 1 - quantile of real spectra are flagged by construction and
the flagged share of nonsense is what the coverage table measures.

The features see a spectrum only through what the network learned, and a smooth periodic wiggle can land near a
class mean (a sine wave scored "V, 98%"). A second, network-free check asks whether the spectrum's shape is one
asteroid spectra take at all: the covered bands are fitted by a constant, the mean training spectrum and its
leading principal components (:func:`fit_shape_basis`, on the training spectra covering most of the grid); the
residual scatter (in log reflectance, per degree of freedom) above a quantile of the validation spectra's flags it
(:func:`shape_residuals`). A spectrum is out of distribution when either check flags it.

Example
-------
>>> import numpy as np
>>> from astrokeras.evaluation.ood import fit_mahalanobis, ood_scores
>>> rng = np.random.default_rng(0)
>>> F = np.r_[rng.normal(0, 1, (200, 3)), rng.normal(5, 1, (200, 3))]; y = np.repeat([0, 1], 200)
>>> stats = fit_mahalanobis(F, y, 2)
>>> scores = ood_scores(np.array([[0.0, 0, 0], [5, 5, 5], [20, -20, 0]]), stats)
>>> bool(scores[0] < 1 and scores[1] < 1 and scores[2] > 100)      # the class centres, then far from both
True
>>> grid = np.linspace(0.4, 2.5, 106); slopes = rng.normal(0, 0.3, (300, 1))
>>> V = slopes * (grid - grid.mean()) + rng.normal(0, 0.01, (300, 106)); M = np.ones_like(V, bool)
>>> shape = fit_shape_basis(V, M, components=3)
>>> sine = 0.2 * np.sin(2 * np.pi * grid / 0.15)[None]
>>> residuals = shape_residuals(np.r_[V[:1], sine], np.ones((2, 106), bool), shape)
>>> bool(residuals[0] < 0.02 < 0.1 < residuals[1])                # a sloped line fits; the sine does not
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


def fit_shape_basis(values, masks, components: int = 12, min_coverage: float = 0.9) -> dict:
    """Mean and leading ``components`` principal axes of the encoded spectra (N x bands, centred log reflectance)
    whose ``masks`` cover at least ``min_coverage`` of the grid; bands that some of those leave uncovered are left
    out (``bands``). Returns a JSON-ready dict for :func:`shape_residuals`."""
    V = np.asarray(values, dtype=float)
    M = np.asarray(masks, bool)
    full = M.mean(axis=1) >= min_coverage
    if full.sum() < components + 2:
        raise ValueError(f"fit_shape_basis needs more than {components + 1} spectra covering "
                         f"{100 * min_coverage:.0f}% of the grid, got {int(full.sum())}")
    bands = M[full].all(axis=0)
    X = V[full][:, bands]
    mean = X.mean(axis=0)
    _, _, axes = np.linalg.svd(X - mean, full_matrices=False)
    return {"bands": bands.tolist(), "mean": mean.round(6).tolist(), "basis": axes[:components].round(6).tolist()}


def shape_residuals(values, masks, stats: dict) -> np.ndarray:
    """Residual scatter of each encoded spectrum's covered bands after a least-squares fit by a constant, the mean
    spectrum and the principal axes in ``stats`` (see :func:`fit_shape_basis`): the square root of the residual
    sum of squares over the degrees of freedom, so short and long coverages compare."""
    V = np.atleast_2d(np.asarray(values, dtype=float))
    M = np.atleast_2d(np.asarray(masks, bool)) & np.asarray(stats["bands"], bool)
    columns = np.zeros((V.shape[1], 2 + len(stats["basis"])))
    bands = np.asarray(stats["bands"], bool)
    columns[bands] = np.c_[np.ones(bands.sum()), stats["mean"], np.asarray(stats["basis"]).T]
    out = np.zeros(len(V))
    for i, (v, m) in enumerate(zip(V, M)):
        if m.sum() <= 3:
            continue
        design = columns[m][:, : min(columns.shape[1], int(m.sum()) - 1)]
        coefficients, *_ = np.linalg.lstsq(design, v[m], rcond=None)
        out[i] = np.sqrt(np.sum((v[m] - design @ coefficients) ** 2) / (m.sum() - design.shape[1]))
    return out
