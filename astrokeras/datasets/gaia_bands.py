"""Gaia DR3 spectra on the bands the classifiers read: flagged bands repaired or refused, and the per-band
calibration of Gaia against ground-based spectra.

Which bands: Gaia's 11 bands from 0.462 to 0.902 um, the part of Gaia's 0.374-1.034 um range that the SMASS II
training spectra cover. The two bluest bands (flagged in 74% and 7% of the asteroids) and the three reddest lie
outside SMASS II and are not used.

Flags: a band flagged suspect (1) or bad (2), or without a value, is replaced by linear interpolation between its
usable neighbours; an asteroid with more than :data:`MAX_REPAIRED` such bands among the 11, or with one at an end
of the grid (no interpolation possible), or without a usable 0.55 um band, is not classified and says why.

Calibration: Gaia's red bands read redder than ground-based spectra of the same asteroids (+8% at 0.9 um on
average, +12% for S-types, whose 1 um band looks shallower), so a classifier trained on SMASS II called most Gaia
S-types "Other" (15% agreement with Bus-DeMeo S-types, measured). :func:`gaia_to_ground_ratio` is the per-band
median ratio Gaia / SMASS II over the asteroids observed by both, with no class label used.

Example
-------
>>> import numpy as np
>>> from astrokeras.datasets.gaia_bands import GAIA_GRID, prepare
>>> GAIA_GRID.size
11
"""

from __future__ import annotations

import numpy as np

from astrokeras.datasets.gaia_dr3 import load_gaia_dr3
from astrokeras.datasets.korda2023 import load_busdemeo
from astrokeras.datasets.smass2 import load_smass2
from astrokeras.spectra import normalise, resample
from astrokeras.taxonomy import FOUR_CLASS

GAIA_GRID = np.array([0.462, 0.506, 0.55, 0.594, 0.638, 0.682, 0.726, 0.77, 0.814, 0.858, 0.902])
MAX_REPAIRED = 2
CLASSIFIED = "classified"


def prepare(wavelength, reflectance, flags):
    """``(X, status, repaired)`` for Gaia rows on their native 16 bands.

    ``X``: rows on :data:`GAIA_GRID`, flagged bands interpolated, normalised at 0.55 um (NaN rows where the
    status is not ``"classified"``); ``status``: ``"classified"`` or the reason it is not; ``repaired``: how
    many of the 11 bands were interpolated.

    >>> w = np.round(0.374 + 0.044 * np.arange(16), 3)
    >>> r = np.ones((3, 16)); f = np.zeros((3, 16), int); f[0, 5] = 2; f[1, 2] = 1; f[2, 5:9] = 1
    >>> X, status, repaired = prepare(w, r, f)
    >>> status.tolist()
    ['classified', 'flagged band at a grid end', 'more than 2 flagged bands']
    >>> repaired.tolist(), X[0].round(3).tolist() == [1.0] * 11
    ([1, 1, 4], True)
    """
    wavelength = np.asarray(wavelength, dtype=float)
    columns = [int(np.argmin(np.abs(wavelength - w))) for w in GAIA_GRID]
    if not np.allclose(wavelength[columns], GAIA_GRID, atol=1e-4):
        raise ValueError(f"these spectra lack the Gaia bands {GAIA_GRID.tolist()} um")
    X = np.asarray(reflectance, dtype=float)[:, columns].copy()
    bad = (np.asarray(flags)[:, columns] > 0) | ~np.isfinite(X) | (X <= 0)
    repaired = bad.sum(axis=1)
    status = np.full(len(X), CLASSIFIED, dtype=object)
    at_550 = int(np.argmin(np.abs(GAIA_GRID - 0.55)))
    status[repaired > MAX_REPAIRED] = f"more than {MAX_REPAIRED} flagged bands"
    status[(status == CLASSIFIED) & (bad[:, 0] | bad[:, -1])] = "flagged band at a grid end"
    status[(status == CLASSIFIED) & bad[:, at_550]] = "flagged 0.55 um band"
    for row in np.flatnonzero((status == CLASSIFIED) & (repaired > 0)):
        good = ~bad[row]
        X[row, ~good] = np.interp(GAIA_GRID[~good], GAIA_GRID[good], X[row, good])
    usable = status == CLASSIFIED
    X[usable] /= X[usable, at_550][:, None]
    X[~usable] = np.nan
    return X, status, repaired


def smass2_on_gaia_bands():
    """SMASS II (4-class labels) resampled to :data:`GAIA_GRID`, normalised at 0.55 um: ``(X, y, designations)``."""
    data = load_smass2()
    y, keep = FOUR_CLASS.encode(data.meta["bus_class"])
    X = normalise(GAIA_GRID, resample(data.wavelength, data.reflectance[keep], GAIA_GRID))
    return X.astype("float32"), y, data.meta["designation"][keep].to_numpy()


def gaia_to_ground_ratio() -> dict:
    """Per-band median ratio Gaia DR3 / SMASS II over the asteroids both observed (Bus-DeMeo ones excluded).

    Dividing Gaia spectra by this ratio removes Gaia's mean red offset. It uses no class label, and it leaves out
    every asteroid with a Bus-DeMeo class, so agreement with Bus-DeMeo stays independent of it. Returns
    ``{"gaia_to_ground_ratio": [11 values], "calibration_asteroids": count}``.
    """
    X, _, designations = smass2_on_gaia_bands()  # numbered asteroids: designation == number
    gaia = load_gaia_dr3()
    G, status, _ = prepare(gaia.wavelength, gaia.reflectance, gaia.flags)
    row_of = {n: i for i, n in enumerate(gaia.meta["number"])}
    excluded = set(load_busdemeo().meta["number"].astype(str))
    pairs = [(row_of[n], j) for j, n in enumerate(designations) if n in row_of and n not in excluded
             and status[row_of[n]] == CLASSIFIED]
    ratio = np.median(G[[i for i, _ in pairs]] / X[[j for _, j in pairs]], axis=0)
    return {"gaia_to_ground_ratio": ratio.round(4).tolist(), "calibration_asteroids": len(pairs)}
