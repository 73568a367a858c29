"""Overlapping segments, archive sentinels and text tables, on arrays built in code."""

import numpy as np
import pytest

from astrokeras.datasets.archive import designation_of
from astrokeras.io.archive import edge_artefacts, flagged_rows, sentinel_rows
from astrokeras.io.segments import Segment, merge_segments, split_segments
from astrokeras.io.text_tables import read_text_table
from astrokeras.spectra import SpectrumError

rng = np.random.default_rng(0)


def _spectrum(w):
    return 1.0 + 0.3 * (w - 0.55) - 0.1 * np.exp(-0.5 * ((w - 0.95) / 0.1) ** 2)  # a slope and a 1-um band


@pytest.mark.parametrize("scale", [0.9, 1.0, 1.032, 1.25])
def test_the_scale_factor_is_recovered_from_noisy_segments(scale):
    vis = np.arange(0.435, 0.9251, 0.0025)
    nir = np.arange(0.78, 2.4901, 0.005)
    noise = lambda w: 1 + 0.005 * rng.standard_normal(w.size)  # noqa: E731
    merged, notes = merge_segments([Segment(vis, _spectrum(vis) * noise(vis)),
                                    Segment(nir, _spectrum(nir) * noise(nir) / scale)])
    found = float(notes[0].split("scaled by ")[1].split()[0])
    assert abs(found - scale) < 0.003 * scale
    assert np.all(np.diff(merged.wavelength) > 0)
    np.testing.assert_allclose(merged.reflectance, _spectrum(merged.wavelength), rtol=0.03)


def test_three_segments_are_merged_in_order_of_wavelength():
    a, b, c = np.linspace(0.4, 0.9, 51), np.linspace(0.8, 1.6, 81), np.linspace(1.5, 2.5, 101)
    merged, notes = merge_segments([Segment(c, _spectrum(c) * 3), Segment(a, _spectrum(a)),
                                    Segment(b, _spectrum(b) / 2)])
    np.testing.assert_allclose(merged.reflectance, _spectrum(merged.wavelength), rtol=1e-6)
    assert [n.split("scaled by ")[1][:6] for n in notes] == ["2.0000", "0.3333"]


def test_split_finds_the_place_wavelengths_go_back_down():
    vis, nir = np.arange(0.435, 0.926, 0.0025), np.arange(0.78, 2.49, 0.005)
    pieces = split_segments(np.concatenate([vis, nir]))
    assert [p.size for p in pieces] == [vis.size, nir.size] and pieces[1][0] == vis.size


def test_split_refuses_an_unsorted_file_with_short_runs():
    with pytest.raises(SpectrumError, match=r"not sorted \(value 0.5 follows 0.6.*go back down 2 time"):
        split_segments([0.4, 0.6, 0.5, 0.7, 0.65, 0.8, 0.9])


def test_a_segment_inside_another_is_refused():
    with pytest.raises(SpectrumError, match="lies within another"):
        merge_segments([Segment(np.linspace(0.4, 0.9, 20), np.ones(20)), Segment(np.linspace(0.5, 0.8, 10),
                                                                                  np.ones(10))])


def test_errors_are_dropped_with_a_note_when_one_segment_has_none():
    a, b = np.linspace(0.4, 0.9, 20), np.linspace(0.8, 2.0, 30)
    merged, notes = merge_segments([Segment(a, _spectrum(a), np.full(20, 0.01)), Segment(b, _spectrum(b))])
    assert merged.error is None and notes[0] == "errors dropped: not every segment has them"


def test_sentinels_include_a_rescaled_fill_whose_error_stayed_minus_one():
    w = np.array([0.78, 0.80, 0.85, 0.90])
    sentinel, padding = sentinel_rows(w, np.array([-1.0, -0.91, 1.0, 0.8308]), np.array([-1, -1, 0.02, -1]))
    assert sentinel.tolist() == [True, True, False, True] and not padding.any()


def test_flag_rows_per_segment():
    f = np.array([0, 0, 0, 0, 1, 3, 0, 2])
    segments = [np.arange(4), np.arange(4, 8)]
    w = np.array([0.45, 0.55, 0.65, 0.75, 0.8, 0.9, 1.0, 1.1])
    flagged, notes = flagged_rows(f, segments, w, np.zeros(8, bool))
    assert flagged.tolist() == [False] * 4 + [False, False, True, False]
    assert notes and "0.45-0.75 um segment" in notes[0]
    flagged, notes = flagged_rows(f[:4], [np.arange(4)], w[:4], np.zeros(4, bool))  # the only segment: applies
    assert flagged.all() and not notes


def test_edge_artefacts_need_missing_neighbours_on_both_sides():
    r = np.array([-1.0, -0.99, -1.0, 0.9, -0.2, 1.0])
    e = np.array([-1.0, 7.8, -1.0, 0.02, 0.02, 0.02])
    missing = r == -1
    artefact, notes = edge_artefacts(np.linspace(0.65, 0.9, 6), r, e, missing, [np.arange(6)])
    assert artefact.tolist() == [False, True, False, False, False, False]  # -0.2 sits between measured points
    assert "-0.99 +- 7.8 at 0.7 um" in notes[0]


def test_text_table_reads_ragged_rows_and_reports_non_numbers():
    table = read_text_table(" 0.3675   0.7863   0.0334\n\n 0.78  -1  -1  0\n  2.41\n0.8 x 0.1 1\n")
    assert table.fields.tolist() == [3, 4, 1, 4] and table.lines.tolist() == [1, 3, 4, 5]
    assert np.isnan(table.values[0, 3]) and table.bad == {1: (3, "x")}


def test_text_table_with_a_tab_separated_header_holding_spaces():
    table = read_text_table("wavelength (um)\treflectance\n0.45\t0.9\n0.55\t1.0\n")
    assert table.names == ["wavelength (um)", "reflectance"] and table.separator == "\t"


@pytest.mark.parametrize("name, number, prov, designation", [
    ("a000433.sp201n1.txt", "433", None, "433"),
    ("sp09/a0011054.sp09.txt", "11054", None, "11054"),  # the file name's typo; load_archive uses the log's 1105
    ("a001862n1.sp47.txt", "1862", None, "1862"),
    ("a175706-obsA.sp105.txt", "175706", None, "175706"),
    ("au2002ua31.sp113n2.txt", None, "2002UA31", "2002UA31"),
    ("au2005JE46n1.sp50.txt", None, "2005JE46", "2005JE46"),
    ("au1992UB.[1]", None, "1992UB", "1992UB"),
    ("aPluto.sp122.txt", None, None, "Pluto"),
])
def test_designations_from_archive_file_names(name, number, prov, designation):
    assert designation_of(name) == {"designation": designation, "number": number, "prov_id": prov}
