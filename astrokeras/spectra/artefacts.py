"""Measurement artefacts no mineral band makes: dropouts and spikes (a few points far from their neighbours), and a
line flat to 0.1% (a placeholder, not a measurement: even the flattest C-type varies by a few percent).

A point whose reflectance differs from the median of its neighbours (within ``half_window`` um, the point itself
left out) by more than ``factor`` is a dropout (below) or a spike (above): a detector or reduction artefact, not an
absorption band (the deepest asteroid bands take a few tens of percent, over 0.2 um or more). Such a point at the
normalisation wavelength (0.55 um) would scale the whole spectrum by its error.

Example
-------
>>> import numpy as np
>>> from astrokeras.spectra.artefacts import constant, dropouts
>>> w = np.round(np.arange(0.45, 1.0, 0.01), 2); r = 1 + 0.1 * w
>>> r[(w >= 0.54) & (w <= 0.56)] = 0.001
>>> dropouts(w, r)
[(0.54, 0.56, 3, 'dropout')]
>>> dropouts(w, 1 + 0.1 * w)
[]
>>> constant(np.full(w.size, 0.8)), constant(1 + 0.1 * w)
(True, False)
"""

from __future__ import annotations

import numpy as np

FACTOR = 3.0
HALF_WINDOW_UM = 0.05
FLAT_TO = 1e-3


def constant(reflectance, tolerance: float = FLAT_TO) -> bool:
    """Whether the reflectance varies by less than ``tolerance`` (relative) over the whole spectrum."""
    r = np.asarray(reflectance, dtype=float)
    return bool(r.size >= 3 and np.all(r > 0) and r.max() / r.min() - 1 < tolerance)


def dropouts(wavelength, reflectance, *, factor: float = FACTOR, half_window: float = HALF_WINDOW_UM) -> list:
    """``[(start um, stop um, points, "dropout" | "spike"), ...]``: runs of points more than ``factor`` away from
    the median of their neighbours (at least 4 neighbours needed to judge a point)."""
    w = np.asarray(wavelength, dtype=float)
    r = np.asarray(reflectance, dtype=float)
    odd = np.zeros(w.size, dtype=int)
    for i in range(w.size):
        near = (np.abs(w - w[i]) <= half_window) & (np.arange(w.size) != i)
        if near.sum() < 4 or r[i] <= 0:
            continue
        ratio = r[i] / np.median(r[near])
        odd[i] = -1 if ratio < 1.0 / factor else (1 if ratio > factor else 0)
    runs = []
    i = 0
    while i < w.size:
        if odd[i]:
            j = i
            while j + 1 < w.size and odd[j + 1] == odd[i]:
                j += 1
            runs.append((round(float(w[i]), 4), round(float(w[j]), 4), j - i + 1,
                         "dropout" if odd[i] < 0 else "spike"))
            i = j + 1
        else:
            i += 1
    return runs
