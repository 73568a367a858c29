"""Any spectrum on one wavelength grid: binned reflectance plus a mask of what the spectrum covers.

The coverage-aware classifier reads every spectrum -- visible only, near-infrared only, VIS-NIR, Gaia's 16 bands,
a spacecraft grid, with or without gaps -- on :data:`MASTER_GRID` (0.40-2.50 um, step 0.02 um: 106 bands):

* points are averaged in 0.02 um bins (a dense spectrum is smoothed to the grid's resolution; a sparse one, like
  Gaia's, keeps its points), then the bin means are interpolated linearly onto the grid inside the covered range;
* a grid band is *covered* when it lies inside the spectrum's range and not inside a gap, a stretch of more than
  :data:`MAX_GAP_UM` without a point (the atmospheric bands near 1.4 and 1.9 um that archive files leave empty are
  narrower and get interpolated);
* the level is removed: the network reads log-reflectance minus its mean over the covered bands, so no
  normalisation wavelength has to be inside the spectrum (a near-infrared spectrum has no 0.55 um point).

Example
-------
>>> import numpy as np
>>> from astrokeras.spectra.coverage import MASTER_GRID, encode
>>> w = np.linspace(0.45, 0.92, 48); r = 1 + 0.5 * (w - 0.55)
>>> values, mask = encode(w, r)
>>> int(mask.sum()), float(MASTER_GRID[mask][0]), float(MASTER_GRID[mask][-1])
(24, 0.46, 0.92)
>>> abs(float(values[mask].mean())) < 1e-6        # the level is removed
True
"""

from __future__ import annotations

import numpy as np

MASTER_GRID = np.round(np.arange(0.40, 2.5001, 0.02), 3)
BIN_UM = 0.02
MAX_GAP_UM = 0.12
EDGE_UM = 0.005  # a grid band counts as covered up to 0.005 um beyond the spectrum's ends (rounding of the ends)

# The coverages of the coverage table, each as the wavelength range (um) a test spectrum is cut to.
COVERAGES = {
    "VIS-NIR 0.45-2.45": (0.45, 2.45),
    "visible 0.44-0.92": (0.44, 0.92),
    "visible 0.50-0.90": (0.50, 0.90),
    "NIR 0.85-2.45": (0.85, 2.45),
}
# Gaia DR3's 16 band centres (um); a Gaia-like test spectrum keeps only these points.
GAIA_BANDS = np.round(0.374 + 0.044 * np.arange(16), 3)


def bin_means(wavelength, reflectance, width: float = BIN_UM):
    """``(centres, means)``: the mean wavelength and reflectance of the points in each ``width`` bin (bins
    aligned with :data:`MASTER_GRID`), empty bins left out.

    >>> bin_means([0.401, 0.405, 0.455], [1.0, 3.0, 5.0])
    (array([0.403, 0.455]), array([2., 5.]))
    """
    w = np.asarray(wavelength, dtype=float)
    r = np.asarray(reflectance, dtype=float)
    index = np.floor((w - MASTER_GRID[0] + width / 2) / width).astype(int)
    keys, inverse, counts = np.unique(index, return_inverse=True, return_counts=True)
    centres = np.bincount(inverse, weights=w) / counts
    means = np.bincount(inverse, weights=r) / counts
    return centres, means


def covered(wavelength, grid=MASTER_GRID, max_gap: float = MAX_GAP_UM) -> np.ndarray:
    """The boolean mask of the ``grid`` bands that the sampled ``wavelength`` covers (range and gaps).

    >>> covered([0.45, 0.50, 0.55, 1.0, 1.05], grid=np.array([0.46, 0.52, 0.7, 1.02]), max_gap=0.1).tolist()
    [True, True, False, True]
    """
    w = np.sort(np.asarray(wavelength, dtype=float))
    g = np.asarray(grid, dtype=float)
    mask = (g >= w[0] - EDGE_UM) & (g <= w[-1] + EDGE_UM)
    steps = np.diff(w)
    for start in np.flatnonzero(steps > max_gap):
        mask &= ~((g > w[start] + EDGE_UM) & (g < w[start + 1] - EDGE_UM))
    return mask


def encode(wavelength, reflectance, grid=MASTER_GRID):
    """``(values, mask)`` of one spectrum on ``grid``: centred log-reflectance on the covered bands (0 elsewhere)
    and the coverage mask. ``wavelength`` in um, sorted; ``reflectance`` > 0 (validated spectra)."""
    w = np.asarray(wavelength, dtype=float)
    r = np.asarray(reflectance, dtype=float)
    mask = covered(w, grid)
    values = np.zeros(len(grid))
    if mask.any():
        centres, means = bin_means(w, r)
        logs = np.log(np.interp(np.asarray(grid)[mask], centres, means))
        values[mask] = logs - logs.mean()
    return values.astype("float32"), mask


def encode_many(spectra, grid=MASTER_GRID):
    """``(values, mask)`` arrays (N x bands) of an iterable of ``(wavelength, reflectance)`` pairs."""
    pairs = [encode(w, r, grid) for w, r in spectra]
    return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


def crop(wavelength, reflectance, start: float, stop: float):
    """The points of a spectrum inside ``[start, stop]`` um (a coverage of the table)."""
    w = np.asarray(wavelength, dtype=float)
    keep = (w >= start - 1e-9) & (w <= stop + 1e-9)
    return w[keep], np.asarray(reflectance, dtype=float)[keep]


def describe(mask, grid=MASTER_GRID) -> str:
    """The covered ranges of a mask in words: ``"0.44-0.92 um"`` or ``"0.46-1.32 and 1.46-2.44 um"``."""
    g = np.asarray(grid)[np.asarray(mask, bool)]
    if g.size == 0:
        return "nothing"
    breaks = np.flatnonzero(np.diff(g) > BIN_UM * 1.5)
    starts, stops = np.r_[g[0], g[breaks + 1]], np.r_[g[breaks], g[-1]]
    return " and ".join(f"{a:g}-{b:g}" for a, b in zip(starts, stops)) + " um"
