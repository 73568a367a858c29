"""Labelled spectra from every survey, each on its own grid, keyed by asteroid: what the coverage-aware classifier
learns from and is measured on.

Each spectrum keeps the survey's own label for its asteroid:

* ``korda2023`` -- DeMeo+2009 / Binzel+2019 VIS-NIR spectra (0.45-2.45 um), Bus-DeMeo classes (11-class and
  4-class labels);
* ``smass2`` -- SMASS II measured spectra (0.435-0.925 um, their real noise), Bus classes (4-class labels);
* ``gaia_dr3`` -- Gaia DR3's 16 bands (flagged bands dropped) of the asteroids one of the two surveys above
  classified (their label: Bus-DeMeo where known, else Bus);
* the MIT archive folders (``mithneos``, ``smass1``...; raw files, read by :mod:`astrokeras.io.spectrum_files`),
  labelled by asteroid from Bus-DeMeo (``mithneos``) or Bus (``smass1``).

Asteroids are joined across surveys by :func:`asteroid_key` (the number, or the provisional designation without
spaces), so folds can be grouped by asteroid over all surveys at once: an asteroid held out is held out
everywhere.

Example
-------
>>> from astrokeras.datasets.collection import asteroid_key
>>> asteroid_key("433"), asteroid_key("2002_UN"), asteroid_key("au1998KM3"), asteroid_key("a000038")
('433', '2002UN', '1998KM3', '38')
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from astrokeras.datasets.archive import load_archive
from astrokeras.datasets.gaia_dr3 import load_gaia_dr3
from astrokeras.datasets.korda2023 import load_busdemeo
from astrokeras.datasets.smass2 import load_smass2
from astrokeras.schemes.taxonomy import FOUR_CLASS, VISNIR_11, four_class_of_busdemeo

UNLABELLED = -1


def asteroid_key(designation) -> str:
    """The join key of an asteroid: its number (``"433"``), else its provisional designation without spaces or
    underscores, upper case (``"2002UN"``); archive file stems (``a000433``, ``au2002UN``) are understood."""
    text = str(designation).strip()
    match = re.fullmatch(r"a(\d{6})", text)
    if match:
        return str(int(match.group(1)))
    if text.startswith("au") and len(text) > 2 and text[2].isdigit():
        text = text[2:]
    if text.isdigit():
        return str(int(text))
    return re.sub(r"[\s_]", "", text).upper()


@dataclasses.dataclass
class SpectrumCollection:
    """Spectra on their own grids: ``spectra[i] = (wavelength_um, reflectance)``, and ``meta`` with one row each:
    ``key`` (:func:`asteroid_key`), ``survey``, ``label_11`` and ``label_4`` (class indices of
    :data:`~astrokeras.schemes.taxonomy.VISNIR_11` and :data:`~astrokeras.schemes.taxonomy.FOUR_CLASS`, -1 where the survey gives
    none), ``name``."""

    spectra: list
    meta: pd.DataFrame

    def __len__(self) -> int:
        return len(self.spectra)

    def subset(self, rows) -> "SpectrumCollection":
        """The spectra selected by a boolean mask or integer indices."""
        rows = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows, int)
        return SpectrumCollection([self.spectra[i] for i in rows], self.meta.iloc[rows].reset_index(drop=True))

    def __add__(self, other: "SpectrumCollection") -> "SpectrumCollection":
        return SpectrumCollection(self.spectra + other.spectra, pd.concat([self.meta, other.meta], ignore_index=True))


def _collection(survey, spectra, keys, label_11, label_4, names) -> SpectrumCollection:
    meta = pd.DataFrame({"key": list(keys), "survey": survey, "label_11": np.asarray(label_11, int),
                         "label_4": np.asarray(label_4, int), "name": list(names)})
    return SpectrumCollection(list(spectra), meta)


def busdemeo_labels() -> dict:
    """``{key: (label_11, label_4)}`` of the korda2023 asteroids with an 11-class label."""
    meta = korda_collection().meta
    return {k: (int(a), int(b)) for k, a, b in zip(meta["key"], meta["label_11"], meta["label_4"])}


def _aligned(kept11, kept4, y4):
    """The 4-class labels of the rows kept in the 11-class scheme (every 11-class row has a 4-class label)."""
    full = np.full(kept4.size, UNLABELLED)
    full[kept4] = y4
    return full[kept11]


def bus_labels() -> dict:
    """``{key: label_4}`` of the asteroids with a Bus class in the PDS taxonomy table (via SMASS II)."""
    meta = load_smass2().meta
    y, kept = FOUR_CLASS.encode(meta["bus_class"])
    return {asteroid_key(d): int(c) for d, c in zip(meta["designation"][kept], y)}


def korda_collection() -> SpectrumCollection:
    """The korda2023 VIS-NIR spectra with an 11-class label (586), on their 5 nm grid."""
    data = load_busdemeo()
    y11, kept11 = VISNIR_11.encode(data.meta["bus_demeo"])
    y4, kept4 = four_class_of_busdemeo(data.meta["bus_demeo"])
    rows = np.flatnonzero(kept11)
    return _collection("korda2023", [(data.wavelength, data.reflectance[i]) for i in rows],
                       [asteroid_key(d) for d in data.meta["designation"].to_numpy()[rows]], y11,
                       _aligned(kept11, kept4, y4), data.meta["designation"].to_numpy()[rows])


def smass2_collection() -> SpectrumCollection:
    """The SMASS II measured spectra with a 4-class label (1334), on the survey's 2.5 nm grid."""
    data = load_smass2()
    y4, kept = FOUR_CLASS.encode(data.meta["bus_class"])
    rows = np.flatnonzero(kept)
    spectra = [(s.wavelength, s.reflectance) for s in data.meta["spectrum"].to_numpy()[rows]]
    names = data.meta["designation"].to_numpy()[rows]
    return _collection("smass2", spectra, [asteroid_key(d) for d in names], np.full(rows.size, UNLABELLED), y4,
                       names)


def gaia_collection(labels_11: dict, labels_4: dict) -> SpectrumCollection:
    """Gaia DR3 spectra of the asteroids in ``labels_11`` (``{key: (label_11, label_4)}``) or ``labels_4``
    (``{key: label_4}``), unflagged finite positive bands only (at least 8 of 16)."""
    gaia = load_gaia_dr3()
    spectra, keys, y11, y4, names = [], [], [], [], []
    usable = (gaia.flags == 0) & np.isfinite(gaia.reflectance) & (gaia.reflectance > 0)
    for row, number in enumerate(gaia.meta["number"].to_numpy()):
        key = asteroid_key(number)
        if (key not in labels_11 and key not in labels_4) or usable[row].sum() < 8:
            continue
        c11, c4 = labels_11.get(key, (UNLABELLED, labels_4.get(key, UNLABELLED)))
        spectra.append((gaia.wavelength[usable[row]], gaia.reflectance[row, usable[row]]))
        keys.append(key), y11.append(c11), y4.append(c4), names.append(number)
    return _collection("gaia_dr3", spectra, keys, y11, y4, names)


def archive_collection(folder: str, labels_11: dict, labels_4: dict) -> SpectrumCollection:
    """The spectra of an MIT archive folder (:func:`~astrokeras.datasets.load_archive`: ``mithneos``, ``smass1``,
    ``smassir``, ``smassneo``) whose asteroid has a label: Bus-DeMeo's (``labels_11``) first, else Bus's
    (``labels_4``). Files the reader refused are not included (``load_archive(folder).refused`` lists them)."""
    archive = load_archive(folder)
    spectra, keys, y11, y4, names = [], [], [], [], []
    for designation, spectrum, file in zip(archive.meta["designation"], archive.meta["spectrum"], archive.meta["file"]):
        key = asteroid_key(designation)
        if key not in labels_11 and key not in labels_4:
            continue
        c11, c4 = labels_11.get(key, (UNLABELLED, labels_4.get(key, UNLABELLED)))
        spectra.append((spectrum.wavelength, spectrum.reflectance))
        keys.append(key), y11.append(c11), y4.append(c4), names.append(file)
    return _collection(folder, spectra, keys, y11, y4, names)
