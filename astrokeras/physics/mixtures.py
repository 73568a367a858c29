"""Simulated mineral mixtures (the paper's ACAD): Dirichlet abundances x end-member spectra.

A linear mixture ``x = a @ E`` of R end-member spectra ``E`` (R x B) with abundances ``a`` drawn from a flat
Dirichlet distribution (non-negative, summing to one), normalised at 0.55 um, with optional Gaussian noise at
a given signal-to-noise ratio (``sigma = x / snr`` per band, i.e. SNR as a plain ratio, not in dB).

Example
-------
>>> import numpy as np
>>> from astrokeras.physics.mixtures import simulate_mixtures
>>> wavelength = np.linspace(0.45, 2.45, 5)
>>> E = np.array([[0.2, 0.3, 0.4, 0.4, 0.5], [0.5, 0.4, 0.3, 0.3, 0.2]])
>>> mix = simulate_mixtures(E, wavelength, n=4, seed=0)
>>> mix.spectra.shape, np.allclose(mix.abundances.sum(axis=1), 1.0)
((4, 5), True)
"""

from __future__ import annotations

import typing

import numpy as np

from astrokeras import spectra


class Mixtures(typing.NamedTuple):
    """Simulated spectra (N x B, normalised at ``normalise_at``) and their true abundances (N x R)."""

    spectra: np.ndarray
    abundances: np.ndarray


def normalise_index(grid) -> int:
    """The band nearest 0.55 um when ``grid`` (um) covers it, else the first band (a grid that starts in the
    near-infrared, like Hayabusa NIRS's 0.82-2.08 um, is normalised at its first band).

    >>> normalise_index([0.45, 0.50, 0.55, 0.60]), normalise_index([0.82, 0.84])
    (2, 0)
    """
    grid = np.asarray(grid, dtype=float)
    return int(np.argmin(np.abs(grid - spectra.NORMALISE_AT_UM))) if grid[0] <= 0.55 <= grid[-1] else 0


def simulate_mixtures(
    endmembers,
    wavelength,
    n: int,
    *,
    seed: int | None = 0,
    alpha: float = 1.0,
    snr: float | None = None,
    normalise_at: float | None = spectra.NORMALISE_AT_UM,
) -> Mixtures:
    """``n`` linear mixtures of the rows of ``endmembers`` (R x B, reflectance on ``wavelength`` in um).

    Parameters
    ----------
    alpha : float
        Concentration of the symmetric Dirichlet distribution (1.0: uniform over the simplex).
    snr : float, optional
        Signal-to-noise ratio of added Gaussian noise (per band, sigma = reflectance / snr); None: noise-free.
    normalise_at : float, optional
        Normalise each mixture at this wavelength (um) after the noise; None keeps absolute reflectance.
    """
    E = np.asarray(endmembers, dtype=float)
    spectra.validate(wavelength, E)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    rng = np.random.default_rng(seed)
    abundances = rng.dirichlet(np.full(E.shape[0], alpha), size=n)
    mixed = abundances @ E
    if snr is not None:
        if snr <= 0:
            raise ValueError(f"snr must be > 0, got {snr}")
        mixed = np.clip(mixed + rng.standard_normal(mixed.shape) * mixed / snr, 0.0, None)
    if normalise_at is not None:
        mixed = spectra.normalise(wavelength, mixed, normalise_at)
    return Mixtures(mixed, abundances)
