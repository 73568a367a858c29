"""Reading spectrum files: formats, units, archive quirks, and a clear error for every unusable file.

Every file here is a few rows built in code, each one written the way a real archive writes it.
"""

import gzip
import shutil

import numpy as np
import pytest

from astrokeras.io.spectrum_files import read_spectrum
from astrokeras.spectra import SpectrumError

W_NM = [450.0, 550.0, 650.0, 750.0]
R = [0.9, 1.0, 1.1, 1.15]


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def _rows(rows, end="\n", sep="  "):
    return "".join(sep.join(str(v) for v in row) + end for row in rows)


def test_csv_with_header_in_nm_and_errors(tmp_path):
    text = "Wavelength,Reflectance,Err\n" + "".join(f"{w},{r},0.01\n" for w, r in zip(W_NM, R))
    spectrum = read_spectrum(_write(tmp_path, "ceres.csv", text))
    np.testing.assert_allclose(spectrum.wavelength, np.array(W_NM) / 1000)
    np.testing.assert_allclose(spectrum.reflectance, R)
    np.testing.assert_allclose(spectrum.error, 0.01)
    assert spectrum.name == "ceres"
    assert spectrum.notes == ("wavelengths in nm converted to um (told from the values: the largest is 750)",)


def test_columns_found_by_name_in_any_order(tmp_path):
    text = "refl\twave_um\n" + "".join(f"{r}\t{w / 1000}\n" for w, r in zip(W_NM, R))
    spectrum = read_spectrum(_write(tmp_path, "s.tsv", text))
    np.testing.assert_allclose(spectrum.wavelength, np.array(W_NM) / 1000)
    np.testing.assert_allclose(spectrum.reflectance, R)
    assert spectrum.error is None and spectrum.notes == ()


def test_whitespace_text_without_header_and_with_comments(tmp_path):
    text = "# my spectrum\n# wavelength (um) reflectance\n" + "".join(f"  {w / 1000}   {r}\n" for w, r in zip(W_NM, R))
    spectrum = read_spectrum(_write(tmp_path, "s.txt", text))
    np.testing.assert_allclose(spectrum.reflectance, R)


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n"])
def test_every_line_ending_reads_the_same(tmp_path, end):
    rows = [(w / 1000, r, 0.01, 1) for w, r in zip(W_NM, R)]
    spectrum = read_spectrum(_write(tmp_path, "s.txt", _rows(rows, end=end)))
    np.testing.assert_allclose(spectrum.wavelength, np.array(W_NM) / 1000)
    np.testing.assert_allclose(spectrum.reflectance, R)


def test_mixed_line_endings_in_one_file(tmp_path):
    text = "0.45 0.9\r\n0.55 1.0\r0.65 1.1\n0.75 1.15\r\n"
    np.testing.assert_allclose(read_spectrum(_write(tmp_path, "s.txt", text)).reflectance, R)


def test_smass1_angstrom_is_told_from_the_values(tmp_path):
    angstrom = [4400, 5500, 7000, 9200]  # SMASS I: two columns, Angstrom, no header
    spectrum = read_spectrum(_write(tmp_path, "a000006.[1]", _rows(zip(angstrom, R), sep=" ")))
    np.testing.assert_allclose(spectrum.wavelength, [0.44, 0.55, 0.70, 0.92])
    assert spectrum.notes == ("wavelengths in Angstrom converted to um (told from the values: the largest is 9200)",)
    assert spectrum.name == "a000006"


def test_unit_argument_overrides_detection(tmp_path):
    path = _write(tmp_path, "s.txt", _rows(zip([4400, 5500, 7000, 9200], R)))
    spectrum = read_spectrum(path, unit="nm")  # the user knows better than the rule
    np.testing.assert_allclose(spectrum.wavelength, [4.4, 5.5, 7.0, 9.2])
    assert spectrum.notes == ("wavelengths in nm (as given) converted to um",)


def test_a_unit_in_the_header_beats_the_values(tmp_path):
    # 4000-5000 would be read as nm by the values alone; the header says Angstrom.
    text = "wavelength (Angstrom),reflectance\n4000,0.9\n4500,1.0\n5000,1.1\n"
    spectrum = read_spectrum(_write(tmp_path, "s.csv", text))
    np.testing.assert_allclose(spectrum.wavelength, [0.40, 0.45, 0.50])
    assert "declared in the file" in spectrum.notes[0]


def test_ecsv_declared_unit_is_converted_by_astropy(tmp_path):
    header = ("# %ECSV 1.0\n# ---\n# datatype:\n# - {name: wavelength, unit: Angstrom, datatype: float64}\n"
              "# - {name: reflectance, datatype: float64}\n")
    body = "wavelength reflectance\n" + "".join(f"{10 * w} {r}\n" for w, r in zip(W_NM, R))
    spectrum = read_spectrum(_write(tmp_path, "s.ecsv", header + body))
    np.testing.assert_allclose(spectrum.wavelength, np.array(W_NM) / 1000)


def test_fits_table(tmp_path):
    table = pytest.importorskip("astropy.table")
    units = pytest.importorskip("astropy.units")
    t = table.Table({"WAVELENGTH": np.array(W_NM) * units.nm, "REFLECTANCE": np.array(R)})
    path = tmp_path / "s.fits"
    t.write(path)
    np.testing.assert_allclose(read_spectrum(path).wavelength, np.array(W_NM) / 1000)


def test_gzipped_fits_with_a_unit_astropy_converts_and_a_quality_column(tmp_path):
    table = pytest.importorskip("astropy.table")
    units = pytest.importorskip("astropy.units")
    t = table.Table({"wave": [0.45e-3, 0.55e-3, 0.60e-3, 0.65e-3, 0.75e-3] * units.mm,  # mm: astropy converts it
                     "flux": [0.9, 1.0, 7.0, 1.1, 1.15], "sigma": np.full(5, 0.01), "quality": [1, 1, 0, 1, 1]})
    plain = tmp_path / "s.fits"
    t.write(plain)
    packed = tmp_path / "s.fits.gz"
    with open(plain, "rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    spectrum = read_spectrum(packed)
    np.testing.assert_allclose(spectrum.wavelength, [0.45, 0.55, 0.65, 0.75])
    np.testing.assert_allclose(spectrum.reflectance, R)
    assert spectrum.name == "s"
    assert spectrum.notes == ("wavelengths in mm (declared in the file) converted to um",
                              "dropped 1 points with quality flag 0 (no data)")


def test_semicolon_csv_with_decimal_commas(tmp_path):
    text = "wavelength;reflectance\n" + "".join(f"{w / 1000:.2f};{r}\n".replace(".", ",") for w, r in zip(W_NM, R))
    spectrum = read_spectrum(_write(tmp_path, "s.csv", text))
    np.testing.assert_allclose(spectrum.wavelength, np.array(W_NM) / 1000)
    np.testing.assert_allclose(spectrum.reflectance, R)


def test_semicolon_csv_with_decimal_points(tmp_path):
    text = "".join(f"{w};{r};0.02\n" for w, r in zip(W_NM, R))
    spectrum = read_spectrum(_write(tmp_path, "s.csv", text))
    np.testing.assert_allclose(spectrum.error, 0.02)


def test_pandas_written_csv_with_its_index_column(tmp_path):
    pd = pytest.importorskip("pandas")
    path = tmp_path / "s.csv"
    pd.DataFrame({"wavelength": np.array(W_NM) / 1000, "reflectance": R}).to_csv(path)  # ",wavelength,..." header
    spectrum = read_spectrum(path)
    np.testing.assert_allclose(spectrum.wavelength, np.array(W_NM) / 1000)
    np.testing.assert_allclose(spectrum.reflectance, R)
    assert spectrum.notes == ("first column is a row index (as pandas writes it): ignored",)


def test_headerless_index_column_is_recognised(tmp_path):
    rows = [(i, w / 1000, r) for i, (w, r) in enumerate(zip(W_NM, R))]
    spectrum = read_spectrum(_write(tmp_path, "s.txt", _rows(rows)))
    np.testing.assert_allclose(spectrum.reflectance, R)


def test_fourth_column_of_whole_numbers_is_a_quality_flag(tmp_path):
    # MITHNEOS: the flag counts (1, 2, 3...), 0 means no data even when a value is written.
    rows = [(0.45, 0.9, 0.01, 1), (0.50, 5.0, 0.01, 0), (0.55, 1.0, 0.01, 3), (0.65, 1.1, 0.01, 2),
            (0.75, 1.15, 0.01, 1)]
    spectrum = read_spectrum(_write(tmp_path, "s.txt", _rows(rows)))
    np.testing.assert_allclose(spectrum.wavelength, [0.45, 0.55, 0.65, 0.75])
    assert spectrum.notes == ("dropped 1 points with quality flag 0 (no data)",)


def test_fourth_column_that_is_not_whole_numbers_is_not_a_flag(tmp_path):
    rows = [(0.45, 0.9, 0.01, 0.0), (0.55, 1.0, 0.01, 0.5), (0.65, 1.1, 0.01, 0.0), (0.75, 1.15, 0.01, 1.5)]
    spectrum = read_spectrum(_write(tmp_path, "s.txt", _rows(rows)))
    assert spectrum.wavelength.size == 4
    assert spectrum.notes == ("fourth column ignored: not whole numbers, so not a quality flag",)


def test_flag_column_found_by_name(tmp_path):
    text = "quality,refl,wave\n1,0.9,0.45\n0,0.95,0.5\n1,1.0,0.55\n1,1.1,0.65\n"
    spectrum = read_spectrum(_write(tmp_path, "s.csv", text))
    np.testing.assert_allclose(spectrum.wavelength, [0.45, 0.55, 0.65])


def test_minus_one_sentinels_are_dropped_with_a_note(tmp_path):
    # A near-infrared MITHNEOS segment: -1 -1 with flag 0 at the ends, a rescaled fill (-0.8, error -1) inside.
    rows = [(0.78, -1, -1, 0), (0.80, 0.95, 0.02, 1), (0.85, 1.0, 0.02, 2), (0.90, -0.8, -1, 0),
            (0.95, 1.05, 0.02, 2), (1.00, 1.1, 0.02, 1), (1.05, -1, -1, 0)]
    spectrum = read_spectrum(_write(tmp_path, "a000433.sp01.txt", _rows(rows, end="\r")))
    np.testing.assert_allclose(spectrum.wavelength, [0.80, 0.85, 0.95, 1.00])
    assert spectrum.notes == ("dropped 3 points with reflectance or error -1 (the archive's missing value)",)


def test_sentinels_without_a_flag_column(tmp_path):
    rows = [(0.65, -1, -1), (0.70, -1, -1), (0.80, 0.95, 0.02), (0.85, 1.0, 0.02), (0.90, 1.05, 0.02)]
    spectrum = read_spectrum(_write(tmp_path, "s.txt", _rows(rows)))
    np.testing.assert_allclose(spectrum.wavelength, [0.80, 0.85, 0.90])


def test_a_sentinel_row_with_a_blank_wavelength_field_is_dropped(tmp_path):
    # MITHNEOS sp65: "             -1.0000   -1.0000         0" as the last row (3 fields, read as w=-1).
    rows = [(0.80, 0.95, 0.02, 1), (0.85, 1.0, 0.02, 1), (0.90, 1.05, 0.02, 1)]
    text = _rows(rows) + "             -1.0000   -1.0000         0\n"
    spectrum = read_spectrum(_write(tmp_path, "s.txt", text))
    np.testing.assert_allclose(spectrum.wavelength, [0.80, 0.85, 0.90])


def test_all_zero_padding_rows_are_dropped(tmp_path):
    rows = [(0.45, 0.9, 0.01), (0.55, 1.0, 0.01), (0.65, 1.1, 0.01), (0, 0, 0), (0, 0, 0)]
    spectrum = read_spectrum(_write(tmp_path, "a006847.[2]", _rows(rows, sep="\t")))
    assert spectrum.wavelength.size == 3
    assert spectrum.notes == ("dropped 2 all-zero padding rows",)


def test_a_row_with_a_single_field_is_dropped_with_a_note(tmp_path):
    text = "0.80 0.95 0.02 1\n0.85 1.0 0.02 1\n    0.8700\n0.90 1.05 0.02 1\n"
    spectrum = read_spectrum(_write(tmp_path, "s.txt", text))
    assert spectrum.wavelength.size == 3
    assert spectrum.notes == ("dropped 1 incomplete row(s) holding a single field (line 3)",)


def test_lone_negative_amid_missing_points_is_an_artefact_but_next_to_data_it_is_refused(tmp_path):
    rows = [(0.65, -1, -1, 0), (0.66, -0.99, 7.8, 5), (0.67, -1, -1, 0), (0.80, 0.95, 0.02, 1),
            (0.85, 1.0, 0.02, 1), (0.90, 1.05, 0.02, 1)]
    spectrum = read_spectrum(_write(tmp_path, "s.txt", _rows(rows)))
    np.testing.assert_allclose(spectrum.wavelength, [0.80, 0.85, 0.90])
    assert any(note.startswith("dropped 1 negative value(s) isolated amid missing points") for note in spectrum.notes)
    rows[2] = (0.67, 0.9, 0.02, 1)  # now a measured neighbour: a real negative measurement
    with pytest.raises(SpectrumError, match=r"negative at 1 point"):
        read_spectrum(_write(tmp_path, "t.txt", _rows(rows)))


def _vis_nir(scale, *, nir_first=False, flags=True):
    """A visible segment (0.435-0.925 um, step 0.0025) then a near-infrared one (0.65-2.49 um, step 0.005, -1 below
    0.78 um as SpeX writes it) of one linear spectrum; the near-infrared one divided by ``scale``."""
    truth = lambda w: 1.0 + 0.1 * (w - 0.55)  # noqa: E731
    vis = np.round(np.arange(0.435, 0.9251, 0.0025), 4)
    nir = np.round(np.arange(0.65, 2.4901, 0.005), 4)
    vis_rows = [(w, round(truth(w), 6), 0.01, 0 if not flags else 1) for w in vis]
    nir_rows = [(w, -1, -1, 0) if w < 0.78 else (w, round(truth(w) / scale, 6), 0.02, 3) for w in nir]
    return (nir_rows + vis_rows) if nir_first else (vis_rows + nir_rows), truth


def test_overlapping_segments_are_merged_and_the_scale_factor_recovered(tmp_path):
    rows, truth = _vis_nir(1.032)
    spectrum = read_spectrum(_write(tmp_path, "a000433.sp201.txt", _rows(rows, end="\r")))
    assert np.all(np.diff(spectrum.wavelength) > 0)
    assert spectrum.wavelength[0] == 0.435 and spectrum.wavelength[-1] == 2.49
    np.testing.assert_allclose(spectrum.reflectance, truth(spectrum.wavelength), rtol=1e-5)
    merge = [n for n in spectrum.notes if n.startswith("merged 2 overlapping segments")]
    assert len(merge) == 1 and "scaled by 1.0320" in merge[0] and "overlap 0.78-0.925 um" in merge[0]
    assert "joined at 0.853 um" in merge[0]
    below = spectrum.wavelength < 0.8525
    np.testing.assert_allclose(np.diff(spectrum.wavelength[below]), 0.0025, atol=1e-9)  # visible points kept there
    np.testing.assert_allclose(spectrum.error[~below], 0.02 * 1.032)  # errors scaled with the segment


def test_near_infrared_first_is_still_scaled_to_the_visible(tmp_path):
    rows, truth = _vis_nir(0.95, nir_first=True)
    spectrum = read_spectrum(_write(tmp_path, "s.txt", _rows(rows)))
    np.testing.assert_allclose(spectrum.reflectance, truth(spectrum.wavelength), rtol=1e-5)
    assert any("scaled by 0.9500 to 0.435-0.925 um" in n for n in spectrum.notes)


def test_a_visible_segment_with_flag_0_everywhere_does_not_use_the_flag(tmp_path):
    rows, truth = _vis_nir(1.0, flags=False)  # the visible part came from a file without a flag column
    spectrum = read_spectrum(_write(tmp_path, "s.txt", _rows(rows)))
    assert spectrum.wavelength[0] == 0.435
    assert any(n.startswith("quality flag 0 at every point of the 0.435-0.925 um segment") for n in spectrum.notes)


def test_a_short_overlap_is_joined_unscaled_with_a_note(tmp_path):
    vis = [(w, 1.0, 0.01) for w in (0.45, 0.50, 0.55, 0.60, 0.65, 0.70)]
    nir = [(w, 2.0, 0.01) for w in (0.69, 0.75, 0.80, 0.85, 0.90, 0.95)]
    spectrum = read_spectrum(_write(tmp_path, "s.txt", _rows(vis + nir)))
    assert spectrum.reflectance[-1] == 2.0
    assert any(n.startswith("joined 2 segments without scaling") for n in spectrum.notes)


def test_error_column_of_zeros_means_no_errors(tmp_path):
    rows = [(0.435, 0.876, 0.0), (0.55, 1.0, 0.0), (0.65, 1.1, 0.0)]  # SMASS I a004062: tabs, CR, error 0
    spectrum = read_spectrum(_write(tmp_path, "a004062.[1]", _rows(rows, end="\r", sep="\t")))
    assert spectrum.error is None
    assert spectrum.notes == ("error column is 0 at every point: read as no errors given",)


def test_trailing_separators_and_an_empty_named_error_column(tmp_path):
    spectrum = read_spectrum(_write(tmp_path, "s.csv", "0.45,0.9,\n0.55,1.0,\n0.65,1.1,\n"))
    assert spectrum.error is None and spectrum.notes == ()
    spectrum = read_spectrum(_write(tmp_path, "t.csv", "wavelength;reflectance;error\n0,45;0,9;\n0,55;1;\n0,65;1,1;\n"))
    np.testing.assert_allclose(spectrum.wavelength, [0.45, 0.55, 0.65])
    assert spectrum.notes == ("error column 'error' is empty: ignored",)


def test_a_header_with_more_names_than_columns_falls_back_to_positions(tmp_path):
    spectrum = read_spectrum(_write(tmp_path, "s.txt", "wavelength reflectance error\n0.45 0.9\n0.55 1.0\n0.65 1.1\n"))
    np.testing.assert_allclose(spectrum.reflectance, [0.9, 1.0, 1.1])
    assert spectrum.notes == ("the header has 3 names for 2 columns: columns read by position",)


def test_a_unit_in_brackets_after_a_space_belongs_to_its_name(tmp_path):
    spectrum = read_spectrum(_write(tmp_path, "s.txt", "reflectance wavelength (nm)\n0.9 450\n1.0 550\n1.1 650\n"))
    np.testing.assert_allclose(spectrum.wavelength, [0.45, 0.55, 0.65])
    np.testing.assert_allclose(spectrum.reflectance, [0.9, 1.0, 1.1])
    assert spectrum.notes == ("wavelengths in nm (declared in the file) converted to um",)


def test_an_error_missing_on_some_rows_is_refused(tmp_path):
    with pytest.raises(SpectrumError, match=r"error is missing on 1 row\(s\) \(first on line 2\).*remove the error"):
        read_spectrum(_write(tmp_path, "s.txt", "w r e\n0.45 0.9\n0.55 1.0 0.1\n0.65 1.1 0.1\n"))


def test_derived_spectra_keep_the_notes(tmp_path):
    spectrum = read_spectrum(_write(tmp_path, "s.txt", _rows(zip([4400, 5500, 7000, 9200], R))))
    out = spectrum.resample([0.45, 0.55, 0.65]).normalise()
    assert out.notes == spectrum.notes and out.original is spectrum


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("# only a comment\n", "only comments"),
    ("0.45\n0.55\n0.65\n", "column"),
    ("wavelength,reflectance\n0.45,0.9\n0.55,abc\n0.65,1.1\n", "non-numeric value 'abc' on data row 2"),
    ("wavelength,reflectance\n0.45,0.9\n0.55,\n0.65,1.1\n", "an empty field on data row 2"),
    ("wavelength,reflectance\n0.45,0.9\n0.65,1.0\n0.55,1.1\n", "not sorted .*sort the rows"),
    ("wavelength,reflectance\n0.45,0.9\n0.55,-0.5\n0.65,1.1\n", "negative at 1 point.*check the calibration"),
    ("wavelength,reflectance\n0.45,0.9\n0.45,1.0\n0.65,1.1\n", "duplicate wavelengths 0.45: average or drop"),
    ("wavelength,reflectance\n45,0.9\n55,1.0\n65,1.1\n", "cannot tell the wavelength unit.*Pass unit="),
    ("wavelength,reflectance\n0.45,0.9\n0.55,nan\n0.65,1.1\n", "NaN/inf.*drop those rows"),
    ("0.45 0.9\n", "only 1 points: at least 3"),
    ("0.45 0.9 0.01 0\n0.55 1.0 0.01 0\n0.65 1.1 0.01 0\n", "no measured point: all 3 rows.*3 quality flag 0.*header"),
    ("0.45 -1 -1\n0.55 -1 -1\n", "no measured point: all 2 rows are missing"),
    ("wavelength,reflectance\n-0.45,0.9\n0.55,1.0\n0.65,1.1\n", "wavelength is -0.45 on line 2.*positive"),
    ("0.4 1\n0.5 1\n0.6 1\n0.7 1\n0.8 1\n0.9 1\n0.5 1\n0.6 1\n0.7 1\n0.8 1\n0.85 1\n", "lies within another"),
])
def test_unusable_files_raise_a_clear_error_naming_the_file(tmp_path, text, message):
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(SpectrumError, match=message) as error:
        read_spectrum(path)
    assert str(error.value).startswith(f"{path}: ")


def test_duplicate_wavelengths_within_a_segment_are_refused_not_merged(tmp_path):
    # SMASSNEO a000010: visible and near-infrared points interleaved in one sorted list, 0.935 twice.
    rows = [(0.925, 0.97, 0.004), (0.93, 0.97, 0.005), (0.935, 0.9855, 0.006), (0.935, 0.985, 0.002),
            (0.94, 0.97, 0.005)]
    with pytest.raises(SpectrumError, match="duplicate wavelengths 0.935"):
        read_spectrum(_write(tmp_path, "a000010.[4]", _rows(rows)))


def test_missing_file(tmp_path):
    with pytest.raises(SpectrumError, match="no such file"):
        read_spectrum(tmp_path / "nope.csv")
