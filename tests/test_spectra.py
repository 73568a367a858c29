import numpy as np
import pytest

from astrokeras.spectra import (
    Spectrum, SpectrumError, check_coverage, detect_unit, micron_scale, normalise, paper_grid, resample, to_micron,
    validate,
)

W = np.array([0.40, 0.50, 0.60, 0.70, 0.80])
R = np.array([0.9, 1.0, 1.1, 1.2, 1.3])


@pytest.mark.parametrize(
    "wavelength, reflectance, message",
    [
        (W, [0.9, np.nan, 1.1, 1.2, 1.3], "NaN/inf"),
        (W, [0.9, 1.0, -0.1, 1.2, 1.3], "negative"),
        ([0.4, 0.6, 0.5, 0.7, 0.8], R, "not sorted"),
        ([0.4, 0.5, 0.5, 0.7, 0.8], R, "duplicate wavelengths 0.5"),
        (W[:2], R[:2], "only 2 points"),
        (W, R[:4], "does not match 5 wavelengths"),
        ([0.4, np.inf, 0.6, 0.7, 0.8], R, "wavelength has 1 NaN/inf"),
        ([-0.4, 0.5, 0.6, 0.7, 0.8], R, "wavelength is zero or negative at 1 point"),
    ],
)
def test_validate_names_the_problem(wavelength, reflectance, message):
    with pytest.raises(SpectrumError, match=message):
        validate(wavelength, reflectance)


def test_validate_points_at_the_bad_wavelength():
    with pytest.raises(SpectrumError, match=r"at 0\.6 um"):
        validate(W, [0.9, 1.0, -0.5, 1.2, 1.3])


def test_validate_accepts_a_good_spectrum_and_bad_errors_are_refused():
    validate(W, R, error=np.full(5, 0.01))
    with pytest.raises(SpectrumError, match="errors must be finite"):
        validate(W, R, error=[0.01, -0.01, 0.01, 0.01, 0.01])


def test_unit_detection():
    assert to_micron([450.0, 950.0]).tolist() == [0.45, 0.95]
    assert to_micron([0.45, 2.45]).tolist() == [0.45, 2.45]
    assert to_micron([4500.0], unit="nm").tolist() == [4.5]
    with pytest.raises(SpectrumError, match="cannot tell the wavelength unit"):
        to_micron([45.0, 95.0])
    with pytest.raises(SpectrumError, match="cannot tell the wavelength unit"):
        to_micron([4400.0, 70000.0])  # beyond 6 um in Angstrom: not an asteroid reflectance spectrum
    with pytest.raises(SpectrumError, match="unknown wavelength unit 'furlong'"):
        to_micron([0.5], unit="furlong")
    with pytest.raises(SpectrumError, match="unknown wavelength unit 'Hz'"):
        to_micron([0.5], unit="Hz")  # a unit, but not a length


def test_nm_up_to_5500_and_angstrom_above():
    # SMASS I is in Angstrom (4300..10000); near-infrared spectra in nm end at 2500..5000.
    assert detect_unit([4400.0, 9911.0]) == "angstrom"
    assert detect_unit([800.0, 5000.0]) == "nm"
    assert detect_unit([800.0, 5500.0]) == "nm" and detect_unit([4000.0, 5501.0]) == "angstrom"
    assert to_micron([4400.0, 5500.0, 9200.0]).tolist() == [0.44, 0.55, 0.92]  # exact, not 0.5500000000000001


def test_any_length_unit_through_astropy():
    pytest.importorskip("astropy")
    assert to_micron([4400.0, 9200.0], unit="Angstrom").tolist() == [0.44, 0.92]
    assert to_micron([0.00045], unit="mm").tolist() == [0.45]
    np.testing.assert_allclose(to_micron([4.5e-7], unit="m"), [0.45], rtol=1e-12)
    assert micron_scale("nanometre") == (1.0, 1000.0)


def test_resample_is_exact_on_a_linear_spectrum_and_works_on_rows():
    grid = paper_grid(0.45, 0.75)
    out = resample(W, 2.0 * W + 0.1, grid)
    np.testing.assert_allclose(out, 2.0 * grid + 0.1)
    rows = np.stack([W, 3.0 * W])
    np.testing.assert_allclose(resample(W, rows, grid), np.stack([grid, 3.0 * grid]))


def test_resample_refuses_a_grid_it_does_not_cover_and_says_which_part():
    with pytest.raises(SpectrumError, match=r"missing 0\.8-0\.92 um"):
        resample(W, R, paper_grid(0.44, 0.92))
    with pytest.raises(SpectrumError, match=r"missing 0\.3-0\.4 um and 0\.8-0\.9 um"):
        check_coverage(W, [0.3, 0.9])


def test_normalise_at_055_and_errors_scale_with_it():
    r, e = normalise(W, R, 0.55, error=np.full(5, 0.105))
    assert r[1] < 1.0 < r[2]
    np.testing.assert_allclose(np.interp(0.55, W, r), 1.0)
    np.testing.assert_allclose(e, 0.1)
    with pytest.raises(SpectrumError, match="cannot normalise at 1.2 um"):
        normalise(W, R, 1.2)


def test_spectrum_keeps_its_original_through_a_chain_of_steps():
    s = Spectrum(W * 1000, R, np.full(5, 0.01), unit="nm", name="433")
    out = s.resample([0.45, 0.55, 0.65]).normalise()
    assert out.original is s
    np.testing.assert_allclose(out.reflectance[1], 1.0)
    np.testing.assert_allclose(out.original.reflectance, R)
    assert s.covers([0.45, 0.75]) and not s.covers([0.45, 0.92])


def test_notes_travel_with_derived_spectra_and_default_to_none():
    assert Spectrum(W, R).notes == ()
    s = Spectrum(W, R, notes=["wavelengths in Angstrom converted to um", "dropped 2 points with flag 0"])
    out = s.resample([0.45, 0.55, 0.65]).normalise()
    assert out.notes == s.notes == ("wavelengths in Angstrom converted to um", "dropped 2 points with flag 0")
    assert Spectrum(W, R, notes="one step").notes == ("one step",)


def test_spectrum_refuses_empty_input():
    with pytest.raises(SpectrumError, match="empty"):
        Spectrum([], [])


def test_input_arrays_are_not_modified():
    w, r = W.copy(), R.copy()
    normalise(w, r)
    resample(w, r, [0.45, 0.55])
    assert np.array_equal(w, W) and np.array_equal(r, R)
