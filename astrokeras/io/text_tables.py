"""Split a text table into numbers, whatever wrote it: any line ending, separator, header, index column or comment.

What it reads: CR, LF and CRLF line endings (even mixed in one file); a UTF-8 byte-order mark; ``#`` comment
lines; comma, semicolon, tab or whitespace separators (told from the first data line); decimal commas (a
semicolon file whose numbers have no ``.`` but a ``,``, or a tab- or space-separated file whose numbers are
written ``0,45``); an optional header line (any non-numeric field on the first line); an index as first column
(a header whose first name is empty, ``index`` or ``Unnamed: 0``, as pandas and R write them, or a first column
that counts 0, 1, 2, ... or 1, 2, 3, ...; a header with one name fewer than the rows' fields is an index only
when that first column counts); rows with fewer fields than others (the missing fields are NaN, and
:attr:`TextTable.fields` says how many each row had).
It never guesses what the columns mean: :mod:`astrokeras.io.spectrum_files` does.

Example
-------
>>> table = read_text_table(",wavelength,reflectance\\r0,0.45,0.9\\r1,0.55,1.0\\r")
>>> table.names, table.values.tolist(), table.index_column
(['wavelength', 'reflectance'], [[0.45, 0.9], [0.55, 1.0]], True)
>>> read_text_table("0,45;0,91\\n0,55;1,00\\n").values.tolist()
[[0.45, 0.91], [0.55, 1.0]]
>>> read_text_table("0,45 0,91\\n0,55 1,00\\n").values.tolist()
[[0.45, 0.91], [0.55, 1.0]]
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d*([eE][-+]?\d+)?$|^[-+]?\d+$")
_INDEX_NAMES = ("", "index", "unnamed: 0", "#", "row")


@dataclasses.dataclass(frozen=True)
class TextTable:
    """The numbers of a text table.

    Attributes
    ----------
    names : list of str or None
        Column names from the header line (index column removed), None without a header.
    values : ndarray, shape (rows, columns)
        The fields as floats; NaN where a row had fewer fields or a field was empty or not a number.
    fields : ndarray of int, shape (rows,)
        How many fields each row had (index column not counted).
    lines : ndarray of int, shape (rows,)
        The 1-based line number of each row in the file.
    bad : dict
        ``{column: (row, text)}``: the first field of each column that was not a number (empty fields
        included), for the caller to report when it uses that column.
    separator : str
        ``","``, ``";"``, ``"\\t"`` or ``"whitespace"``.
    decimal_comma : bool
        Whether ``,`` was read as the decimal mark.
    index_column : bool
        Whether a first index column was found and dropped.
    comments : list of str
        The comment lines, without their ``#``.
    """

    names: list | None
    values: np.ndarray
    fields: np.ndarray
    lines: np.ndarray
    bad: dict
    separator: str
    decimal_comma: bool
    index_column: bool
    comments: list


def read_text_table(text: str) -> TextTable:
    """Parse ``text`` (the whole file) into a :class:`TextTable`; ValueError when it holds no data rows."""
    comments, rows, numbers = [], [], []
    text = text.removeprefix("\ufeff")  # a byte-order mark (Excel, Notepad) is not part of the first field
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            comments.append(stripped[1:].strip())
            continue
        rows.append(line)
        numbers.append(number)
    if not rows:
        raise ValueError("only comments, no data rows" if comments else "the file is empty")
    separator, decimal_comma = _separator(rows[0], rows[1] if len(rows) > 1 else None)
    split = [_split(row, separator) for row in rows]
    names = None
    if any(token and _number(token, decimal_comma) is None for token in split[0]):  # "" is a missing value
        names, split, numbers = _units_joined(split[0]) if separator == "whitespace" else split[0], split[1:], \
            numbers[1:]
        if not split:
            raise ValueError("a header line but no data rows")
    width = max(len(tokens) for tokens in split)
    values = np.full((len(split), width), np.nan)
    fields = np.array([len(tokens) for tokens in split])
    bad = {}
    for i, tokens in enumerate(split):
        for j, token in enumerate(tokens):
            value = _number(token, decimal_comma)
            if value is None:
                bad.setdefault(j, (i, token))
            else:
                values[i, j] = value
    index_column = _has_index(names, values, width)
    if index_column:
        values, fields = values[:, 1:], fields - 1
        bad = {j - 1: where for j, where in bad.items() if j > 0}
        if names is not None and len(names) == width:
            names = names[1:]
    return TextTable(names=names, values=values, fields=fields, lines=np.array(numbers), bad=bad,
                     separator=separator, decimal_comma=decimal_comma, index_column=index_column,
                     comments=comments)


def _separator(first: str, second: str | None) -> tuple[str, bool]:
    sample = first if second is None else second  # the second line is data even when the first is a header
    spaced = sample.split("\t") if "\t" in sample else sample.split()
    if "," in sample and ";" not in sample and len(spaced) > 1 and all(
            _DECIMAL_COMMA.match(token.strip()) for token in spaced):  # "0,45 0,91" or "0,45<tab>0,91"
        return ("\t" if "\t" in sample else "whitespace"), True
    if ";" in first:
        return ";", ("," in sample and "." not in sample)
    if "," in first:
        return ",", False
    if "\t" in first and any(c.isalpha() for c in first):  # a tab-separated header may hold spaces in names
        return "\t", False
    return "whitespace", False


def _split(row: str, separator: str) -> list:
    if separator == "whitespace":
        return row.split()
    return [token.strip() for token in row.split(separator)]


def _units_joined(names: list) -> list:
    """``["wavelength", "(um)", "reflectance"]`` -> ``["wavelength (um)", "reflectance"]``: a unit in brackets,
    split from its name by a space in a space-separated header, belongs to the name before it."""
    out = []
    for name in names:
        if out and name[:1] in "([" and name[-1:] in ")]":
            out[-1] = f"{out[-1]} {name}"
        else:
            out.append(name)
    return out


def _number(token: str, decimal_comma: bool = False):
    if decimal_comma:
        token = token.replace(",", ".")
    try:
        return float(token)
    except ValueError:
        return None


def _has_index(names, values, width) -> bool:
    if width < 3:
        return False
    first = values[:, 0]
    counts = bool(np.array_equal(first, np.arange(first.size)) or np.array_equal(first, np.arange(1, first.size + 1)))
    if names is not None and names[0].strip().lower() in _INDEX_NAMES:
        return True
    return counts  # a header one name short (pandas) or no header: only a counting column is an index
