"""Space weathering as a multiplicative continuum: Brunetto et al. 2006's exponential reddening.

Ion irradiation of ordinary chondrites and silicates (Brunetto et al. 2006, Icarus 184, 327; Strazzulla et al.
2005) reddens and darkens the spectrum while leaving the position and the relative strength of the 1 and 2 um
silicate bands largely alone: the weathered reflectance is the fresh one times a smooth continuum,
``R_w(lambda) = R(lambda) * K * exp(C_S / lambda)``, with ``C_S <= 0`` (um) growing in magnitude with the
exposure (the damage). ``K`` (the darkening) vanishes once the spectrum is normalised at 0.55 um, so ``C_S`` alone
sets the shape.

Why it matters here: S-type asteroids are redder than the laboratory powders a composition network learns from
(korda2023's S-types: median power-law slope 0.20 against 0.08 for the RELAB ordinary chondrites), and a network
that reads slope as mineralogy reads a weathered ordinary chondrite as a pyroxenite (the shipped model at
2026-12-07: the RELAB chondrites' mean ol/(ol+px) fell from 0.43 to 0.11 when reddened by ``lambda^0.5``).
Training copies weathered with a random ``C_S`` teach it that a continuum is not a mineral.

Example
-------
>>> import numpy as np
>>> from astrokeras.physics.space_weathering import weathered
>>> grid = np.array([0.55, 1.0, 2.0])
>>> out = weathered(grid, np.ones((1, 3)), c_s=-0.3)
>>> out.round(3).tolist()                        # redder, still 1 at 0.55 um
[[1.0, 1.278, 1.485]]
>>> bool(np.all(weathered(grid, np.ones((1, 3)), c_s=0.0) == 1.0))
True
"""

from __future__ import annotations

import numpy as np

from astrokeras.physics.mixtures import normalise_index

# The C_S range the training copies draw from (um), set from the asteroids, not from any test score: C_S = -0.4
# steepens the power-law slope over 0.45-2.45 um by 0.37, which takes the RELAB ordinary chondrites' median slope
# (0.08) to the 95th percentile of korda2023's S, Sq, Sr and Q-types (0.36).
C_S_RANGE = (-0.4, 0.0)


def weathered(grid, reflectance, c_s) -> np.ndarray:
    """``reflectance`` (N x B on ``grid``, um) times ``exp(c_s / lambda)``, normalised again at 0.55 um (or at the
    grid's first band when it starts past 0.55 um). ``c_s``: one value, or one per spectrum (um, <= 0 reddens)."""
    grid = np.asarray(grid, float)
    reflectance = np.atleast_2d(np.asarray(reflectance, float))
    c_s = np.broadcast_to(np.asarray(c_s, float).reshape(-1, 1), (len(reflectance), 1))
    if np.any(c_s > 0):
        raise ValueError("space weathering reddens: C_S must be <= 0 um (Brunetto et al. 2006)")
    out = reflectance * np.exp(c_s / grid[None, :])
    return out / out[:, normalise_index(grid)][:, None]
