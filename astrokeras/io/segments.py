"""Overlapping spectral segments in one file (a visible spectrum, then a near-infrared one): find and merge them.

A file such as MITHNEOS's ``a000433.sp201n1.txt`` holds a visible spectrum (0.435..0.925 um) followed by a
near-infrared one (0.78..2.49 um): the wavelengths go back down where the second segment starts, and the two
overlap. :func:`split_segments` finds the segments; :func:`merge_segments` joins them the way spectroscopists
do:

1. segments are taken in order of their first wavelength; the bluest (the visible one, which holds 0.55 um, the
   usual normalisation point) is the reference, and each later segment is scaled to what has been merged so far;
2. the scale factor is the median, over the later segment's points inside the overlap, of the ratio of the
   reference (linearly interpolated at those points) to the later segment; the median ignores a few noisy or
   telluric points. Errors are scaled by the same factor;
3. the two are joined at the middle of the overlap: reference points below it, scaled points from it on. Both
   segment ends are the noisiest parts of a grating spectrum (detector edges, the dichroic), so the midpoint
   keeps each segment where it is best;
4. an overlap with fewer than :data:`MIN_OVERLAP_POINTS` points of either segment (or none: a gap) is too short
   to measure a scale factor: the segments are joined at the midpoint unscaled, and the note says so.

Each merge adds a note with the factor, so nothing is silent. A later segment that lies entirely within the
reference is refused: there is nothing to join, and which one to keep is not for a reader to guess.

Example
-------
>>> import numpy as np
>>> truth = lambda w: 1.0 + 0.2 * (w - 0.55)                  # one asteroid, two instruments
>>> vis, nir = np.arange(0.44, 0.9251, 0.0025), np.arange(0.78, 2.4901, 0.005)
>>> merged, notes = merge_segments([Segment(vis, truth(vis)), Segment(nir, truth(nir) / 1.25)])
>>> print(notes[0])  # doctest: +NORMALIZE_WHITESPACE
merged 2 overlapping segments: 0.78-2.49 um scaled by 1.2500 to 0.44-0.925 um
(median ratio over 30 points in the overlap 0.78-0.925 um), joined at 0.853 um
>>> bool(np.allclose(merged.reflectance, truth(merged.wavelength)))
True
"""

from __future__ import annotations

import dataclasses

import numpy as np

from astrokeras.spectra import SpectrumError

MIN_OVERLAP_POINTS = 3
MIN_SEGMENT_ROWS = 5


@dataclasses.dataclass(frozen=True)
class Segment:
    """One sorted piece of a spectrum: wavelengths in um, reflectance and optional errors."""

    wavelength: np.ndarray
    reflectance: np.ndarray
    error: np.ndarray | None = None

    @property
    def span(self) -> str:
        return f"{self.wavelength[0]:.3g}-{self.wavelength[-1]:.3g} um"


def split_segments(wavelength, min_rows: int = MIN_SEGMENT_ROWS) -> list:
    """Index arrays of the runs between the places where ``wavelength`` goes back down.

    Each run must hold at least ``min_rows`` rows; otherwise the file is not a set of segments but unsorted,
    and :class:`~astrokeras.spectra.spectrum.SpectrumError` says where.

    >>> [s.tolist() for s in split_segments([0.4, 0.5, 0.6, 0.45, 0.55, 0.65], min_rows=3)]
    [[0, 1, 2], [3, 4, 5]]
    """
    w = np.asarray(wavelength, dtype=float)
    drops = np.flatnonzero(np.diff(w) < 0) + 1
    pieces = np.split(np.arange(w.size), drops)
    short = [p for p in pieces if p.size < min_rows]
    if drops.size and short:
        at = int(drops[0])
        raise SpectrumError(
            f"wavelengths are not sorted (value {w[at]:g} follows {w[at - 1]:g}; they go back down {drops.size} "
            f"time(s)): sort the rows by wavelength. A file may hold several overlapping segments (e.g. visible "
            f"then near-infrared), each sorted and at least {min_rows} rows long"
        )
    return pieces


def merge_segments(segments) -> tuple[Segment, list]:
    """Join overlapping :class:`Segment` objects into one; returns ``(segment, notes)`` (see the module doc)."""
    ordered = sorted(segments, key=lambda s: float(s.wavelength[0]))
    merged, notes = ordered[0], []
    with_errors = all(s.error is not None for s in ordered)
    if not with_errors and any(s.error is not None for s in ordered):
        notes.append("errors dropped: not every segment has them")
        ordered = [dataclasses.replace(s, error=None) for s in ordered]
        merged = ordered[0]
    for later in ordered[1:]:
        merged, note = _join(merged, later)
        notes.append(note)
    return merged, notes


def _join(reference: Segment, later: Segment) -> tuple[Segment, str]:
    if later.wavelength[-1] <= reference.wavelength[-1]:
        raise SpectrumError(
            f"a segment ({later.span}) lies within another ({reference.span}): two spectra of the same range "
            "in one file; keep one of them (or average them) before reading"
        )
    low, high = float(later.wavelength[0]), float(reference.wavelength[-1])
    inside_ref = (reference.wavelength >= low) & (reference.wavelength <= high)
    inside_later = (later.wavelength >= low) & (later.wavelength <= high)
    cut = (low + high) / 2.0
    if high <= low or min(inside_ref.sum(), inside_later.sum()) < MIN_OVERLAP_POINTS:
        scale = 1.0
        if high < low:
            why = f"no overlap (a gap of {low - high:.3g} um)"
        elif high == low:
            why = f"no overlap (they meet at {low:.3g} um)"
        else:
            why = f"an overlap of {min(inside_ref.sum(), inside_later.sum())} point(s) in {low:.3g}-{high:.3g} um"
        note = (f"joined 2 segments without scaling: {reference.span} and {later.span} have {why}, too "
                f"little to measure a scale factor (at least {MIN_OVERLAP_POINTS} points each are needed)")
    else:
        ratio = np.interp(later.wavelength[inside_later], reference.wavelength, reference.reflectance)
        ratio = ratio / later.reflectance[inside_later]
        ratio = ratio[np.isfinite(ratio)]
        scale = float(np.median(ratio)) if ratio.size else 1.0
        note = (f"merged 2 overlapping segments: {later.span} scaled by {scale:.4f} to {reference.span} "
                f"(median ratio over {int(inside_later.sum())} points in the overlap {low:.3g}-{high:.3g} um), "
                f"joined at {cut:.3g} um")
    keep_ref = reference.wavelength < cut
    keep_later = later.wavelength >= cut
    error = None
    if reference.error is not None:
        error = np.concatenate([reference.error[keep_ref], scale * later.error[keep_later]])
    return Segment(
        np.concatenate([reference.wavelength[keep_ref], later.wavelength[keep_later]]),
        np.concatenate([reference.reflectance[keep_ref], scale * later.reflectance[keep_later]]),
        error,
    ), note
