"""Linear experts beside CoverageNet, for the 11-class coverages where cross-validation chose them, and a
temperature per coverage.

For a spectrum covering one of the coverage table's 11-class spans (VIS-NIR 0.45-2.45 um, near-infrared 0.85-2.45
um) without gaps, a linear class model (standardise -> PCA -> logistic regression, folded into one affine map:
:mod:`astrokeras.schemes.class_model`) reads the spectrum on that span's grid, normalised as the coverage table's
baselines read it, and its 11-class probabilities are combined with CoverageNet's calibrated ones by an
equal-weight geometric mean. Whether a span uses its expert was chosen on the coverage table's folds (the
``coverage-levers`` table: CoverageNet alone or with the expert, by accuracy on the other folds; its
cross-fitted row is the honest figure). The experts ship in ``astrokeras/pretrained/coverage-experts.json``,
fitted on every training spectrum by ``python -m astrokeras.reproduce.coverage_levers --write``.

Each row also carries a temperature, fitted (NLL) on the coverage table's held-out answers of that coverage (with
the expert where the row uses it): CoverageNet's single temperature leaves it under-confident on visible spectra
(the folds fit 0.66-0.85 there). A whole Gaia DR3 spectrum covers the visible 0.44-0.92 um row and gets its
temperature, which was fitted on ground-based spectra only; on the coverage table's held-out Gaia DR3 spectra it
lowers the ECE against SMASS II's classes from 0.046 to 0.018, against Bus-DeMeo's from 0.056 to 0.029.
:func:`with_row_temperature` applies it: to the 11 classes on the 11-class rows; on the visible rows (scored in
S / C / X / Other) to the 4 groups, each group's classes rescaled together, so the 11 classes still sum to the
groups.

Example
-------
>>> import numpy as np
>>> experts = {"rows": {"NIR 0.85-2.45": {"span": [0.85, 2.45], "grid_um": [0.85, 1.65, 2.45], "use": True,
...            "weights": [[0.0] * 11] * 3, "bias": [0.0] * 7 + [3.0] + [0.0] * 3}}}
>>> w = np.linspace(0.8, 2.5, 200)
>>> P, row = with_expert(experts, w, np.ones_like(w), np.full(11, 1 / 11))
>>> row, int(np.argmax(P)), round(float(P.sum()), 6)
('NIR 0.85-2.45', 7, 1.0)
>>> experts["rows"]["NIR 0.85-2.45"]["temperature"] = 0.5
>>> sharper, row, T = with_row_temperature(experts, w, P)
>>> row, T, bool(sharper.max() > P.max())
('NIR 0.85-2.45', 0.5, True)
"""

from __future__ import annotations

import functools
import json
import pathlib

import numpy as np

from astrokeras.schemes.class_model import class_probabilities_of
from astrokeras.spectra.coverage import covered

MODEL_PATH = pathlib.Path(__file__).resolve().parents[1] / "pretrained" / "coverage-experts.json"
SPAN_TOLERANCE = 0.012  # um: the coverage table's (a spectrum ending at 2.44 um covers 0.45-2.45)
NORMALISE_AT_UM = 0.55
SELECTED = "selected per coverage (cross-fitted)"  # the coverage-levers row that measures what ships


@functools.lru_cache(maxsize=4)
def load_experts(path=MODEL_PATH) -> dict:
    """The shipped experts (``{"rows": {row: entry}}``), or ``{"rows": {}}`` when the file is absent."""
    path = pathlib.Path(path)
    return json.loads(path.read_text()) if path.is_file() else {"rows": {}}


def expert_input(wavelength, reflectance, grid) -> np.ndarray:
    """The spectrum on an expert's grid as the coverage table's baselines read it: linear interpolation (the grid
    clipped to the spectrum's ends), divided by its value at 0.55 um when the grid holds it, else at its first
    band.

    >>> expert_input([0.4, 0.6, 1.0], [1.0, 2.0, 4.0], np.array([0.5, 0.55, 0.9])).round(4).tolist()
    [0.8571, 1.0, 2.0]
    """
    w, r, g = np.asarray(wavelength, float), np.asarray(reflectance, float), np.asarray(grid, float)
    values = np.interp(np.clip(g, w[0], w[-1]), w, r)
    at = int(np.argmin(np.abs(g - NORMALISE_AT_UM))) if g[0] <= NORMALISE_AT_UM <= g[-1] else 0
    return values / values[at]


def expert_row(experts: dict, wavelength):
    """The first row (widest first) whose span the spectrum covers without a gap, or None."""
    w = np.asarray(wavelength, float)
    for row, entry in experts.get("rows", {}).items():
        start, stop = entry["span"]
        if w[0] <= start + SPAN_TOLERANCE and w[-1] >= stop - SPAN_TOLERANCE and covered(w, entry["grid_um"]).all():
            return row
    return None


def tempered(P, temperature: float) -> np.ndarray:
    """``P ** (1 / T)`` renormalised along the last axis (the softmax of the log-probabilities over ``T``).

    >>> tempered(np.array([0.8, 0.2]), 2.0).round(3).tolist()
    [0.667, 0.333]
    """
    logp = np.log(np.clip(np.asarray(P, float), 1e-12, 1.0)) / temperature
    P = np.exp(logp - logp.max(axis=-1, keepdims=True))
    return P / P.sum(axis=-1, keepdims=True)


def with_row_temperature(experts: dict, wavelength, P11, groups=None):
    """``(P11, row, temperature)``: the 11-class probabilities (one spectrum's, or a stack of spectra that share
    ``wavelength``) with the temperature of the row the spectrum covers (on the 4 groups ``groups[class]`` for a
    4-class row, each group's classes scaled together); ``(P11, None, None)`` where no row applies or it has no
    temperature.

    >>> experts = {"rows": {"visible": {"span": [0.45, 0.9], "grid_um": [0.45, 0.9], "classes": 4,
    ...                                 "temperature": 0.5}}}
    >>> P, row, T = with_row_temperature(experts, np.linspace(0.44, 0.92, 50), [0.3, 0.3, 0.4], groups=[0, 0, 1])
    >>> [round(float(p), 3) for p in P], row     # the groups 0.6 / 0.4 become 0.692 / 0.308
    ([0.346, 0.346, 0.308], 'visible')
    """
    P11 = np.asarray(P11, float)
    row = expert_row(experts, wavelength)
    temperature = None if row is None else experts["rows"][row].get("temperature")
    if temperature is None:
        return P11, None, None
    if experts["rows"][row].get("classes", 11) == 11 or groups is None:
        return tempered(P11, temperature), row, temperature
    P4 = grouped(P11, groups)
    return regrouped(P11, groups, tempered(P4, temperature)), row, temperature


def grouped(P11, groups) -> np.ndarray:
    """The 4-group probabilities: the sum of each group's classes (``groups[class]``)."""
    groups = np.asarray(groups)
    return np.asarray(P11, float) @ np.eye(int(groups.max()) + 1)[groups]


def regrouped(P11, groups, P4) -> np.ndarray:
    """The 11-class probabilities with each group's classes scaled together so that the groups become ``P4``.

    >>> regrouped([0.2, 0.2, 0.6], [0, 0, 1], [0.8, 0.2]).round(3).tolist()
    [0.4, 0.4, 0.2]
    """
    P11, groups = np.asarray(P11, float), np.asarray(groups)
    P = P11 * np.take(np.asarray(P4, float) / np.clip(grouped(P11, groups), 1e-12, None), groups, axis=-1)
    return P / P.sum(axis=-1, keepdims=True)


def with_expert(experts: dict, wavelength, reflectance, P11):
    """``(P11, row)``: CoverageNet's calibrated 11-class probabilities combined with the expert of the row the
    spectrum covers (geometric mean, renormalised) where that row uses its expert; else ``(P11, None)``."""
    row = expert_row(experts, wavelength)
    if row is None or not experts["rows"][row].get("use") or "weights" not in experts["rows"][row]:
        return np.asarray(P11, float), None
    entry = experts["rows"][row]
    linear = class_probabilities_of(entry, expert_input(wavelength, reflectance, entry["grid_um"])[None])[0]
    P = np.sqrt(np.clip(np.asarray(P11, float), 1e-12, 1.0) * np.clip(linear, 1e-12, 1.0))
    return P / P.sum(), row
