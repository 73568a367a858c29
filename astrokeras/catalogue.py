"""Published spectra of named asteroids from the registered data sets (``astrokeras analyze --asteroid 433``).

Kept apart from :mod:`astrokeras.analysis` so that analysing a file does not load the data-set machinery (pandas).

Example
-------
>>> from astrokeras.catalogue import catalogue_spectrum
>>> spectrum = catalogue_spectrum("433")                # doctest: +REQUIRES_DATA
>>> spectrum.name, float(spectrum.wavelength[0])        # doctest: +REQUIRES_DATA
('433 (busdemeo)', 0.45)
"""

from __future__ import annotations

import numpy as np

from astrokeras import datasets
from astrokeras.spectra import Spectrum, SpectrumError


def catalogue_spectrum(designation: str, source: str = "busdemeo") -> Spectrum:
    """A published spectrum from the registered data sets, by designation (``"433"``, ``"1999 JU3"``):
    ``busdemeo`` (korda2023 VIS-NIR, 0.45-2.45 um) or ``smass2`` (visible, 0.44-0.92 um)."""
    loaders = {"busdemeo": datasets.load_busdemeo, "smass2": datasets.load_smass2}
    if source not in loaders:
        raise SpectrumError(f"unknown source {source!r}: use one of {sorted(loaders)}")
    data = loaders[source]()
    wanted = designation.replace(" ", "").replace("_", "").lower()
    keys = data.meta["designation"].astype(str).str.replace(" ", "").str.replace("_", "").str.lower().to_numpy()
    hits = np.flatnonzero(keys == wanted)
    if not hits.size:
        raise SpectrumError(f"asteroid {designation!r} is not in {source} ({len(data)} spectra); try the other "
                            "source, or analyze your own file")
    return Spectrum(data.wavelength, data.reflectance[hits[0]], name=f"{designation} ({source})")
