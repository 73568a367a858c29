"""Read one reflectance spectrum from a file: CSV, TSV, whitespace text, ECSV, or FITS (through astropy).

Columns: wavelength, reflectance and optionally its error -- by name when the file has a header (``wavelength``
/ ``wave`` / ``lambda``, ``reflectance`` / ``refl`` / ``flux``, ``error`` / ``err`` / ``sigma`` / ``uncertainty``,
any case), else by position. Lines starting with ``#`` are comments (ECSV keeps its units there: a wavelength
column declared in ``nm`` or ``Angstrom`` is converted). Units are otherwise detected from the values (see
:func:`astrokeras.spectra.to_micron`) or given with ``unit``.

Example
-------
>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
>>> _ = path.write_text("wavelength,reflectance\\n450,0.9\\n550,1.0\\n650,1.1\\n")
>>> spectrum = read_spectrum(path)
>>> spectrum.wavelength.tolist(), spectrum.name
([0.45, 0.55, 0.65], 's')
"""

from __future__ import annotations

import io
import pathlib
import re

import numpy as np

from astrokeras.spectra import Spectrum, SpectrumError

NAMES = {
    "wavelength": ("wavelength", "wave", "wavelengths", "lambda", "wl", "wavelength_um", "wavelength_nm"),
    "reflectance": ("reflectance", "refl", "reflect", "flux", "reflectance_spectrum", "r"),
    "error": ("error", "err", "sigma", "uncertainty", "reflectance_err", "reflectance_spectrum_err", "unc"),
}
_UNIT_SCALE = {"um": "um", "micron": "um", "nm": "nm", "angstrom": "angstrom", "aa": "angstrom"}


def read_spectrum(path, unit: str = "auto") -> Spectrum:
    """The spectrum in ``path`` as a validated :class:`~astrokeras.spectra.Spectrum` (wavelengths in um).

    Raises :class:`~astrokeras.spectra.SpectrumError` for a missing, empty or malformed file, naming the
    problem and the fix.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise SpectrumError(f"{path}: no such file")
    if path.suffix.lower() in (".fits", ".fit", ".fts"):
        columns, declared = _read_fits(path)
    else:
        text = path.read_text(errors="replace")
        if not text.strip():
            raise SpectrumError(f"{path}: the file is empty; it needs wavelength and reflectance columns")
        columns, declared = _read_text(path, text)
    wavelength = columns["wavelength"]
    if unit == "auto" and declared:
        if declared == "angstrom":
            wavelength, unit = wavelength / 10.0, "nm"
        else:
            unit = declared
    try:
        return Spectrum(wavelength, columns["reflectance"], columns.get("error"), unit=unit, name=path.stem)
    except SpectrumError as error:
        raise SpectrumError(f"{path}: {error}") from None


def _pick(header: list) -> dict:
    lowered = [h.strip().lower() for h in header]
    found = {}
    for role, names in NAMES.items():
        for i, h in enumerate(lowered):
            if h in names or (role != "reflectance" and any(h.startswith(n + "_") or h.startswith(n + "(")
                                                            for n in names)):
                found.setdefault(role, i)
    return found


def _ecsv_unit(comments: list, column: str) -> str | None:
    for line in comments:
        match = re.search(r"name:\s*" + re.escape(column) + r"\b.*?unit:\s*([A-Za-z]+)", line)
        if match:
            return _UNIT_SCALE.get(match.group(1).lower())
    return None


def _read_text(path: pathlib.Path, text: str):
    import pandas as pd

    lines = text.splitlines()
    comments = [line for line in lines if line.lstrip().startswith("#")]
    body = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not body:
        raise SpectrumError(f"{path}: only comments, no data rows")
    first = body[0]
    separator = "," if "," in first else ("\t" if "\t" in first else r"\s+")
    tokens = [t for t in re.split(separator, first.strip()) if t != ""]
    has_header = any(_number(t) is None for t in tokens)
    try:
        table = pd.read_csv(io.StringIO("\n".join(body)), sep=separator, header=0 if has_header else None,
                            engine="python")
    except Exception as error:  # pandas raises several parser errors; all mean the same to the user
        raise SpectrumError(f"{path}: cannot parse the table ({error}); expected columns wavelength, "
                            "reflectance[, error] separated by commas, tabs or spaces") from None
    if table.shape[1] < 2:
        raise SpectrumError(f"{path}: found {table.shape[1]} column(s); need wavelength and reflectance "
                            "(and optionally error)")
    found = _pick([str(c) for c in table.columns]) if has_header else {}
    if "wavelength" not in found or "reflectance" not in found:  # no usable names: columns by position
        found = {"wavelength": 0, "reflectance": 1, **({"error": 2} if table.shape[1] > 2 else {})}
    columns = {}
    for role, index in found.items():
        values = pd.to_numeric(table.iloc[:, index], errors="coerce").to_numpy(float)
        raw = table.iloc[:, index]
        bad = np.flatnonzero(np.isnan(values) & raw.notna().to_numpy())
        if bad.size:
            raise SpectrumError(f"{path}: {role} column has non-numeric value {raw.iloc[bad[0]]!r} on data row "
                                f"{bad[0] + 1}: fix or remove that row")
        columns[role] = values
    declared = _ecsv_unit(comments, str(table.columns[found["wavelength"]])) if has_header else None
    return columns, declared


def _number(token: str):
    try:
        return float(token)
    except ValueError:
        return None


def _read_fits(path: pathlib.Path):
    try:
        from astropy.table import Table
    except ImportError:
        raise SpectrumError(f"{path}: reading FITS needs astropy: pip install astropy "
                            "(or save the spectrum as CSV)") from None
    try:
        table = Table.read(path)
    except Exception as error:
        raise SpectrumError(f"{path}: not a readable FITS table ({error})") from None
    found = _pick(list(table.colnames))
    if "wavelength" not in found or "reflectance" not in found:
        raise SpectrumError(f"{path}: FITS columns {table.colnames} do not include a wavelength and a "
                            f"reflectance column (names accepted: {NAMES['wavelength']}, {NAMES['reflectance']})")
    columns = {role: np.asarray(table.columns[i], dtype=float) for role, i in found.items()}
    unit = table.columns[found["wavelength"]].unit
    declared = _UNIT_SCALE.get(str(unit).lower()) if unit is not None else None
    return columns, declared
