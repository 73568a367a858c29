import numpy as np
import pytest

from astrokeras.spectra import (
    Spectrum, SpectrumError, check_coverage, normalise, paper_grid, resample, to_micron, validate,
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
    with pytest.raises(SpectrumError, match="unknown wavelength unit"):
        to_micron([0.5], unit="angstrom")


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


def test_spectrum_refuses_empty_input():
    with pytest.raises(SpectrumError, match="empty"):
        Spectrum([], [])


def test_input_arrays_are_not_modified():
    w, r = W.copy(), R.copy()
    normalise(w, r)
    resample(w, r, [0.45, 0.55])
    assert np.array_equal(w, W) and np.array_equal(r, R)
