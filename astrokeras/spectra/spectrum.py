"""Reflectance spectra: validation with clear errors, unit detection, resampling to a model grid, normalisation.

Wavelengths are in micrometres (um) throughout astrokeras; :func:`to_micron` converts nanometres, Angstrom or
any length unit (through astropy.units) and detects the unit when asked (:func:`detect_unit`). Every check
raises :class:`SpectrumError` (a ``ValueError``) whose message says what is wrong and how to fix it; no function
modifies its inputs. A :class:`Spectrum` carries ``notes``: what was done to its data before (units converted,
points dropped, segments merged).

Example
-------
>>> import numpy as np
>>> from astrokeras.spectra import Spectrum, paper_grid
>>> s = Spectrum([450, 550, 650, 750, 850, 950], [0.9, 1.0, 1.1, 1.15, 1.2, 1.2], unit="nm")
>>> s.wavelength[:2]
array([0.45, 0.55])
>>> r = s.resample(paper_grid(0.46, 0.94)).normalise(0.55)
>>> float(r.reflectance[r.wavelength.searchsorted(0.55)])
1.0
>>> float(r.original.wavelength[0])   # the input is kept, so preprocessing can be undone
0.45
"""

from __future__ import annotations

import dataclasses

import numpy as np

NORMALISE_AT_UM = 0.55
_GRID_TOLERANCE_UM = 1e-6


class SpectrumError(ValueError):
    """A spectrum that cannot be used as given; the message says why and how to fix it."""


def paper_grid(start_um: float = 0.44, stop_um: float = 0.92, step_um: float = 0.01) -> np.ndarray:
    """A regular wavelength grid in um, both ends included (ASTD: 0.44..0.92 step 0.01 -> 49 bands).

    >>> paper_grid().size, paper_grid(0.45, 2.45).size
    (49, 201)
    """
    count = int(round((stop_um - start_um) / step_um)) + 1
    return np.round(start_um + step_um * np.arange(count), 6)


UM_MAX = 10.0
NM_MAX = 5500.0
ANGSTROM_MAX = 60000.0


def detect_unit(wavelength) -> str:
    """The wavelength unit, ``"um"``, ``"nm"`` or ``"angstrom"``, told from the largest finite value.

    The rule: largest value <= 10 -> micrometres; 100 < largest <= 5500 -> nanometres; 5500 < largest <= 60000
    -> Angstrom; anything else is refused. Asteroid reflectance spectra lie within about 0.3..5 um, i.e.
    300..5000 nm or 3000..50000 Angstrom, so the rule misreads only an Angstrom spectrum that ends at 0.55 um or
    bluer (read as nm) and an nm spectrum that reaches beyond 5.5 um (read as Angstrom). In the MIT archive,
    SMASS I (the one survey in Angstrom) ends at 9513..10172 Angstrom; spectra in nm end at 900..5000 nm.
    Pass ``unit=`` to override.

    >>> detect_unit([4400.0, 9200.0]), detect_unit([440.0, 2450.0]), detect_unit([0.44, 2.45])
    ('angstrom', 'nm', 'um')
    """
    values = np.asarray(wavelength, dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise SpectrumError("no finite wavelength values: the wavelength column is empty or all NaN")
    top = float(finite.max())
    if top <= UM_MAX:
        return "um"
    if 100.0 < top <= NM_MAX:
        return "nm"
    if NM_MAX < top <= ANGSTROM_MAX:
        return "angstrom"
    raise SpectrumError(
        f"cannot tell the wavelength unit: the largest wavelength is {top:g}, which is neither micrometres "
        f"(<= {UM_MAX:g}), nanometres (100-{NM_MAX:g}) nor Angstrom ({NM_MAX:g}-{ANGSTROM_MAX:g}). Pass "
        "unit='um', 'nm' or 'Angstrom' (any length unit astropy knows), or convert the column."
    )


# The units detect_unit returns and the spellings astrokeras always accepted, converted without importing astropy
# (0.7 s); every other unit goes through astropy.units.
_POWER_OF_TEN = {"um": 0, "micron": 0, "micrometer": 0, "micrometre": 0, "nm": 3, "nanometer": 3, "nanometre": 3,
                 "angstrom": 4}


def micron_scale(unit) -> tuple[float, float]:
    """``(multiplier, divisor)`` that take wavelengths in ``unit`` to micrometres: ``um = value * m / d``.

    ``unit`` is a string or an :class:`astropy.units.Unit`. ``"um"``, ``"nm"`` and ``"angstrom"`` (the units
    :func:`detect_unit` returns, and the spellings astrokeras always took) need no astropy; every other length
    unit is converted through :mod:`astropy.units`. Powers of ten come back as exact integers, so 5500 Angstrom is
    exactly 0.55 um and 0.00045 mm exactly 0.45 um (``1e-4`` and ``1e-3`` as floats are not).

    >>> micron_scale("nm"), micron_scale("Angstrom"), micron_scale("mm")
    ((1.0, 1000.0), (1.0, 10000.0), (1000.0, 1.0))
    """
    key = str(unit).strip().lower()
    if key in _POWER_OF_TEN:
        return 1.0, 10.0 ** _POWER_OF_TEN[key]
    try:
        import astropy.units as u
    except ImportError:
        raise SpectrumError(f"wavelength unit {unit!r} needs astropy to convert: pip install astropy, or give "
                            "the wavelengths in um or nm") from None
    try:
        factor = u.Unit(unit.strip() if isinstance(unit, str) else unit).to(u.um)
    except (ValueError, TypeError, u.UnitConversionError):
        raise SpectrumError(f"unknown wavelength unit {unit!r}: give a length unit such as 'um', 'nm' or "
                            "'Angstrom', or unit='auto' to tell it from the values") from None
    power = round(float(np.log10(factor)))
    if abs(np.log10(factor) - power) > 1e-9:
        return float(factor), 1.0
    return (10.0 ** power, 1.0) if power >= 0 else (1.0, 10.0 ** -power)


def to_micron(wavelength, unit: str = "auto") -> np.ndarray:
    """Wavelengths in um from ``unit``: ``"auto"`` (see :func:`detect_unit`) or any length unit
    (:func:`micron_scale`).

    >>> to_micron([450.0, 2450.0]).tolist(), to_micron([5500.0, 9500.0]).tolist()
    ([0.45, 2.45], [0.55, 0.95])
    >>> to_micron([0.5], unit="micron").tolist()
    [0.5]
    """
    values = np.asarray(wavelength, dtype=float)
    if unit == "auto":
        unit = detect_unit(values)
    multiplier, divisor = micron_scale(unit)
    if multiplier == divisor == 1.0:
        return values
    return values * multiplier / divisor


def validate(wavelength, reflectance, error=None, *, min_points: int = 3) -> None:
    """Raise :class:`SpectrumError` unless the spectrum is usable.

    Checks: same lengths, at least ``min_points`` points, finite values, wavelengths positive and strictly
    increasing (no duplicates), reflectance not negative, errors (if given) finite and not negative. ``reflectance`` may be
    1-D (one spectrum) or 2-D (rows of spectra sharing ``wavelength``).
    """
    w = np.asarray(wavelength, dtype=float)
    r = np.asarray(reflectance, dtype=float)
    if w.ndim != 1:
        raise SpectrumError(f"wavelength must be 1-D, got shape {w.shape}")
    if r.ndim not in (1, 2) or r.shape[-1] != w.size:
        raise SpectrumError(
            f"reflectance shape {r.shape} does not match {w.size} wavelengths: give one value per wavelength"
        )
    if w.size < min_points:
        raise SpectrumError(f"only {w.size} points: at least {min_points} are needed (is the file truncated?)")
    if not np.all(np.isfinite(w)):
        raise SpectrumError(f"wavelength has {np.count_nonzero(~np.isfinite(w))} NaN/inf value(s): remove those rows")
    if np.any(w <= 0):
        raise SpectrumError(
            f"wavelength is zero or negative at {np.count_nonzero(w <= 0)} point(s) (min {w.min():g}): wavelengths are "
            "positive; check the column order, or drop rows whose wavelength is a missing-value marker"
        )
    steps = np.diff(w)
    if np.any(steps == 0):
        dup = w[1:][steps == 0]
        raise SpectrumError(
            f"duplicate wavelengths {_list(dup)}: average or drop the repeated rows before analysis"
        )
    if np.any(steps < 0):
        where = int(np.argmax(steps < 0))
        raise SpectrumError(
            f"wavelengths are not sorted (value {w[where + 1]:g} follows {w[where]:g}): sort the rows by wavelength"
        )
    bad = ~np.isfinite(r)
    if np.any(bad):
        raise SpectrumError(
            f"reflectance has {np.count_nonzero(bad)} NaN/inf value(s) (at {_list(_at(w, bad))} um): "
            "drop those rows or interpolate over them"
        )
    if np.any(r < 0):
        neg = r < 0
        raise SpectrumError(
            f"reflectance is negative at {np.count_nonzero(neg)} point(s) (at {_list(_at(w, neg))} um, min "
            f"{r.min():.4g}): reflectance is a ratio >= 0; check the calibration or the column order"
        )
    if error is not None:
        e = np.asarray(error, dtype=float)
        if e.shape != r.shape:
            raise SpectrumError(f"error shape {e.shape} does not match reflectance shape {r.shape}")
        if not np.all(np.isfinite(e)) or np.any(e < 0):
            raise SpectrumError("reflectance errors must be finite and >= 0: fix or drop the error column")


def _at(w, mask):
    return w[np.any(mask, axis=0)] if mask.ndim == 2 else w[mask]


def _list(values, limit: int = 5) -> str:
    shown = ", ".join(f"{v:g}" for v in values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def check_coverage(wavelength, grid) -> None:
    """Raise :class:`SpectrumError` naming the missing part when ``wavelength`` does not span ``grid``."""
    w = np.asarray(wavelength, dtype=float)
    g = np.asarray(grid, dtype=float)
    missing = []
    if g[0] < w[0] - _GRID_TOLERANCE_UM:
        missing.append(f"{g[0]:g}-{w[0]:g} um")
    if g[-1] > w[-1] + _GRID_TOLERANCE_UM:
        missing.append(f"{w[-1]:g}-{g[-1]:g} um")
    if missing:
        raise SpectrumError(
            f"the spectrum covers {w[0]:g}-{w[-1]:g} um but the model needs {g[0]:g}-{g[-1]:g} um: missing "
            f"{' and '.join(missing)}. Use a model trained on a grid your spectrum covers (e.g. the visible model "
            "for a visible-only spectrum), or extend the spectrum; astrokeras does not extrapolate."
        )


def resample(wavelength, reflectance, grid, error=None):
    """Linear interpolation of one spectrum (1-D) or rows of spectra (2-D) onto ``grid`` (all in um).

    Returns the resampled reflectance, or ``(reflectance, error)`` when ``error`` is given (errors are
    interpolated the same way: a conservative choice for densely sampled spectra).

    >>> resample([0.4, 0.5, 0.6], [1.0, 2.0, 3.0], [0.45, 0.55]).round(6).tolist()
    [1.5, 2.5]
    """
    validate(wavelength, reflectance, error, min_points=2)
    w = np.asarray(wavelength, dtype=float)
    g = np.asarray(grid, dtype=float)
    check_coverage(w, g)
    g = np.clip(g, w[0], w[-1])  # grid ends within the tolerance of the edges
    out = _interp_rows(w, np.asarray(reflectance, dtype=float), g)
    if error is None:
        return out
    return out, _interp_rows(w, np.asarray(error, dtype=float), g)


def _interp_rows(w, values, grid):
    if values.ndim == 1:
        return np.interp(grid, w, values)
    # Vectorised linear interpolation of every row at once.
    right = np.clip(np.searchsorted(w, grid, side="right"), 1, w.size - 1)
    left = right - 1
    frac = (grid - w[left]) / (w[right] - w[left])
    return values[:, left] * (1.0 - frac) + values[:, right] * frac


def normalise(wavelength, reflectance, at_um: float = NORMALISE_AT_UM, error=None):
    """Divide by the (interpolated) reflectance at ``at_um`` (0.55 um, the V band, by convention).

    >>> normalise([0.5, 0.6], [2.0, 4.0]).round(4).tolist()
    [0.6667, 1.3333]
    """
    w = np.asarray(wavelength, dtype=float)
    r = np.asarray(reflectance, dtype=float)
    validate(w, r, error, min_points=2)
    if not (w[0] - _GRID_TOLERANCE_UM <= at_um <= w[-1] + _GRID_TOLERANCE_UM):
        raise SpectrumError(
            f"cannot normalise at {at_um:g} um: the spectrum covers only {w[0]:g}-{w[-1]:g} um. "
            "Choose a normalisation wavelength inside the spectrum."
        )
    ref = _interp_rows(w, r, np.array([at_um]))[..., 0]
    if np.any(ref <= 0):
        raise SpectrumError(f"reflectance at {at_um:g} um is zero: the spectrum cannot be normalised there")
    scale = ref[..., None] if r.ndim == 2 else ref
    if error is None:
        return r / scale
    return r / scale, np.asarray(error, dtype=float) / scale


@dataclasses.dataclass(frozen=True, eq=False)
class Spectrum:
    """One reflectance spectrum in um, validated at construction, that remembers where it came from.

    Parameters
    ----------
    wavelength, reflectance : array-like
        Same length; wavelengths strictly increasing.
    error : array-like, optional
        1-sigma reflectance errors.
    unit : str
        ``"um"`` (default), ``"nm"``, ``"angstrom"``, any length unit, or ``"auto"`` (see :func:`to_micron`).
    name : str
        A label (asteroid designation, file name).
    notes : sequence of str
        One short sentence per preprocessing step already done to the data (unit converted, points dropped,
        segments merged), e.g. as written by :func:`astrokeras.io.spectrum_files.read_spectrum`. Empty when the
        spectrum was given as is.

    ``original`` holds the spectrum as first given (in um), so any chain of :meth:`resample` and
    :meth:`normalise` can be undone; derived spectra keep the ``notes`` of the one they come from.

    >>> s = Spectrum([0.45, 0.55, 0.65], [0.9, 1.0, 1.1], notes=["wavelengths in nm converted to um"])
    >>> s.normalise().notes
    ('wavelengths in nm converted to um',)
    """

    wavelength: np.ndarray
    reflectance: np.ndarray
    error: np.ndarray | None = None
    name: str = ""
    notes: tuple = ()
    original: "Spectrum | None" = dataclasses.field(default=None, repr=False, compare=False)

    def __init__(self, wavelength, reflectance, error=None, *, unit: str = "um", name: str = "", notes=(),
                 original=None):
        w = to_micron(wavelength, unit)
        r = np.asarray(reflectance, dtype=float)
        e = None if error is None else np.asarray(error, dtype=float)
        if w.size == 0:
            raise SpectrumError("the spectrum is empty: no wavelength/reflectance rows were given")
        validate(w, r, e)
        if isinstance(notes, str):
            notes = (notes,)
        object.__setattr__(self, "wavelength", w)
        object.__setattr__(self, "reflectance", r)
        object.__setattr__(self, "error", e)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "notes", tuple(str(n) for n in notes))
        object.__setattr__(self, "original", original)

    def _derived(self, wavelength, reflectance, error):
        return Spectrum(wavelength, reflectance, error, name=self.name, notes=self.notes,
                        original=self.original or self)

    def resample(self, grid) -> "Spectrum":
        """This spectrum linearly interpolated onto ``grid`` (um); errors if the grid is not covered."""
        grid = np.asarray(grid, dtype=float)
        if self.error is None:
            return self._derived(grid, resample(self.wavelength, self.reflectance, grid), None)
        r, e = resample(self.wavelength, self.reflectance, grid, self.error)
        return self._derived(grid, r, e)

    def normalise(self, at_um: float = NORMALISE_AT_UM) -> "Spectrum":
        """This spectrum divided by its reflectance at ``at_um``."""
        if self.error is None:
            return self._derived(self.wavelength, normalise(self.wavelength, self.reflectance, at_um), None)
        r, e = normalise(self.wavelength, self.reflectance, at_um, self.error)
        return self._derived(self.wavelength, r, e)

    def covers(self, grid) -> bool:
        """Whether this spectrum spans ``grid`` (so :meth:`resample` will work)."""
        try:
            check_coverage(self.wavelength, grid)
        except SpectrumError:
            return False
        return True
