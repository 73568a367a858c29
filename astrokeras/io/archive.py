"""How the MIT archive writes "no data", and so which rows of a spectrum file carry no measurement.

Surveyed over every file of ``smass1/``, ``smass2/``, ``smassir/``, ``smassneo/`` and ``mithneos/`` (3822 files):

- **-1 sentinels.** MITHNEOS (1760 of 1851 files) writes a missing point as reflectance -1 and error -1. Where a
  segment was rescaled after the fill, the reflectance became another negative constant (-0.8, -0.91, -1.13...)
  but the error stayed -1, so a point is missing when its reflectance *or* its error is exactly -1
  (:func:`sentinel_rows`). A few points have error -1 and a plausible reflectance: no error, no measurement.
- **All-zero padding.** Two SMASS II files (a003861, a006847) end with rows of 0 0 0.
- **Quality flag 0.** The fourth MITHNEOS column counts (0..13, sometimes -1); 0 means no data. Most flag-0 points
  are also -1 sentinels, a few hold values the reduction rejected (dropped too). In 11 files a whole visible
  segment carries flag 0 next to a near-infrared one that uses the flag: that segment came from another
  instrument whose file had no flag, so the flag is not used there and its points are kept, with a note
  (:func:`flagged_rows`). A single-segment file that flags every point is refused: nothing is left.
- **Negative values amid missing data.** Nine files hold one negative reflectance (or a negative error) whose
  neighbours on both sides are missing points (at 0.655..0.705 um and 2.425..2.49 um, the detector edges):
  reduction artefacts (-0.99 +- 7.8, -1.04 +- 0.17 among -1s...), dropped with a note
  (:func:`edge_artefacts`). Any other negative reflectance is a measurement problem and is refused.

The functions return boolean masks over the rows and lists of notes (empty when nothing was dropped).

Example
-------
>>> import numpy as np
>>> w = np.array([0.80, 0.85, 0.90, 0.95, 1.00])
>>> sentinel, padding = sentinel_rows(w, np.array([-1.0, 0.9, 1.0, -0.8, 1.1]), np.array([-1, .01, .01, -1, .01]))
>>> sentinel.tolist(), bool(padding.any())
([True, False, False, True, False], False)
"""

from __future__ import annotations

import numpy as np

MISSING_VALUE = -1.0


def sentinel_rows(wavelength, reflectance, error=None) -> tuple[np.ndarray, np.ndarray]:
    """``(sentinel, padding)``: rows whose reflectance or error is -1, and rows of zeros (wavelength 0 too)."""
    r = np.asarray(reflectance, dtype=float)
    w = np.asarray(wavelength, dtype=float)
    sentinel = r == MISSING_VALUE
    padding = (w == 0) & (r == 0)
    if error is not None:
        e = np.asarray(error, dtype=float)
        sentinel |= e == MISSING_VALUE
        padding &= (e == 0) | np.isnan(e)
    return sentinel, padding & ~sentinel


def missing_note(sentinel, padding, flagged) -> list:
    """One note counting the rows dropped as sentinels, padding and quality flag 0 (each row counted once).

    >>> print(*missing_note(np.array([1, 1, 0], bool), np.zeros(3, bool), np.array([1, 0, 1], bool)))
    ... # doctest: +NORMALIZE_WHITESPACE
    dropped 3 points without data: 2 with reflectance or error -1 (the archive's missing value),
    1 more with quality flag 0
    """
    extra = flagged & ~sentinel & ~padding
    kinds = [(int(m.sum()), alone, among) for m, alone, among in (
        (sentinel, "points with reflectance or error -1 (the archive's missing value)",
         "with reflectance or error -1 (the archive's missing value)"),
        (padding, "all-zero padding rows", "all-zero padding rows"),
        (extra, "points with quality flag 0 (no data)", "more with quality flag 0"),
    ) if m.any()]
    if not kinds:
        return []
    if len(kinds) == 1:
        return [f"dropped {kinds[0][0]} {kinds[0][1]}"]
    total = int((sentinel | padding | flagged).sum())
    return [f"dropped {total} points without data: " + ", ".join(f"{n} {among}" for n, _, among in kinds)]


def flagged_rows(flag, segments, wavelength, sentinel) -> tuple[np.ndarray, list]:
    """Rows with quality flag 0, segment by segment (``segments``: index arrays, see
    :func:`astrokeras.io.segments.split_segments`).

    A segment whose every row has flag 0 while some hold measured values (not sentinels) does not use the flag
    (it was joined from a file without one) when another segment does; its rows are not flagged, with a note.
    NaN flags (rows without the column) are never flagged.
    """
    f = np.asarray(flag, dtype=float)
    w = np.asarray(wavelength, dtype=float)
    flagged = np.zeros(f.size, dtype=bool)
    notes = []
    zero, given = f == 0, np.isfinite(f)
    uses_flag = [bool(np.any(given[rows] & ~zero[rows])) for rows in segments]
    for rows, used in zip(segments, uses_flag):
        if not given[rows].any():  # rows written without the flag field: nothing to apply
            continue
        measured = rows[~sentinel[rows]]
        if not used and any(uses_flag) and measured.size:
            notes.append(f"quality flag 0 at every point of the {w[measured].min():.3g}-{w[measured].max():.3g} um "
                         "segment, which holds measured values: the flag is not used there, its points are kept")
            continue
        flagged[rows] = zero[rows]
    return flagged, notes


def edge_artefacts(wavelength, reflectance, error, missing, segments) -> tuple[np.ndarray, list]:
    """Negative reflectances (or errors) whose neighbours in the file are both missing (or absent): dropped.

    ``missing``: the rows already known to hold no data. Negative values next to a measured point are not
    marked: they are left for :func:`astrokeras.spectra.spectrum.validate` to refuse.
    """
    r = np.asarray(reflectance, dtype=float)
    e = np.zeros_like(r) if error is None else np.nan_to_num(np.asarray(error, dtype=float))
    w = np.asarray(wavelength, dtype=float)
    artefact = np.zeros(r.size, dtype=bool)
    for rows in segments:
        gone = np.concatenate([[True], missing[rows], [True]])  # absent neighbours count as missing
        negative = ((r[rows] < 0) | (e[rows] < 0)) & ~missing[rows]
        isolated = negative & gone[:-2] & gone[2:]
        artefact[rows[isolated]] = True
    if not artefact.any():
        return artefact, []
    shown = ", ".join(f"{r[i]:.3g} +- {e[i]:.2g} at {w[i]:.3g} um" for i in np.flatnonzero(artefact)[:3])
    return artefact, [f"dropped {int(artefact.sum())} negative value(s) isolated amid missing points ({shown}): "
                      "edge artefacts of the reduction, not measurements"]
