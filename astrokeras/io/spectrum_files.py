"""Read one reflectance spectrum from a file, as the archives write them: text, CSV, ECSV or FITS (``.fits.gz``).

Formats. Text tables of any kind (:mod:`astrokeras.io.text_tables`: CR/LF/CRLF line endings, comma, semicolon, tab
or whitespace separators, ``#`` comments, a header, a pandas index column). ECSV and FITS tables are read by
astropy (``astropy.table.Table.read``), and their declared wavelength unit is converted through
``astropy.units``.

Columns. By name when there is a header (``wavelength`` / ``wave`` / ``lambda``, ``reflectance`` / ``refl`` /
``flux``, ``error`` / ``err`` / ``sigma`` / ``uncertainty``, ``flag`` / ``quality``; any case), else by
position: wavelength, reflectance, error, and a fourth column of whole numbers as a quality flag (0 = no data,
the MIT archive's convention; a fourth column that is not whole numbers is ignored, with a note).

Units. Declared (ECSV/FITS unit, or a header such as ``wavelength (nm)``), else told from the values by
:func:`astrokeras.spectra.spectrum.detect_unit` (um up to 10, nm up to 5500, Angstrom above: SMASS I is in Angstrom), or
given with ``unit=``.

Cleaning, decided from what the archive holds (see :mod:`astrokeras.io.archive`): rows with reflectance or
error -1 (missing), all-zero padding rows, quality flag 0, lone negative values amid missing points and rows
with a single field are dropped. A file whose wavelengths go back down holds overlapping segments (visible then
near-infrared): they are merged, the later one scaled to the earlier in their overlap
(:mod:`astrokeras.io.segments`). Every step leaves a sentence in :attr:`~astrokeras.spectra.spectrum.Spectrum.notes`.

What is still unusable raises :class:`~astrokeras.spectra.spectrum.SpectrumError` naming the file, the problem and the
fix: every point missing, fewer than 3 points, NaN, negative measured reflectance, unsorted rows within a
segment, duplicate wavelengths, a wavelength unit that cannot be told.

Example
-------
>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "a000433.sp01.txt"
>>> rows = [(0.45, 0.90, 0.01, 1), (0.55, 1.00, 0.01, 1), (0.60, -1, -1, 0), (0.65, 1.10, 0.01, 2)]
>>> _ = path.write_text("\\r".join(" ".join(str(v) for v in row) for row in rows))
>>> spectrum = read_spectrum(path)
>>> spectrum.wavelength.tolist(), spectrum.name
([0.45, 0.55, 0.65], 'a000433.sp01')
>>> spectrum.notes
("dropped 1 points with reflectance or error -1 (the archive's missing value)",)
"""

from __future__ import annotations

import dataclasses
import pathlib
import re

import numpy as np

from astrokeras.io.archive import edge_artefacts, flagged_rows, missing_note, sentinel_rows
from astrokeras.io.segments import Segment, merge_segments, split_segments
from astrokeras.io.text_tables import read_text_table
from astrokeras.spectra import Spectrum, SpectrumError, detect_unit, micron_scale, to_micron

NAMES = {
    "wavelength": ("wavelength", "wave", "wavelengths", "lambda", "wl", "wavelength_um", "wavelength_nm"),
    "reflectance": ("reflectance", "refl", "reflect", "flux", "reflectance_spectrum", "r"),
    "error": ("error", "err", "sigma", "uncertainty", "reflectance_err", "reflectance_spectrum_err", "unc"),
    "flag": ("flag", "flags", "quality", "qual", "quality_flag", "qflag"),
}
FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz")
_UNIT_IN_NAME = re.compile(r"[(\[]\s*([^)\]]+?)\s*[)\]]")


@dataclasses.dataclass
class _Columns:
    wavelength: np.ndarray
    reflectance: np.ndarray
    error: np.ndarray | None = None
    flag: np.ndarray | None = None
    fields: np.ndarray | None = None  # fields per row (text files)
    lines: np.ndarray | None = None  # line number per row (text files)
    unit: object = None  # declared wavelength unit (astropy unit or string)
    notes: list = dataclasses.field(default_factory=list)


def read_spectrum(path, unit: str = "auto") -> Spectrum:
    """The spectrum in ``path`` as a validated :class:`~astrokeras.spectra.spectrum.Spectrum` in um, with its ``notes``.

    Parameters
    ----------
    path : path-like
        A text/CSV/TSV, ECSV (``# %ECSV`` first line) or FITS table file (``.fits``, ``.fits.gz``...).
    unit : str
        ``"auto"`` (the unit declared in the file, else told from the values, see
        :func:`astrokeras.spectra.spectrum.detect_unit`) or any length unit (``"um"``, ``"nm"``, ``"Angstrom"``...),
        which overrides both.

    Raises
    ------
    SpectrumError
        A missing, empty or unusable file; the message names the file, the problem and the fix.
    """
    path = pathlib.Path(path)
    if path.is_dir():
        raise SpectrumError(f"{path}: a folder, not a file (astrokeras analyze reads every spectrum file in a "
                            "folder given on the command line)")
    if not path.is_file():
        raise SpectrumError(f"{path}: no such file")
    try:
        if path.name.lower().endswith(FITS_SUFFIXES):
            columns = _read_table(path, "fits")
        else:
            raw = path.read_bytes()
            if _binary(raw):
                raise SpectrumError("binary content, not a text table (an image, an archive or a spreadsheet?): "
                                    "save the spectrum as text, CSV, ECSV or FITS")
            text = raw.decode("utf-8-sig", errors="replace")
            if text.lstrip().startswith("# %ECSV"):
                columns = _read_table(path, "ascii.ecsv")
            else:
                columns = _read_text(text)
        return assemble(columns, unit=unit, name=_name(path))
    except SpectrumError as error:
        raise SpectrumError(f"{path}: {error}") from None
    except (ValueError, IndexError, KeyError, TypeError, ArithmeticError) as error:  # a shape no rule above expects
        raise SpectrumError(f"{path}: not readable as a spectrum table ({type(error).__name__}: {error}); write it "
                            "as two or more columns: wavelength, reflectance[, error]") from None


def _binary(raw: bytes) -> bool:
    """Bytes no text table holds: a NUL, or mostly control characters in the first 4 kB."""
    head = raw[:4096]
    if b"\x00" in head:
        return True
    control = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13))
    return bool(head) and control > 0.05 * len(head)


def _name(path: pathlib.Path) -> str:
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return pathlib.Path(name).stem


def assemble(columns: _Columns, *, unit: str = "auto", name: str = "") -> Spectrum:
    """Clean, convert and merge raw columns into a :class:`Spectrum` (the steps in the module doc, in order)."""
    c = columns
    notes = list(c.notes)
    w, r = c.wavelength.astype(float), c.reflectance.astype(float)
    e = None if c.error is None else c.error.astype(float)
    f = None if c.flag is None else c.flag.astype(float)
    keep = np.ones(w.size, dtype=bool)
    if c.fields is not None and np.any(c.fields < 2):
        keep = c.fields >= 2
        lines = ", ".join(str(n) for n in c.lines[~keep][:3])
        notes.append(f"dropped {int((~keep).sum())} incomplete row(s) holding a single field (line {lines})")
    w, r, e, f, lines = (None if a is None else a[keep] for a in (w, r, e, f, c.lines))

    sentinel, padding = sentinel_rows(w, r, e)
    w, unit_note = _in_micron(w, unit, c.unit, usable=~sentinel & ~padding & (w > 0))
    notes += unit_note
    dead = (sentinel | padding) & ~(w > 0)  # e.g. a row "-1 -1 0" whose wavelength field was left blank
    bad_w = ~dead & ~(w > 0)
    if bad_w.any():
        at = int(np.argmax(bad_w))
        where = f"line {lines[at]}" if lines is not None else f"row {at + 1}"
        raise SpectrumError(f"wavelength is {w[at]:g} on {where}: wavelengths must be positive numbers; fix or "
                            "remove that row")
    rows = np.flatnonzero(~dead)
    segments = [rows[piece] for piece in split_segments(w[rows])]
    flagged = np.zeros(w.size, dtype=bool)
    if f is not None:
        flagged, flag_notes = flagged_rows(f, segments, w, sentinel)
    else:
        flag_notes = []
    missing = sentinel | padding | flagged
    notes += missing_note(sentinel, padding, flagged)
    notes += flag_notes
    artefact, artefact_notes = edge_artefacts(w, r, e, missing, segments)
    missing |= artefact
    notes += artefact_notes

    pieces = []
    for seg in segments:
        good = seg[~missing[seg]]
        if good.size:
            pieces.append(Segment(w[good], r[good], None if e is None else e[good]))
    if not pieces:
        raise SpectrumError(_nothing_left(w.size, sentinel, padding, flagged))
    if e is not None:
        kept = np.concatenate([p.error for p in pieces])
        if np.isnan(kept).any() and not np.isnan(kept).all():
            rows = np.flatnonzero(np.isnan(e) & ~missing)
            where = f"line {lines[rows[0]]}" if lines is not None else f"row {rows[0] + 1}"
            raise SpectrumError(f"the error is missing on {rows.size} row(s) (first on {where}) but given on the "
                                "others: give every row an error, or remove the error column")
        if np.isnan(kept).all():
            pieces = [dataclasses.replace(p, error=None) for p in pieces]
            notes.append("error column is empty: read as no errors given")
        elif np.all(kept == 0):
            pieces = [dataclasses.replace(p, error=None) for p in pieces]
            notes.append("error column is 0 at every point: read as no errors given")
    if len(segments) > 1 and len(pieces) < len(segments):
        notes.append(f"{len(segments) - len(pieces)} of {len(segments)} segments hold no data: ignored")
    merged = pieces[0]
    if len(pieces) > 1:
        merged, merge_notes = merge_segments(pieces)
        notes += merge_notes
    return Spectrum(merged.wavelength, merged.reflectance, merged.error, name=name, notes=notes)


def _in_micron(w, unit, declared, usable):
    for given, how in ((unit if unit != "auto" else None, "as given"), (declared, "declared in the file")):
        if given is not None:
            note = [] if micron_scale(given) == (1.0, 1.0) else [f"wavelengths in {given} ({how}) converted to um"]
            return to_micron(w, given), note
    if not usable.any():
        return w, []  # nothing measured: refused later with the counts
    detected = detect_unit(w[usable])
    if detected == "um":
        return w, []
    label = "Angstrom" if detected == "angstrom" else detected
    return to_micron(w, detected), [f"wavelengths in {label} converted to um (told from the values: the largest "
                                    f"is {float(w[usable].max()):g})"]


def _nothing_left(total, sentinel, padding, flagged) -> str:
    parts = [f"{int(m.sum())} {what}" for m, what in ((sentinel, "-1 (missing)"), (padding, "all-zero rows"),
                                                    (flagged & ~sentinel, "quality flag 0")) if m.any()]
    return (f"no measured point: all {total} rows are missing or flagged ({', '.join(parts)}). If the fourth "
            "column is not a quality flag (0 = no data), name the columns in a header line (wavelength, "
            "reflectance, error) so it is not read as one")


def _pick(header: list) -> dict:
    lowered = [_UNIT_IN_NAME.sub("", h).strip().lower() for h in header]
    found = {}
    for role, names in NAMES.items():
        for i, h in enumerate(lowered):
            if h in names or (role not in ("reflectance", "flag") and any(
                    h.startswith(n + "_") or h.startswith(n + "(") for n in names)):
                found.setdefault(role, i)
    return found


def _unit_in_name(name: str):
    """``"wavelength (nm)"`` / ``"wave[Angstrom]"`` / ``"wavelength_nm"`` -> the unit, if it is a length."""
    match = _UNIT_IN_NAME.search(name)
    candidate = match.group(1) if match else (name.rsplit("_", 1)[1] if "_" in name else None)
    if not candidate:
        return None
    try:
        micron_scale(candidate)
    except SpectrumError:
        return None
    return candidate


def _read_text(text: str) -> _Columns:
    try:
        table = read_text_table(text)
    except ValueError as error:
        fix = "it needs wavelength and reflectance columns" if "empty" in str(error) else "add the data rows"
        raise SpectrumError(f"{error}; {fix}") from None
    if np.isnan(table.values).all():
        raise SpectrumError("no numbers in the file: not a table of wavelength and reflectance (two or more columns "
                            "of numbers, one row per wavelength)")
    notes = ["first column is a row index (as pandas writes it): ignored"] if table.index_column else []
    width = table.values.shape[1]
    if width < 2:
        raise SpectrumError(f"found {width} column(s); need wavelength and reflectance (and optionally error "
                            "and a quality flag)")
    found = _pick([str(n) for n in table.names]) if table.names else {}
    if table.names and len(table.names) != width and found:
        notes.append(f"the header has {len(table.names)} names for {width} columns: columns read by position")
        found = {}
    declared = None
    if "wavelength" in found and "reflectance" in found:
        declared = _unit_in_name(table.names[found["wavelength"]])
    else:  # no usable names: columns by position
        found = {"wavelength": 0, "reflectance": 1, **({"error": 2} if width > 2 else {})}
        if width > 3:
            fourth = table.values[:, 3]
            if np.all(np.isnan(fourth) | (fourth == np.round(fourth))) and 3 not in table.bad:
                found["flag"] = 3
            else:
                notes.append("fourth column ignored: not whole numbers, so not a quality flag")
        if width > 4:
            notes.append(f"{width - 4} column(s) after the fourth ignored")
    for role in ("error", "flag"):  # an empty column (e.g. a trailing separator on every line) is no column
        if role in found and np.isnan(table.values[:, found[role]]).all():
            if table.names:
                notes.append(f"{role} column {table.names[found[role]]!r} is empty: ignored")
            del found[role]
    for role, index in found.items():
        if index in table.bad:
            row, token = table.bad[index]
            shown = "an empty field" if token == "" else f"non-numeric value {token!r}"
            raise SpectrumError(f"{role} column has {shown} on data row {row + 1} (line {table.lines[row]}): fix "
                                "or remove that row")
    columns = {role: table.values[:, index] for role, index in found.items()}
    return _Columns(**columns, fields=table.fields, lines=table.lines, unit=declared, notes=notes)


def _read_table(path: pathlib.Path, fmt: str) -> _Columns:
    try:
        from astropy.table import Table
    except ImportError:
        raise SpectrumError(f"reading {fmt.split('.')[-1].upper()} needs astropy: pip install astropy (or save the "
                            "spectrum as CSV)") from None
    try:
        table = Table.read(path, format=fmt)
    except Exception as error:  # astropy raises many kinds; all mean "not a readable table" here
        raise SpectrumError(f"not a readable {fmt.split('.')[-1].upper()} table ({error}); a table with "
                            "wavelength and reflectance columns is needed") from None
    found = _pick(list(table.colnames))
    if "wavelength" not in found or "reflectance" not in found:
        raise SpectrumError(f"columns {table.colnames} do not include a wavelength and a reflectance column "
                            f"(names accepted: {', '.join(NAMES['wavelength'])}; {', '.join(NAMES['reflectance'])})")
    columns = {role: _flat(table.columns[i]) for role, i in found.items()}
    unit = table.columns[found["wavelength"]].unit
    return _Columns(**columns, unit=unit)


def _flat(column) -> np.ndarray:
    values = np.ma.filled(np.ma.asarray(column, dtype=float), np.nan)  # masked (missing) entries -> NaN
    return values.reshape(-1) if values.ndim > 1 and values.shape[0] == 1 else values
