"""Training copies of a spectrum as other telescopes would record it: another coverage and another calibration.

Coverage: each copy keeps one of the ranges users bring -- the whole spectrum, a visible window (start 0.40-0.52,
end 0.80-0.95 um), a near-infrared one (start 0.75-0.95, end 2.2-2.5 um), Gaia's 16 bands with a few dropped, a
gap of 0.1-0.6 um cut out, or a short window of 0.25-0.5 um anywhere (little information: the network must learn
to be unsure). A kind the spectrum cannot give (a near-infrared window of a visible spectrum) falls back to the
whole spectrum.

Calibration (what differs between instruments, after the spectra are reduced): a slope tilt (sigma 4% per um,
relative to 0.55 um), a smooth gain at the red end and one at the blue end (sigma 3% each, turning on over about
0.1 um at a random wavelength), and Gaussian noise at a signal-to-noise ratio drawn log-uniformly from 15 to 300.

Example
-------
>>> import numpy as np
>>> from astrokeras.spectra.coverage_augmentation import augment_spectrum
>>> w = np.linspace(0.45, 2.45, 401); r = 1 + 0.2 * (w - 0.55)
>>> rng = np.random.default_rng(0)
>>> copies = [augment_spectrum(w, r, rng) for _ in range(200)]
>>> sorted({kind for _, _, kind in copies})
['gaia', 'gap', 'nir', 'short', 'visible', 'whole']
>>> all(len(cw) >= 3 and np.all(cr > 0) for cw, cr, _ in copies)
True
"""

from __future__ import annotations

import numpy as np

from astrokeras.spectra.coverage import GAIA_BANDS

KINDS = ("whole", "visible", "nir", "gaia", "gap", "short")
KIND_SHARES = (0.25, 0.22, 0.2, 0.12, 0.11, 0.1)
TILT_PER_UM = 0.04
END_GAIN = 0.03
SNR_RANGE = (15.0, 300.0)


def _window(w, r, start, stop):
    keep = (w >= start) & (w <= stop)
    return w[keep], r[keep]


def _gaia_points(w, r, rng):
    inside = GAIA_BANDS[(GAIA_BANDS >= w[0]) & (GAIA_BANDS <= w[-1])]
    if inside.size < 6:
        return None
    dropped = rng.choice(inside.size, size=rng.integers(0, 3), replace=False)
    bands = np.delete(inside, dropped)
    # Gaia's bands are about 0.044 um wide: average the spectrum over each band rather than pick one point.
    values = np.array([r[np.abs(w - b) <= 0.022].mean() if np.any(np.abs(w - b) <= 0.022) else np.interp(b, w, r)
                       for b in bands])
    return bands, values


def sample_coverage(w, r, rng, kind: str | None = None):
    """``(w, r, kind)``: the spectrum cut to a random coverage of :data:`KINDS` (or the one asked for)."""
    kind = kind or str(rng.choice(KINDS, p=KIND_SHARES))
    span = w[-1] - w[0]
    out = None
    if kind == "visible" and w[0] <= 0.55 and w[-1] >= 0.80:
        out = _window(w, r, rng.uniform(0.40, 0.52), rng.uniform(0.80, 0.95))
    elif kind == "nir" and w[0] <= 0.95 and w[-1] >= 2.2:
        out = _window(w, r, rng.uniform(0.75, 0.95), rng.uniform(2.2, 2.5))
    elif kind == "gaia":
        out = _gaia_points(w, r, rng)
    elif kind == "gap" and span > 0.5:
        width = rng.uniform(0.1, min(0.6, span / 2))
        start = rng.uniform(w[0] + 0.05, w[-1] - 0.05 - width)
        keep = (w < start) | (w > start + width)
        out = (w[keep], r[keep])
    elif kind == "short" and span > 0.3:
        width = rng.uniform(0.25, min(0.5, span))
        start = rng.uniform(w[0], w[-1] - width)
        out = _window(w, r, start, start + width)
    if out is None or len(out[0]) < 3:
        return w, r, "whole"
    return out[0], out[1], kind


def perturb_calibration(w, r, rng):
    """The spectrum with another instrument's tilt, end gains and noise (see the module docstring)."""
    tilt = 1.0 + rng.normal(0.0, TILT_PER_UM) * (w - 0.55)
    red_at, blue_at = rng.uniform(0.8, 2.2), rng.uniform(0.42, 0.6)
    red = 1.0 + rng.normal(0.0, END_GAIN) / (1.0 + np.exp(-(w - red_at) / 0.03))
    blue = 1.0 + rng.normal(0.0, END_GAIN) / (1.0 + np.exp((w - blue_at) / 0.03))
    snr = np.exp(rng.uniform(*np.log(SNR_RANGE)))
    noise = 1.0 + rng.normal(0.0, 1.0 / snr, size=w.shape)
    return np.clip(r * tilt * red * blue * noise, 1e-3, None)


def augment_spectrum(wavelength, reflectance, rng, kind: str | None = None):
    """``(w, r, kind)``: one training copy (coverage, then calibration) of a spectrum in um."""
    w = np.asarray(wavelength, dtype=float)
    r = np.asarray(reflectance, dtype=float)
    w, r, kind = sample_coverage(w, r, rng, kind)
    return w, perturb_calibration(w, r, rng), kind
