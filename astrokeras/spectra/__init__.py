"""Spectra and their grids: the validated :class:`Spectrum` (units, resampling, normalisation), the coverage-aware
grid and mask, and augmentation (PCA noise, other telescopes' coverages and calibrations).

The core names live in :mod:`astrokeras.spectra.spectrum` and are re-exported here.

Example
-------
>>> from astrokeras.spectra import paper_grid
>>> paper_grid(0.44, 0.92).size
49
"""

from astrokeras.spectra.spectrum import (  # noqa: F401  (the package's public names)
    ANGSTROM_MAX,
    NM_MAX,
    NORMALISE_AT_UM,
    UM_MAX,
    Spectrum,
    SpectrumError,
    check_coverage,
    detect_unit,
    micron_scale,
    normalise,
    paper_grid,
    resample,
    to_micron,
    validate,
)

__all__ = ["ANGSTROM_MAX", "NM_MAX", "NORMALISE_AT_UM", "UM_MAX", "Spectrum", "SpectrumError", "check_coverage",
           "detect_unit", "micron_scale", "normalise", "paper_grid", "resample", "to_micron", "validate"]
