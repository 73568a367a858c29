"""The container every loader returns: spectra on one wavelength grid plus a table of metadata.

Example
-------
>>> import numpy as np, pandas as pd
>>> from astrokeras.datasets.spectral_data import SpectralData
>>> data = SpectralData("toy", np.array([0.5, 0.6, 0.7]), np.array([[1.0, 2.0, 3.0]]), pd.DataFrame({"id": [1]}))
>>> data.on_grid(np.array([0.55, 0.65])).reflectance.round(6).tolist()
[[1.5, 2.5]]
>>> len(data), data.bands
(1, 3)
"""

from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pandas as pd

from astrokeras import spectra


@dataclasses.dataclass
class SpectralData:
    """Spectra sharing a wavelength grid.

    Attributes
    ----------
    name : str
        The data set's name.
    wavelength : ndarray, shape (B,)
        Wavelengths in um.
    reflectance : ndarray, shape (N, B)
        One spectrum per row.
    meta : pandas.DataFrame
        One row per spectrum (designation, class, labels...).
    error : ndarray, shape (N, B), optional
        1-sigma reflectance errors where the source gives them.
    sources : dict
        How the files were found: ``{"mirror": 2, "download": 1}``.
    """

    name: str
    wavelength: np.ndarray
    reflectance: np.ndarray
    meta: pd.DataFrame
    error: np.ndarray | None = None
    sources: dict = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.reflectance.shape[0])

    @property
    def bands(self) -> int:
        return int(self.wavelength.size)

    def subset(self, rows) -> "SpectralData":
        """The spectra selected by a boolean mask or integer indices (metadata re-indexed from 0)."""
        rows = np.asarray(rows)
        return dataclasses.replace(
            self,
            reflectance=self.reflectance[rows],
            meta=self.meta.iloc[np.flatnonzero(rows) if rows.dtype == bool else rows].reset_index(drop=True),
            error=None if self.error is None else self.error[rows],
        )

    def on_grid(self, grid) -> "SpectralData":
        """The same spectra linearly interpolated onto ``grid`` (um); errors if a spectrum does not cover it."""
        grid = np.asarray(grid, dtype=float)
        if self.error is None:
            reflectance, error = spectra.resample(self.wavelength, self.reflectance, grid), None
        else:
            reflectance, error = spectra.resample(self.wavelength, self.reflectance, grid, self.error)
        return dataclasses.replace(self, wavelength=grid, reflectance=reflectance, error=error)


def count_sources(found) -> dict:
    """``{source: count}`` over :class:`~astrokeras.datasets.fetch.FoundFile` objects."""
    return dict(collections.Counter(f.source for f in found))
