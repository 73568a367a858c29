"""Reflectance <-> single-scattering albedo (Hapke), and intimate mixtures of mineral spectra.

An intimate mixture of particles mixes linearly not in reflectance but in single-scattering albedo ``w``
(Hapke 1981, J. Geophys. Res. 86, 3039; Mustard & Pieters 1989, J. Geophys. Res. 94, 13619): ``w_mix = sum_i f_i
w_i``, where ``f_i`` is the share of the geometric cross-section of component ``i`` -- its volume fraction when all
components have the same grain size (``f_i ~ M_i / (rho_i d_i)``), which is what this module assumes.

The conversion is Hapke's bidirectional reflectance for isotropic scatterers without opposition effect, as a
reflectance factor (reflectance relative to a perfect Lambertian surface under the same illumination, RELAB's
"bidirectional reflectance" relative to a halon / spectralon standard)::

    REFF(i, e) = w / 4 * 1 / (mu0 + mu) * H(mu0, w) * H(mu, w),   H(x, w) = (1 + 2x) / (1 + 2x sqrt(1 - w))

with ``mu0 = cos i``, ``mu = cos e`` and the two-stream approximation of Chandrasekhar's H function (Hapke 1981,
eq. 8; 2012 book, eq. 8.57). RELAB measures at i = 30 deg, e = 0 deg (the defaults). The inverse has no closed form:
it is read from a dense monotonic table (accurate to 1e-6 in ``w``).

Example
-------
>>> import numpy as np
>>> from astrokeras.physics.hapke import ssa_to_reflectance, reflectance_to_ssa, mix_spectra
>>> r = np.array([0.05, 0.3, 0.8])
>>> np.allclose(ssa_to_reflectance(reflectance_to_ssa(r)), r)
True
>>> dark, bright = np.array([0.05]), np.array([0.6])
>>> linear = mix_spectra(np.stack([dark, bright]), np.array([[0.5, 0.5]]), "linear")
>>> intimate = mix_spectra(np.stack([dark, bright]), np.array([[0.5, 0.5]]), "hapke")
>>> round(float(linear[0, 0]), 3), round(float(intimate[0, 0]), 3)   # the dark component dominates an intimate mix
(0.325, 0.154)
"""

from __future__ import annotations

import functools

import numpy as np

RELAB_INCIDENCE_DEG = 30.0
RELAB_EMISSION_DEG = 0.0
MIXING = ("linear", "hapke")


def chandrasekhar_h(x, w):
    """Two-stream approximation of Chandrasekhar's H function for isotropic scatterers."""
    return (1.0 + 2.0 * x) / (1.0 + 2.0 * x * np.sqrt(1.0 - w))


def ssa_to_reflectance(w, incidence_deg: float = RELAB_INCIDENCE_DEG, emission_deg: float = RELAB_EMISSION_DEG):
    """Reflectance factor of a particulate surface of single-scattering albedo ``w`` (0..1)."""
    w = np.clip(np.asarray(w, dtype=float), 0.0, 1.0)
    mu0, mu = np.cos(np.deg2rad(incidence_deg)), np.cos(np.deg2rad(emission_deg))
    return w / 4.0 / (mu0 + mu) * chandrasekhar_h(mu0, w) * chandrasekhar_h(mu, w)


@functools.lru_cache(maxsize=8)
def _table(incidence_deg: float, emission_deg: float):
    # Dense near w = 1, where the reflectance changes fastest.
    u = np.linspace(0.0, 1.0, 200001)
    w = 1.0 - (1.0 - u) ** 3
    return ssa_to_reflectance(w, incidence_deg, emission_deg), w


def reflectance_to_ssa(reflectance, incidence_deg: float = RELAB_INCIDENCE_DEG,
                       emission_deg: float = RELAB_EMISSION_DEG):
    """The single-scattering albedo whose reflectance factor is ``reflectance`` (inverse of
    :func:`ssa_to_reflectance`). Raises ValueError for a reflectance outside what isotropic scatterers can give
    (below 0, or above the value at w = 1: about 1.10 at RELAB's geometry) -- check that it is absolute
    reflectance, not a spectrum normalised at 0.55 um."""
    r = np.asarray(reflectance, dtype=float)
    table_r, table_w = _table(float(incidence_deg), float(emission_deg))
    if np.any(r < 0) or np.any(r > table_r[-1]):
        raise ValueError(f"reflectance must lie in [0, {table_r[-1]:.3f}] for Hapke inversion (got {r.min():.3g} to "
                         f"{r.max():.3g}): pass absolute reflectance factors, not spectra normalised at a band")
    return np.interp(r, table_r, table_w)


def mix_spectra(spectra, fractions, how: str = "hapke", **geometry):
    """Mixtures of the rows of ``spectra`` (K x B absolute reflectance factors) with ``fractions`` (N x K, volume
    fractions summing to one per row): ``"linear"`` averages the reflectances (a checkerboard, areal mixture),
    ``"hapke"`` averages single-scattering albedos (an intimate mixture of equal-sized grains). Returns N x B."""
    if how not in MIXING:
        raise ValueError(f"how must be one of {MIXING}, got {how!r}")
    spectra = np.asarray(spectra, dtype=float)
    fractions = np.asarray(fractions, dtype=float)
    if how == "linear":
        return fractions @ spectra
    return ssa_to_reflectance(fractions @ reflectance_to_ssa(spectra, **geometry), **geometry)
