"""Gaia DR3 asteroid reflectance spectra: 60518 asteroids x 16 bands (374..1034 nm), with per-band flags.

Example
-------
>>> from astrokeras.datasets import load_gaia_dr3
>>> data = load_gaia_dr3()                         # doctest: +SKIP
>>> len(data), data.bands, data.flags.shape        # doctest: +SKIP
(60518, 16, (60518, 16))
"""

from __future__ import annotations

import dataclasses
import gzip

import numpy as np
import pandas as pd

from astrokeras.datasets.fetching import fetch
from astrokeras.datasets.registry import files_of
from astrokeras.datasets.spectral_data import SpectralData, count_sources

GAIA_BANDS = 16
FLAG_GOOD, FLAG_SUSPECT, FLAG_BAD = 0, 1, 2
_COLUMNS = ["number_mp", "denomination", "reflectance_spectrum", "reflectance_spectrum_err", "wavelength",
            "reflectance_spectrum_flag", "nb_samples", "num_of_spectra"]


@dataclasses.dataclass
class GaiaSpectra(SpectralData):
    """:class:`SpectralData` plus ``flags`` (N x 16: 0 good, 1 suspect, 2 bad, as published)."""

    flags: np.ndarray | None = None


def _read_ecsv(path) -> pd.DataFrame:
    with gzip.open(path, "rt") as handle:
        header = 0
        for line in handle:
            if not line.startswith("#"):
                break
            header += 1
    return pd.read_csv(path, skiprows=header, usecols=_COLUMNS)


def load_gaia_dr3() -> GaiaSpectra:
    """Every Gaia DR3 reflectance spectrum (normalised at 550 nm by Gaia), wavelengths in um.

    ``reflectance`` and ``error`` are N x 16 (NaN where Gaia gives no value); ``flags`` marks each band
    good (0), suspect (1) or bad (2): mask flagged bands before use. ``meta``: ``number``, ``designation``
    (Gaia's denomination), ``nb_samples``, ``num_of_spectra``.
    """
    found = [fetch(item.path) for item in files_of("gaia_dr3") if item.path.endswith(".csv.gz")]
    table = pd.concat([_read_ecsv(f.path) for f in found], ignore_index=True)
    table = table.sort_values(["number_mp", "wavelength"], kind="stable")
    count = table.groupby("number_mp").size()
    if not (count == GAIA_BANDS).all():
        odd = count[count != GAIA_BANDS]
        raise ValueError(f"Gaia DR3: {len(odd)} asteroid(s) do not have {GAIA_BANDS} bands, e.g. {odd.index[:3].tolist()}")
    shape = (-1, GAIA_BANDS)
    wavelength = table["wavelength"].to_numpy(float).reshape(shape)
    if not np.allclose(wavelength, wavelength[0]):
        raise ValueError("Gaia DR3: the asteroids do not share one wavelength grid")
    first = table.iloc[::GAIA_BANDS]
    meta = pd.DataFrame({
        "number": first["number_mp"].astype(np.int64).astype(str).to_numpy(),
        "designation": first["denomination"].astype(str).to_numpy(),
        "nb_samples": first["nb_samples"].to_numpy(),
        "num_of_spectra": first["num_of_spectra"].to_numpy(),
    })
    return GaiaSpectra(
        "gaia_dr3",
        wavelength[0] / 1000.0,
        table["reflectance_spectrum"].to_numpy(float).reshape(shape),
        meta,
        error=table["reflectance_spectrum_err"].to_numpy(float).reshape(shape),
        sources=count_sources(found),
        flags=table["reflectance_spectrum_flag"].to_numpy(np.int8).reshape(shape),
    )
