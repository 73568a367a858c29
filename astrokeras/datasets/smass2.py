"""SMASS II visible spectra (Bus & Binzel 2002) with their Bus classes from the PDS taxonomy table.

Example
-------
>>> from astrokeras.datasets import load_smass2
>>> data = load_smass2()                         # doctest: +SKIP
>>> len(data), data.bands                        # doctest: +SKIP
(1341, 49)
>>> int(data.meta["bus_class"].notna().sum())    # doctest: +SKIP
1339
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astrokeras.datasets.fetching import fetch
from astrokeras.datasets.registry import files_of
from astrokeras.datasets.spectral_data import SpectralData, count_sources
from astrokeras.schemes.taxonomy import FOUR_CLASS
from astrokeras.spectra import Spectrum, paper_grid

_NONE = ("-", "***", "")


def read_taxonomy10(path) -> pd.DataFrame:
    """The PDS taxonomy table (fixed width) as a DataFrame: number, name, prov_id, tholen, bus, bus_demeo."""
    rows = []
    with open(path, encoding="ascii") as handle:
        for line in handle:
            if not line.strip():
                continue
            field = {
                "number": line[0:7].strip(),
                "name": line[8:25].strip(),
                "prov_id": line[26:36].strip().replace(" ", ""),
                "tholen": line[37:43].strip(),
                "bus_class": line[80:83].strip(),
                "s3os2": line[92:95].strip(),
                "bus_demeo_class": line[96:99].strip(),
            }
            rows.append({k: (None if v in _NONE else v) for k, v in field.items()})
    return pd.DataFrame(rows)


def _designation(filename: str) -> tuple[str | None, str | None]:
    """``a000433.[2]`` -> (number "433", None); ``au1995BM2.[2]`` -> (None, "1995BM2")."""
    stem = filename.split(".")[0]
    if stem.startswith("au"):
        return None, stem[2:]
    return str(int(stem[1:])), None


def load_smass2() -> SpectralData:
    """The 1341 SMASS II spectra on the paper's grid (0.44..0.92 um, step 0.01: 49 bands).

    The 49-band reflectances are the survey's own spline fits (``*.spfit.[2]``), normalised at 0.55 um. The
    measured spectra on the survey's grid (0.435..0.925 um step 0.0025, the range varies by asteroid) are in
    ``meta["spectrum"]`` as :class:`~astrokeras.spectra.spectrum.Spectrum` objects with their 1-sigma errors.
    ``meta`` also holds ``number``, ``prov_id``, ``designation``, ``bus_class`` (taxonomy10.tab joined by
    number, provisional designations by PROV_ID; 1339 labelled), ``class_4`` (paper Table 1; None for O, R and
    unlabelled).
    """
    found = []
    taxonomy = fetch("pds_taxonomy/taxonomy10.tab")
    found.append(taxonomy)
    table = read_taxonomy10(taxonomy.path)
    by_number = table.dropna(subset=["number"]).set_index("number")["bus_class"].to_dict()
    by_prov = table.dropna(subset=["prov_id"]).set_index("prov_id")["bus_class"].to_dict()

    grid = paper_grid()
    rows, fits = [], []
    for item in files_of("smass2"):
        name = item.path.split("/")[-1]
        if not name.endswith(".[2]") or ".spfit." in name:
            continue
        measured = fetch(item.path)
        fit = fetch(item.path.replace(".[2]", ".spfit.[2]"))
        found += [measured, fit]
        values = np.loadtxt(fit.path)
        if not np.allclose(values[:, 0], grid, atol=1e-6):
            raise ValueError(f"{fit.path}: unexpected wavelength grid (expected 0.44..0.92 um step 0.01)")
        fits.append(values[:, 1])
        raw = np.loadtxt(measured.path)
        raw = raw[raw[:, 0] > 0]  # two archive files (a003861, a006847) are padded with all-zero rows
        number, prov = _designation(name)
        bus = by_number.get(number) if number else by_prov.get(prov)
        rows.append({
            "designation": number or prov,
            "number": number,
            "prov_id": prov,
            "bus_class": bus,
            "class_4": FOUR_CLASS.map(bus),
            "spectrum": Spectrum(raw[:, 0], raw[:, 1], raw[:, 2], name=number or prov),
            "file": name,
        })
    return SpectralData("smass2", grid, np.array(fits), pd.DataFrame(rows), sources=count_sources(found))
