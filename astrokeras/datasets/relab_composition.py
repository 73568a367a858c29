"""The RELAB composition set as arrays: spectra on a model grid, modal and chemical labels with gaps, the sample
groups that folds must keep together, and the folds.

Labels (from :func:`~astrokeras.datasets.korda2023.load_minerals`):

* ``modal``: OL, OPX, CPX, PLG volume fractions of the silicates (sum to one); NaN where unknown (4 spectra);
* ``chemistry``: Fa (olivine), Fs and Wo of the orthopyroxene, Fs and Wo of the clinopyroxene (mole fractions),
  kept only where the mineral makes at least :data:`CHEMISTRY_MIN_ABUNDANCE` of the sample (the chemistry of a
  trace mineral hardly shows in the spectrum) and NaN elsewhere.

Groups: ``SampleID`` is unique per spectrum in this set (674 IDs), so grouping by it keeps nothing together: the
same material measured at several grain sizes or preparations (``Cpx 45``, ``Cpx 75``, ``Cpx 125``...) carries
different IDs. Its spectra share the full 15-label vector (modal and chemistry measured once per material), so
:func:`material_groups` joins spectra with the same SampleID *or* the same label vector: 387 groups, the largest
20 spectra (one enstatite). Folds split by these groups, so no material is on both sides.

Example
-------
>>> from astrokeras.datasets.relab_composition import composition_data, composition_folds
>>> data = composition_data()                                       # doctest: +REQUIRES_DATA
>>> data.spectra.shape, data.modal.shape, data.chemistry.shape      # doctest: +REQUIRES_DATA
((674, 201), (674, 4), (674, 5))
>>> folds = composition_folds(data)                                 # doctest: +REQUIRES_DATA
>>> len(folds), sum(len(test) for _, test in folds)                 # doctest: +REQUIRES_DATA
(5, 674)
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from astrokeras import spectra
from astrokeras.datasets.korda2023 import MINERAL_LABELS, PURE_THRESHOLD, load_minerals
from astrokeras.physics.mixtures import normalise_index

MINERALS = ("OL", "OPX", "CPX", "PLG")
CHEMISTRY = ("Fa", "Fs_OPX", "Wo_OPX", "Fs_CPX", "Wo_CPX")
CHEMISTRY_MINERAL = {"Fa": "OL", "Fs_OPX": "OPX", "Wo_OPX": "OPX", "Fs_CPX": "CPX", "Wo_CPX": "CPX"}
CHEMISTRY_MIN_ABUNDANCE = 0.10
VISNIR_GRID = spectra.paper_grid(0.45, 2.45)


@dataclasses.dataclass
class CompositionData:
    """Spectra and labels of the RELAB composition set on one grid.

    ``spectra``: normalised at the band nearest 0.55 um (the network's input convention); ``absolute``: the
    reflectance factors as measured (for Hapke mixing); ``modal`` (N x 4) and ``chemistry`` (N x 5) with NaN
    where a label is missing; ``groups``: :func:`material_groups`; ``meta``: the RELAB metadata and labels.
    """

    grid: np.ndarray
    spectra: np.ndarray
    absolute: np.ndarray
    modal: np.ndarray
    chemistry: np.ndarray
    groups: np.ndarray
    meta: pd.DataFrame

    def __len__(self):
        return len(self.spectra)

    @property
    def modal_known(self) -> np.ndarray:
        """Spectra whose four modal labels are all known."""
        return np.isfinite(self.modal).all(axis=1)

    @property
    def mixtures(self) -> np.ndarray:
        """True mixtures: modal labels known and no mineral at :data:`PURE_THRESHOLD` (0.99) or above."""
        return self.modal_known & (np.nan_to_num(self.modal).max(axis=1) < PURE_THRESHOLD)

    @property
    def plagioclase_free(self) -> np.ndarray:
        """Modal labels known and PLG < 1 vol% (the set the OL/OPX/CPX end-member unmixing can describe)."""
        return self.modal_known & (np.nan_to_num(self.modal[:, 3], nan=1.0) < 0.01)

    def pure(self, mineral: str) -> np.ndarray:
        """Spectra with ``mineral`` at 0.99 or above."""
        return np.nan_to_num(self.modal[:, MINERALS.index(mineral)]) >= PURE_THRESHOLD

    @property
    def korda_like(self) -> np.ndarray:
        """Korda et al.'s cleaning of the set (their ``NN_data.py``: no olivine with Fa < 3 mol% or pyroxene with
        Fs < 5 mol%, OL + OPX + CPX >= 0.65), for comparison with their published figures."""
        m = self.meta
        keep = self.modal_known.copy()
        for mineral, label, limit in (("OL", "Fa", 0.03), ("OPX", "Fs_OPX", 0.05), ("CPX", "Fs_CPX", 0.05)):
            keep &= ~((m[mineral].to_numpy(float) > 0) & (m[label].to_numpy(float) < limit))
        return keep & (np.nan_to_num(self.modal[:, :3]).sum(axis=1) >= 0.65)


def union_groups(*keys) -> np.ndarray:
    """One group index per row: rows that share a value of any of ``keys`` (equal-length sequences) share a group
    (union-find over every key)."""
    n = len(keys[0])
    parent = np.arange(n)

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for key in keys:
        first = {}
        for i, value in enumerate(key):
            if value in first:
                parent[find(i)] = find(first[value])
            else:
                first[value] = i
    roots = np.array([find(i) for i in range(n)])
    return np.unique(roots, return_inverse=True)[1]


def material_groups(meta: pd.DataFrame) -> np.ndarray:
    """A group index per spectrum: spectra with the same ``SampleID`` or the same 15-label vector (the same
    material measured again) share a group (see :func:`union_groups`)."""
    labels = meta[list(MINERAL_LABELS)].astype(float).round(4).fillna(-1.0).astype(str).agg("|".join, axis=1)
    return union_groups(meta["SampleID"].astype(str).str.strip(), labels)


def composition_labels(meta: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(modal, chemistry)`` arrays with NaN where missing (see the module docstring)."""
    modal = meta[list(MINERALS)].to_numpy(float)
    chemistry = meta[list(CHEMISTRY)].to_numpy(float).copy()
    for j, label in enumerate(CHEMISTRY):
        abundance = meta[CHEMISTRY_MINERAL[label]].to_numpy(float)
        chemistry[~(np.nan_to_num(abundance) >= CHEMISTRY_MIN_ABUNDANCE), j] = np.nan
    return modal, chemistry


def composition_data(grid=VISNIR_GRID) -> CompositionData:
    """The 674 RELAB spectra on ``grid`` (um) with their labels and groups."""
    minerals = load_minerals(normalised=False)
    absolute = minerals.on_grid(grid).reflectance
    normalised = absolute / absolute[:, normalise_index(grid)][:, None]
    modal, chemistry = composition_labels(minerals.meta)
    return CompositionData(np.asarray(grid, float), normalised, absolute, modal, chemistry,
                           material_groups(minerals.meta), minerals.meta)


def stratum(data: CompositionData) -> np.ndarray:
    """A stratum per spectrum for balanced folds: its pure mineral (0-3), else 4 (mixtures, and the 4 spectra with
    unknown modal labels)."""
    out = np.full(len(data), 4)
    for k, mineral in enumerate(MINERALS):
        out[data.pure(mineral)] = k
    return out


def composition_folds(data: CompositionData, n_splits: int = 5, seed: int = 0) -> list:
    """``[(train_rows, test_rows)] * n_splits``: StratifiedGroupKFold by :func:`material_groups`, stratified by
    :func:`stratum`; every method of the composition table uses these."""
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [(train, test) for train, test in splitter.split(data.spectra, stratum(data), data.groups)]


def carve_validation(data: CompositionData, rows, fraction: float = 0.15, seed: int = 0):
    """``(fit_rows, validation_rows)``: a validation share of ``rows`` by whole material groups, stratified like
    the folds (about ``fraction`` of the spectra)."""
    rows = np.asarray(rows)
    n_splits = max(2, int(round(1.0 / fraction)))
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    fit, val = next(splitter.split(rows, stratum(data)[rows], data.groups[rows]))
    return rows[fit], rows[val]
