"""The bound on a predicted log standard deviation, shared by the Gaussian-NLL loss (Keras) and by inference
(NumPy, which must not import Keras).

A network's raw output is mapped smoothly into [LOG_SIGMA_MIN, LOG_SIGMA_MAX] by a scaled tanh, identity-like in
the middle. A hard clip stopped every gradient once the raw output left the range: AAE-Net's log-sigma then sat
at the clip (raw outputs near 13 were measured), sigma at 7 dex, and the mean barely learned.

Example
-------
>>> import numpy as np
>>> from astrokeras.evaluation.sigma_bounds import bounded_log_sigma
>>> round(float(bounded_log_sigma(-1.5)), 4), round(float(bounded_log_sigma(50.0)), 4)
(-1.5, 0.0)
>>> round(float(np.exp(bounded_log_sigma(-60.0))), 4)   # the floor: sigma 0.05 in target units
0.0498
"""

from __future__ import annotations

import numpy as np

# Sigma from 0.05 to 1 in target units (AAE-Net: dex of albedo, whose whole range is about 1.5 dex).
LOG_SIGMA_MIN, LOG_SIGMA_MAX = -3.0, 0.0


def bounded_log_sigma(raw, tanh=np.tanh):
    """``raw`` mapped into [LOG_SIGMA_MIN, LOG_SIGMA_MAX]; ``tanh`` is ``np.tanh`` or ``keras.ops.tanh``."""
    centre, half = (LOG_SIGMA_MIN + LOG_SIGMA_MAX) / 2, (LOG_SIGMA_MAX - LOG_SIGMA_MIN) / 2
    return centre + half * tanh((raw - centre) / half)
