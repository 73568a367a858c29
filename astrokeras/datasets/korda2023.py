"""Korda et al. 2023 data: asteroid VIS-NIR spectra, RELAB mineral spectra, Hayabusa NIRS spectra of Itokawa.

Example
-------
>>> from astrokeras.datasets import load_busdemeo, load_minerals, endmembers, load_itokawa
>>> data = load_busdemeo()                          # doctest: +SKIP
>>> len(data), data.bands, int(data.meta["class_11"].notna().sum())   # doctest: +SKIP
(591, 401, 586)
>>> em = endmembers()                               # doctest: +SKIP
>>> em.names, em.mean.shape                         # doctest: +SKIP
(('OL', 'OPX', 'CPX'), (3, 401))
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from astrokeras.datasets.fetching import fetch
from astrokeras.datasets.spectral_data import SpectralData, count_sources
from astrokeras.schemes.taxonomy import VISNIR_11, base_class

MINERAL_LABELS = (
    "OL", "OPX", "CPX", "PLG", "Fa", "Fo", "Fs_OPX", "En_OPX", "Wo_OPX", "Fs_CPX", "En_CPX", "Wo_CPX",
    "An", "Ab", "Or",
)  # fmt: skip
ENDMEMBERS = ("OL", "OPX", "CPX")
PURE_THRESHOLD = 0.99


def _npz(path):
    found = fetch(path)
    with np.load(found.path, allow_pickle=True) as archive:  # object metadata; the file's sha256 was verified
        return {key: archive[key] for key in archive.files}, found


def load_busdemeo() -> SpectralData:
    """The 591 asteroid spectra (DeMeo+2009, Binzel+2019), 0.45..2.45 um step 5 nm (401 bands), normalised at 0.55 um.

    ``meta``: ``designation`` (number, or provisional like ``2002_UN``), ``number`` (None when unnumbered),
    ``bus_demeo`` (class as published, with ``w``/``:`` suffixes), ``base_class`` (suffixes stripped),
    ``class_11`` (paper Table 6; None for O, R, U -> 586 kept), ``slope``, ``PC1``..``PC5``.
    For the paper's 0.01 um grid (201 bands): ``load_busdemeo().on_grid(paper_grid(0.45, 2.45))``.
    """
    arrays, found = _npz("korda2023/asteroid-spectra_denoised_norm.npz")
    meta = pd.DataFrame(arrays["metadata"], columns=[str(k) for k in arrays["metadata_key"]])
    designation = meta["asteroid number"].astype(str)
    table = pd.DataFrame({
        "designation": designation,
        "number": [d if d.isdigit() else None for d in designation],
        "bus_demeo": meta["taxonomy class"].astype(str),
    })
    table["base_class"] = [base_class(c) for c in table["bus_demeo"]]
    table["class_11"] = [VISNIR_11.map(c) for c in table["bus_demeo"]]
    for column in ["slope", "PC1", "PC2", "PC3", "PC4", "PC5"]:
        table[column] = meta[column].astype(float)
    wavelength = arrays["wavelengths"].astype(float) / 1000.0
    return SpectralData("busdemeo", wavelength, arrays["spectra"].astype(float), table,
                        sources=count_sources([found]))


def load_minerals(normalised: bool = False) -> SpectralData:
    """The 674 RELAB laboratory spectra (0.45..2.45 um, 401 bands) with their 15 labels.

    ``meta`` holds the RELAB metadata (``SampleID``, ``SampleName``, ``Type1``...) and the labels as columns
    :data:`MINERAL_LABELS`: modal abundances ``OL``, ``OPX``, ``CPX``, ``PLG`` (fractions summing to 1 over the
    silicates) and the chemistry (``Fa``, ``Fo``, ``Fs_OPX``..., NaN where unknown).
    ``normalised=True`` reads the copy normalised at 0.55 um.
    """
    name = "mineral-spectra_denoised_norm.npz" if normalised else "mineral-spectra_denoised.npz"
    arrays, found = _npz(f"korda2023/{name}")
    meta = pd.DataFrame(arrays["metadata"], columns=[str(k) for k in arrays["metadata_key"]])
    labels = pd.DataFrame(arrays["labels"].astype(float), columns=list(MINERAL_LABELS))
    table = pd.concat([meta, labels], axis=1)
    wavelength = arrays["wavelengths"].astype(float) / 1000.0
    return SpectralData("minerals", wavelength, arrays["spectra"].astype(float), table,
                        sources=count_sources([found]))


@dataclasses.dataclass
class Endmembers:
    """End-member spectra: ``mean[i]`` is the mean of the pure samples ``pure[names[i]]`` (rows of spectra)."""

    names: tuple
    wavelength: np.ndarray
    mean: np.ndarray
    pure: dict
    pure_index: dict


def endmembers(threshold: float = PURE_THRESHOLD, minerals: SpectralData | None = None) -> Endmembers:
    """OL / OPX / CPX end-members: the mean of the RELAB samples whose modal abundance is >= ``threshold``.

    With the default 0.99: 100 olivine, 110 orthopyroxene, 118 clinopyroxene spectra (not normalised).
    """
    minerals = minerals if minerals is not None else load_minerals()
    pure, index = {}, {}
    for name in ENDMEMBERS:
        rows = np.flatnonzero(minerals.meta[name].to_numpy() >= threshold)
        if rows.size == 0:
            raise ValueError(f"no {name} sample reaches the purity threshold {threshold}")
        pure[name], index[name] = minerals.reflectance[rows], rows
    mean = np.stack([pure[n].mean(axis=0) for n in ENDMEMBERS])
    return Endmembers(ENDMEMBERS, minerals.wavelength, mean, pure, index)


def load_itokawa() -> SpectralData:
    """The 18695 Hayabusa NIRS spectra of (25143) Itokawa, 0.82..2.08 um step 20 nm (64 bands), not normalised.

    ``meta``: ``longitude``, ``latitude`` (deg), ``asteroid name``, ``instrument``.
    """
    arrays, found = _npz("korda2023/Itokawa_denoised.npz")
    meta = pd.DataFrame(arrays["metadata"], columns=[str(k) for k in arrays["metadata_key"]])
    meta["longitude"] = meta["longitude"].astype(float)
    meta["latitude"] = meta["latitude"].astype(float)
    wavelength = arrays["wavelengths"].astype(float) / 1000.0
    return SpectralData("itokawa", wavelength, arrays["spectra"].astype(float), meta,
                        sources=count_sources([found]))
