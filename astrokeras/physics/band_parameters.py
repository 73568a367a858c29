"""Band analysis of olivine / pyroxene spectra (S, Q, V, A, O types): continuum removal, Band I and Band II centres,
depths and areas, the Band Area Ratio (BAR), and the published calibrations that turn them into mineralogy.

The band analysis is the standard one (Cloutis et al. 1986; Gaffey et al. 1993; Dunn et al. 2010):

* **continuum**: a straight line across each band between its two shoulders, the points where a line from above
  touches the spectrum. Band I spans roughly 0.75-1.5 um, Band II 1.5-2.5 um. The shoulders are found as the
  tangent points of the upper convex hull (the local reflectance maxima of a flat spectrum, and still the right
  points on a red-sloped one, where the maximum between the bands can vanish): Band I's from the hull of the
  spectrum up to the Band II minimum, Band II's from the hull from the Band I minimum to the red end. When no
  shoulder exists beyond Band II (spectra ending at 2.45-2.5 um), the last point closes the band; when the band is
  then still more than 1% deep 0.05 um before that end, :attr:`BandParameters.band_ii_open` says so (its area,
  hence the BAR, is a lower limit: the "red edge" problem of Lindsay et al. 2016);
* **continuum removal** by division: ``R / continuum``;
* **band centre**: the minimum of a polynomial (order 4 by default) fitted to the bottom part of the
  continuum-removed band (the points deeper than half the band depth), as in Gaffey et al. 2002 / Dunn et al. 2010
  (noise of 0.5% per point moves a 30%-deep band's centre by about 0.001 um);
* **band depth**: ``1 - R/continuum`` at the centre (Clark & Roush 1984); **band area**: the integral of
  ``1 - R/continuum`` over the band (um); **BAR** = area II / area I (Cloutis et al. 1986).

Calibrations (valid for ordinary-chondrite-like S(IV) spectra with both bands; applying them elsewhere extrapolates):

* :func:`dunn_olivine_fraction`: ol/(ol+px) = -0.242 BAR + 0.728 (Dunn et al. 2010, Icarus 208, 789);
* :func:`dunn_fayalite`, :func:`dunn_ferrosilite`: Fa and Fs (mol%) from the Band I centre (um),
  Fa = -1284.9 x^2 + 2656.5 x - 1342.3 and Fs = -879.1 x^2 + 1824.9 x - 921.7 (Dunn et al. 2010);
* :func:`cloutis_pyroxene_fraction`: px/(ol+px) = 0.417 BAR + 0.052 (Cloutis et al. 1986, JGR 91, 11641).

The coefficients are those of the band-analysis code SARA (Lindsay et al. 2015, Icarus 252, 39; github
SeanSLindsay/SARA, ``SARA_post2_mineralogy.pro``); Korda et al.'s code (github Sirrah91/Asteroid-spectra,
``BAR_BC_method.py``) has the same Fs quadratic and the Dunn slope but an intercept 0.782 instead of 0.728 (a
transposition: 0.728 is the published value, used by SARA and by the issue).

:data:`GAFFEY_REGIONS`: the S(I)-S(VII) and basaltic-achondrite (BA) regions of Gaffey et al. 1993 (Icarus 106,
573, Fig. 8) in the (BAR, Band I centre) plane, as re-drawn numerically in SARA (``SARA_post4_ssubtypes.pro``, by
E. MacClennan and S. Lindsay): S(I) and BA boxes, the S(IV) "boot" polygon, and ellipses for S(II), S(III) (two
lobes), S(V), S(VI), S(VII). They are a digitisation of a hand-drawn figure: boundaries are good to a few
hundredths in BAR and a few thousandths of a micron in band centre.

Example
-------
>>> import numpy as np
>>> from astrokeras.physics.band_parameters import band_parameters, dunn_olivine_fraction
>>> w = np.round(np.arange(0.45, 2.451, 0.005), 4)
>>> dip = lambda c, s, d: d * np.exp(-0.5 * ((w - c) / s) ** 2)
>>> r = (1 + 0.1 * w) * (1 - dip(0.98, 0.10, 0.25) - dip(1.95, 0.18, 0.10))
>>> p = band_parameters(w, r)
>>> round(p.band_i_centre, 2), round(p.band_ii_centre, 2), p.band_ii_open
(0.98, 1.95, False)
>>> round(float(dunn_olivine_fraction(0.5)), 3)
0.607
"""

from __future__ import annotations

import dataclasses

import numpy as np

from astrokeras.spectra import SpectrumError, validate

BAND_I_WINDOW = (0.80, 1.30)      # where the Band I minimum is searched (um)
BAND_II_WINDOW = (1.70, 2.45)     # where the Band II minimum is searched (um)
LEFT_SHOULDER_FROM = 0.50         # the convex hull starts here (below, the UV drop is no shoulder)
BAND_I_NEEDS = (0.80, 1.60)       # a spectrum must reach at least this far on each side for Band I
BAND_II_NEEDS = 2.30              # ... and this far to the red for Band II and the BAR
MIN_DEPTH = 0.01                  # a band shallower than 1% is no band
RED_EDGE_UM = 0.05                # Band II is 'open' when still MIN_DEPTH deep this far before the red end


@dataclasses.dataclass(frozen=True)
class BandParameters:
    """Band I / Band II parameters of one spectrum (wavelengths in um, depths as fractions, areas in um).

    ``band_ii_*`` and ``bar`` are None when Band II was not asked for. ``shoulders``: Band I left and right,
    Band II left and right (um). ``band_ii_open``: Band II was closed at the spectrum's red end and is still more
    than 1% deep 0.05 um before it (its area, hence the BAR, is then a lower limit).
    """

    band_i_centre: float
    band_i_depth: float
    band_i_area: float
    band_ii_centre: float | None
    band_ii_depth: float | None
    band_ii_area: float | None
    bar: float | None
    shoulders: tuple
    band_ii_open: bool

    def as_dict(self) -> dict:
        """JSON-ready values (rounded)."""
        out = {k: (None if v is None else round(float(v), 5)) for k, v in dataclasses.asdict(self).items()
               if k not in ("shoulders", "band_ii_open")}
        out["shoulders"] = [round(float(s), 4) for s in self.shoulders]
        out["band_ii_open"] = bool(self.band_ii_open)
        return out


def upper_hull(x, y) -> np.ndarray:
    """Indices of the upper convex hull of the points ``(x, y)`` (``x`` increasing), left to right.

    >>> upper_hull(np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 0.0, 0.5, 1.0])).tolist()
    [0, 3]
    """
    hull = []
    for i in range(len(x)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # b is under (or on) the chord a -> i: drop it.
            if (y[b] - y[a]) * (x[i] - x[a]) <= (y[i] - y[a]) * (x[b] - x[a]):
                hull.pop()
            else:
                break
        hull.append(i)
    return np.array(hull)


def _shoulders(w, r, start, stop, minimum):
    """The upper-hull vertices of the points in [start, stop] that bracket the index ``minimum``."""
    inside = np.flatnonzero((w >= start - 1e-9) & (w <= stop + 1e-9))
    hull = inside[upper_hull(w[inside], r[inside])]
    left = hull[hull < minimum]
    right = hull[hull > minimum]
    if left.size == 0 or right.size == 0:
        return None
    return int(left[-1]), int(right[0])


def continuum_removed(wavelength, reflectance, left: float, right: float):
    """``(w, R / continuum)`` over ``[left, right]`` um, the continuum being the straight line between the
    (interpolated) reflectance at the two shoulders.

    >>> w = np.array([0.7, 0.8, 0.9, 1.0]); r = np.array([1.0, 0.9, 0.95, 1.3])
    >>> continuum_removed(w, r, 0.7, 1.0)[1].round(3).tolist()
    [1.0, 0.818, 0.792, 1.0]
    """
    w = np.asarray(wavelength, dtype=float)
    r = np.asarray(reflectance, dtype=float)
    keep = (w >= left - 1e-9) & (w <= right + 1e-9)
    r_left, r_right = np.interp([left, right], w, r)
    line = r_left + (r_right - r_left) * (w[keep] - left) / (right - left)
    return w[keep], r[keep] / line


def band_centre(w, removed, *, order: int = 4, fit_fraction: float = 0.5):
    """``(centre, depth)`` of a continuum-removed band: the minimum of a polynomial of ``order`` fitted to the
    contiguous points around the deepest one whose depth exceeds ``fit_fraction`` of the band depth.

    >>> w = np.linspace(0.8, 1.2, 81); band = 1 - 0.3 * np.exp(-0.5 * ((w - 1.013) / 0.08) ** 2)
    >>> [round(v, 3) for v in band_centre(w, band)]
    [1.013, 0.3]
    >>> [round(v, 3) for v in band_centre(w, band, order=2)]    # a parabola is too blunt for the band's bottom
    [1.013, 0.295]
    """
    depth_curve = 1.0 - np.asarray(removed, dtype=float)
    k = int(np.argmax(depth_curve))
    deep = depth_curve >= fit_fraction * depth_curve[k]
    lo, hi = k, k
    while lo > 0 and deep[lo - 1]:
        lo -= 1
    while hi < len(deep) - 1 and deep[hi + 1]:
        hi += 1
    x, y = w[lo:hi + 1], removed[lo:hi + 1]
    order = min(order, len(x) - 2)
    if order < 2:
        return float(w[k]), float(depth_curve[k])
    poly = np.polynomial.Polynomial.fit(x, y, order)
    fine = np.linspace(x[0], x[-1], 2001)
    values = poly(fine)
    j = int(np.argmin(values))
    return float(fine[j]), float(1.0 - values[j])


def _band(w, r, left, right, name, order):
    bw, removed = continuum_removed(w, r, w[left], w[right])
    centre, depth = band_centre(bw, removed, order=order)
    if depth < MIN_DEPTH:
        raise SpectrumError(
            f"no {name} absorption: the band between {w[left]:.3f} and {w[right]:.3f} um is {100 * depth:.1f}% deep "
            f"(needs >= {100 * MIN_DEPTH:.0f}%). Band parameters apply to spectra with olivine / pyroxene bands "
            "(S, Q, V, A, O types); use the composition network or taxonomy for others.")
    area = float(np.trapezoid(1.0 - removed, bw))
    return centre, depth, area


def band_parameters(wavelength, reflectance, *, band_ii: bool = True, order: int = 4) -> BandParameters:
    """Band I (and Band II, with ``band_ii``) centre, depth, area and the BAR of one spectrum (um, any scale).

    Raises :class:`~astrokeras.spectra.spectrum.SpectrumError` when the spectrum does not cover Band I (0.80-1.60 um at
    least) or, with ``band_ii``, the 2 um region (to 2.30 um at least), or when a band is missing (shallower than
    1%, or without a shoulder on both sides).
    """
    w = np.asarray(wavelength, dtype=float)
    r = np.asarray(reflectance, dtype=float)
    validate(w, r)
    if r.ndim != 1:
        raise SpectrumError(f"band_parameters takes one spectrum (1-D reflectance), got shape {r.shape}: loop over rows")
    if w[0] > BAND_I_NEEDS[0] or w[-1] < BAND_I_NEEDS[1]:
        raise SpectrumError(
            f"the spectrum covers {w[0]:.3f}-{w[-1]:.3f} um; Band I analysis needs {BAND_I_NEEDS[0]}-{BAND_I_NEEDS[1]} "
            "um at least (both shoulders of the 1 um band). Use the composition network, which reads partial coverage.")
    if band_ii and w[-1] < BAND_II_NEEDS:
        raise SpectrumError(
            f"the spectrum ends at {w[-1]:.3f} um: Band II (1.8-2.5 um) and the Band Area Ratio need coverage to "
            f"{BAND_II_NEEDS} um at least. Pass band_ii=False for Band I alone (centre, depth; Fa/Fs from Dunn et al. "
            "2010 still apply, the olivine fraction does not).")
    if np.any(r <= 0):
        raise SpectrumError("reflectance must be > 0 for continuum removal (division by the continuum)")
    # A rough continuum (the first hull edge over each window) locates the two minima.
    hull_all = np.flatnonzero(w >= LEFT_SHOULDER_FROM)
    hull = hull_all[upper_hull(w[hull_all], r[hull_all])]
    rough = r / np.interp(w, w[hull], r[hull])
    in_i = np.flatnonzero((w >= BAND_I_WINDOW[0]) & (w <= BAND_I_WINDOW[1]))
    min_i = int(in_i[np.argmin(rough[in_i])])
    min_ii = None
    if band_ii:
        in_ii = np.flatnonzero((w >= BAND_II_WINDOW[0]) & (w <= BAND_II_WINDOW[1]))
        min_ii = int(in_ii[np.argmin(rough[in_ii])])
    # Band I shoulders: the hull of the spectrum up to the Band II minimum (or the end) bracketing the Band I minimum.
    found = _shoulders(w, r, LEFT_SHOULDER_FROM, w[min_ii] if min_ii is not None else w[-1], min_i)
    if found is None:
        raise SpectrumError("no Band I: the spectrum has no shoulder on both sides of its 1 um minimum")
    left_i, right_i = found
    centre_i, depth_i, area_i = _band(w, r, left_i, right_i, "Band I (1 um)", order)
    if not band_ii:
        return BandParameters(centre_i, depth_i, area_i, None, None, None, None, (w[left_i], w[right_i]), False)
    found = _shoulders(w, r, w[min_i], w[-1], min_ii)
    if found is None:  # the spectrum falls all the way to the red end: close the band with the last point
        left_ii = right_i
        right_ii = len(w) - 1
    else:
        left_ii, right_ii = found
    if right_ii <= min_ii or left_ii >= min_ii:
        raise SpectrumError("no Band II: the spectrum has no 2 um minimum between two shoulders")
    centre_ii, depth_ii, area_ii = _band(w, r, left_ii, right_ii, "Band II (2 um)", order)
    still_deep = False
    if right_ii == len(w) - 1:
        bw, removed = continuum_removed(w, r, w[left_ii], w[right_ii])
        still_deep = bool(np.interp(w[-1] - RED_EDGE_UM, bw, removed) < 1.0 - MIN_DEPTH)
    return BandParameters(centre_i, depth_i, area_i, centre_ii, depth_ii, area_ii, area_ii / area_i,
                          (w[left_i], w[right_i], w[left_ii], w[right_ii]), still_deep)


def band_parameters_many(wavelength, reflectance, *, band_ii: bool = True) -> tuple[list, list]:
    """``(parameters, errors)`` for each row of ``reflectance``: a :class:`BandParameters` or None, and None or the
    :class:`~astrokeras.spectra.spectrum.SpectrumError` message saying why that row has none."""
    params, errors = [], []
    for row in np.atleast_2d(reflectance):
        try:
            params.append(band_parameters(wavelength, row, band_ii=band_ii))
            errors.append(None)
        except SpectrumError as error:
            params.append(None)
            errors.append(str(error))
    return params, errors


# --- published calibrations -------------------------------------------------------------------------------------

def dunn_olivine_fraction(bar):
    """ol/(ol+px) from the Band Area Ratio, Dunn et al. 2010 (ordinary chondrites): ``-0.242 BAR + 0.728``.

    >>> round(float(dunn_olivine_fraction(0.0)), 3), round(float(dunn_olivine_fraction(1.0)), 3)
    (0.728, 0.486)
    """
    return -0.242 * np.asarray(bar, dtype=float) + 0.728


def dunn_fayalite(band_i_centre):
    """Olivine Fa (mol%) from the Band I centre (um), Dunn et al. 2010: ``-1284.9 x^2 + 2656.5 x - 1342.3``.

    >>> round(float(dunn_fayalite(1.0)), 1)
    29.3
    """
    x = np.asarray(band_i_centre, dtype=float)
    return -1284.9 * x**2 + 2656.5 * x - 1342.3


def dunn_ferrosilite(band_i_centre):
    """Low-Ca pyroxene Fs (mol%) from the Band I centre (um), Dunn et al. 2010: ``-879.1 x^2 + 1824.9 x - 921.7``.

    >>> round(float(dunn_ferrosilite(1.0)), 1)
    24.1
    """
    x = np.asarray(band_i_centre, dtype=float)
    return -879.1 * x**2 + 1824.9 * x - 921.7


def cloutis_pyroxene_fraction(bar):
    """px/(ol+px) from the Band Area Ratio, Cloutis et al. 1986 (olivine-orthopyroxene mixtures):
    ``0.417 BAR + 0.052``.

    >>> round(float(cloutis_pyroxene_fraction(1.0)), 3)
    0.469
    """
    return 0.417 * np.asarray(bar, dtype=float) + 0.052


# --- Gaffey et al. 1993 S-subtypes ------------------------------------------------------------------------------

def _box(x1, x2, y1, y2):
    return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]])


def _ellipse(x0, y0, a, b, theta_deg, points: int = 96):
    """SARA's ``oplotellipse``: semi-axes ``a``, ``b`` in a plane whose y axis is stretched 8.5 times (BAR vs
    Band I centre plotted 3 x 0.25 wide), rotated by ``theta_deg``."""
    t = np.linspace(0.0, 2 * np.pi, points, endpoint=False)
    th = np.deg2rad(theta_deg)
    xp, yp = a * np.cos(t), b * np.sin(t)
    return np.column_stack([x0 + xp * np.cos(th) - yp * np.sin(th), y0 + (xp * np.sin(th) + yp * np.cos(th)) / 8.5])


# Each region: a list of polygons (BAR, Band I centre in um); S(III) has two lobes.
GAFFEY_REGIONS = {
    "S(I)": [_box(0.0, 0.2, 1.05, 1.10)],
    "S(II)": [_ellipse(0.4, 1.046, 0.24, 0.13, -30.0)],
    "S(III)": [_ellipse(0.26, 0.965, 0.32, 0.08, -73.0), _ellipse(0.59, 1.002, 0.24, 0.11, -74.0)],
    "S(IV)": [np.column_stack([[0.25, 0.41, 0.62, 1.16, 1.15, 0.72, 0.52, 0.40],
                               [1.002, 0.945, 0.92, 0.925, 0.94, 0.96, 0.981, 1.029]])],
    "S(V)": [_ellipse(1.268, 0.957, 0.379, 0.134, -10.5)],
    "S(VI)": [_ellipse(1.33, 0.92, 0.16, 0.16, 0.0)],
    "S(VII)": [_ellipse(2.1, 0.91, 0.6, 0.07, 0.0)],
    "BA": [_box(1.5, 2.7, 0.92, 0.96)],
}


def _inside(polygon, x, y) -> bool:
    """Even-odd ray casting."""
    px, py = polygon[:, 0], polygon[:, 1]
    qx, qy = np.roll(px, -1), np.roll(py, -1)
    crosses = (py > y) != (qy > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        at = px + (y - py) * (qx - px) / (qy - py)
    return bool(np.count_nonzero(crosses & (x < at)) % 2)


def gaffey_subtypes(band_i_centre: float, bar: float) -> list:
    """The Gaffey et al. 1993 regions (``"S(I)"``... ``"S(VII)"``, ``"BA"``) containing the point (BAR,
    Band I centre); several when regions overlap, none outside them all.

    >>> gaffey_subtypes(0.95, 0.7), gaffey_subtypes(1.07, 0.1), gaffey_subtypes(1.2, 3.0)
    (['S(IV)'], ['S(I)'], [])
    """
    return [name for name, polygons in GAFFEY_REGIONS.items()
            if any(_inside(p, float(bar), float(band_i_centre)) for p in polygons)]
