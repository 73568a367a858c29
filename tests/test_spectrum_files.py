"""Reading spectrum files: formats, units, and a clear error for every malformed file."""

import numpy as np
import pytest

from astrokeras.spectra import SpectrumError
from astrokeras.spectrum_files import read_spectrum

W_NM = [450.0, 550.0, 650.0, 750.0]
R = [0.9, 1.0, 1.1, 1.15]


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_with_header_in_nm_and_errors(tmp_path):
    text = "Wavelength,Reflectance,Err\n" + "".join(f"{w},{r},0.01\n" for w, r in zip(W_NM, R))
    spectrum = read_spectrum(_write(tmp_path, "ceres.csv", text))
    np.testing.assert_allclose(spectrum.wavelength, np.array(W_NM) / 1000)
    np.testing.assert_allclose(spectrum.reflectance, R)
    np.testing.assert_allclose(spectrum.error, 0.01)
    assert spectrum.name == "ceres"


def test_columns_found_by_name_in_any_order(tmp_path):
    text = "refl\twave_um\n" + "".join(f"{r}\t{w / 1000}\n" for w, r in zip(W_NM, R))
    spectrum = read_spectrum(_write(tmp_path, "s.tsv", text))
    np.testing.assert_allclose(spectrum.wavelength, np.array(W_NM) / 1000)
    np.testing.assert_allclose(spectrum.reflectance, R)
    assert spectrum.error is None


def test_whitespace_text_without_header_and_with_comments(tmp_path):
    text = "# my spectrum\n# wavelength (um) reflectance\n" + "".join(f"  {w / 1000}   {r}\n" for w, r in zip(W_NM, R))
    spectrum = read_spectrum(_write(tmp_path, "s.txt", text))
    np.testing.assert_allclose(spectrum.reflectance, R)


def test_ecsv_declared_unit_is_used(tmp_path):
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


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("# only a comment\n", "only comments"),
    ("0.45\n0.55\n0.65\n", "column"),
    ("wavelength,reflectance\n0.45,0.9\n0.55,abc\n0.65,1.1\n", "non-numeric value 'abc' on data row 2"),
    ("wavelength,reflectance\n0.45,0.9\n0.65,1.0\n0.55,1.1\n", "not sorted"),
    ("wavelength,reflectance\n0.45,0.9\n0.55,-1.0\n0.65,1.1\n", "negative"),
    ("wavelength,reflectance\n0.45,0.9\n0.45,1.0\n0.65,1.1\n", "duplicate"),
    ("wavelength,reflectance\n45,0.9\n55,1.0\n65,1.1\n", "cannot tell the wavelength unit"),
])
def test_malformed_files_raise_a_clear_error_naming_the_file(tmp_path, text, message):
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(SpectrumError, match=message) as error:
        read_spectrum(path)
    assert "bad.csv" in str(error.value)


def test_missing_file(tmp_path):
    with pytest.raises(SpectrumError, match="no such file"):
        read_spectrum(tmp_path / "nope.csv")
