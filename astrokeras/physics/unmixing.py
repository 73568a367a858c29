"""Classical linear unmixing and its scores: FCLS, VCA, end-member matching, SAD and RMSE.

All functions take spectra as rows (N x B) and end-members as rows (R x B).

Example
-------
>>> import numpy as np
>>> from astrokeras.physics.unmixing import fcls
>>> E = np.array([[0.2, 0.3, 0.5, 0.4], [0.6, 0.5, 0.3, 0.2]])
>>> a = np.array([[0.25, 0.75]])
>>> np.round(fcls(a @ E / 7.0, E), 6).tolist()          # any overall scale, as after normalisation
[[0.25, 0.75]]
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment, nnls


def fcls(X, endmembers, *, scale_free: bool = True) -> np.ndarray:
    """Fully constrained least squares abundances (non-negative, summing to one) of each row of ``X``.

    ``scale_free`` (for spectra normalised at a band, where the mixture's overall scale is unknown): solve the
    non-negative least squares ``X ~ b @ E`` and rescale ``b`` to sum to one, which is exact for noise-free
    normalised linear mixtures. Otherwise the sum-to-one constraint enters the least squares as a heavily
    weighted extra row (Heinz & Chang 2001).
    """
    X = np.atleast_2d(np.asarray(X, dtype=float))
    E = np.asarray(endmembers, dtype=float)
    if scale_free:
        A = E.T
        out = np.array([nnls(A, x)[0] for x in X])
        total = out.sum(axis=1, keepdims=True)
        return np.where(total > 0, out / np.where(total > 0, total, 1), 1.0 / E.shape[0])
    delta = 1e3 * np.abs(E).max()
    A = np.vstack([E.T, delta * np.ones(E.shape[0])])
    return np.array([nnls(A, np.append(x, delta))[0] for x in X])


def vca(X, count: int, *, seed: int = 0) -> np.ndarray:
    """Vertex component analysis (Nascimento & Dias 2005): ``count`` end-members picked among the rows of ``X``.

    Returns the (count x B) end-member spectra (rows of ``X``, the simplex's vertices).
    """
    X = np.asarray(X, dtype=float)
    rng = np.random.default_rng(seed)
    mean = X.mean(axis=0)
    u, _, _ = np.linalg.svd((X - mean).T, full_matrices=False)
    projected = (X - mean) @ u[:, : count - 1]
    # Projective projection onto the affine subspace, then find extreme points one at a time.
    Y = np.hstack([projected, np.ones((len(X), 1))]).T  # (count, N)
    A = np.zeros((count, count))
    A[-1, 0] = 1.0
    picked = []
    for i in range(count):
        w = rng.normal(size=count)
        f = w - A @ np.linalg.pinv(A) @ w
        f /= np.linalg.norm(f)
        index = int(np.argmax(np.abs(f @ Y)))
        A[:, i] = Y[:, index]
        picked.append(index)
    return X[picked]


def spectral_angles(a, b) -> np.ndarray:
    """Angles (radians) between every row of ``a`` and every row of ``b``."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    cos = (a @ b.T) / np.outer(np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1))
    return np.arccos(np.clip(cos, -1.0, 1.0))


def match_endmembers(estimated, true) -> np.ndarray:
    """The order of ``estimated`` rows that best matches ``true`` rows (Hungarian, on spectral angles)."""
    rows, cols = linear_sum_assignment(spectral_angles(true, estimated))
    return cols[np.argsort(rows)]


def endmember_sad(estimated, true) -> float:
    """Mean spectral angle (radians) between matched estimated and true end-members."""
    order = match_endmembers(estimated, true)
    return float(np.mean(np.diag(spectral_angles(true, np.asarray(estimated)[order]))))


def rmse(true, predicted) -> float:
    """Root-mean-square error over all entries."""
    return float(np.sqrt(np.mean((np.asarray(true, float) - np.asarray(predicted, float)) ** 2)))
