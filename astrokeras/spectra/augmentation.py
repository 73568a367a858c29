"""PCA-noise augmentation of reflectance spectra, after Penttilä et al. 2021.

A PCA is fitted on the *training* spectra only; each synthetic spectrum is a training spectrum (its parent)
whose principal-component scores receive Gaussian noise, mapped back to reflectance space:
``x_new = x_parent + (noise_scale * sigma_c * z) @ components``, with ``z ~ N(0, 1)`` and ``sigma_c`` the spread
of the scores within the parent's class. The residual outside the PCA subspace (fine spectral detail) is the
parent's own. Every output row carries the index of its parent, so a split can prove that no augmented copy of
a test spectrum reaches training (see :mod:`astrokeras.evaluation.folds`).

Example
-------
>>> import numpy as np
>>> from astrokeras.spectra.augmentation import augment_pca_noise
>>> rng = np.random.default_rng(0)
>>> X = 1.0 + 0.1 * rng.normal(size=(30, 20)); y = np.repeat([0, 1, 2], 10)
>>> out = augment_pca_noise(X, y, n_per_class=50, seed=1)
>>> out.X.shape, np.bincount(out.y).tolist()
((150, 20), [50, 50, 50])
>>> bool(np.all(out.X[:30] == X)), bool(np.all(out.y == y[out.parent]))   # originals first; parents keep the class
(True, True)
"""

from __future__ import annotations

import typing

import numpy as np
from sklearn.decomposition import PCA

# Reference: Penttilä A., Hietala H., Muinonen K. 2021, "Asteroid spectral taxonomy using neural networks",
# A&A 649, A46 (PCA-based augmentation of the Gaia-like training spectra).


class Augmented(typing.NamedTuple):
    """Augmented training data: ``X``, ``y``, and ``parent[i]``, the input row that row ``i`` derives from."""

    X: np.ndarray
    y: np.ndarray
    parent: np.ndarray


def augment_pca_noise(
    X,
    y,
    n_per_class: int,
    *,
    n_components: int = 8,
    noise_scale: float = 0.3,
    seed: int | None = 0,
) -> Augmented:
    """Add PCA-noise copies until every class has ``n_per_class`` spectra; the originals come first, unchanged.

    Parameters
    ----------
    X : ndarray, shape (N, B)
        Training spectra only (never call this before splitting off the test spectra).
    y : ndarray, shape (N,)
        Integer class of each spectrum.
    n_per_class : int
        Target count per class; a class that already has more keeps all its spectra and gets no copies.
    n_components : int
        PCA components that receive noise (capped by the data's rank).
    noise_scale : float
        Noise standard deviation as a fraction of the within-class spread of each component's scores.
    seed : int or None
        Seed of the random generator (same seed, same output).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (N, B) and y (N,), got {X.shape} and {y.shape}")
    if X.shape[0] < 2:
        raise ValueError("PCA augmentation needs at least two training spectra")
    rng = np.random.default_rng(seed)
    pca = PCA(n_components=min(n_components, X.shape[0] - 1, X.shape[1])).fit(X)
    scores = pca.transform(X)
    overall = scores.std(axis=0)
    out_X, out_y, parent = [X], [y], [np.arange(X.shape[0])]
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        missing = n_per_class - members.size
        if missing <= 0:
            continue
        spread = scores[members].std(axis=0) if members.size > 1 else overall
        chosen = rng.choice(members, size=missing, replace=True)
        noise = noise_scale * spread * rng.standard_normal((missing, spread.size))
        out_X.append(X[chosen] + noise @ pca.components_)
        out_y.append(np.full(missing, label, dtype=y.dtype))
        parent.append(chosen)
    return Augmented(np.concatenate(out_X), np.concatenate(out_y), np.concatenate(parent))
