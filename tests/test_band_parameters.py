"""Band analysis on spectra built in code (known centres, depths, areas), the published calibrations, the Gaffey
regions and the clear refusals; one integration check on the real RELAB ordinary chondrites."""

import numpy as np
import pytest

from astrokeras.physics.band_parameters import (
    GAFFEY_REGIONS,
    band_centre,
    band_parameters,
    band_parameters_many,
    cloutis_pyroxene_fraction,
    continuum_removed,
    dunn_fayalite,
    dunn_ferrosilite,
    dunn_olivine_fraction,
    gaffey_subtypes,
    upper_hull,
)
from astrokeras.spectra import SpectrumError

W = np.round(np.arange(0.45, 2.4501, 0.005), 4)


def gaussian(centre, width, depth, w=W):
    return depth * np.exp(-0.5 * ((w - centre) / width) ** 2)


def two_band_spectrum(c1=0.98, c2=1.95, d1=0.25, d2=0.10, s1=0.09, s2=0.12, slope=0.1, w=W):
    """A continuum ``1 + slope (w - 0.45)`` times two Gaussian absorptions, plus a UV drop below 0.7 um."""
    continuum = 1.0 + slope * (w - 0.45)
    uv = 1.0 - 0.3 * np.clip((0.7 - w) / 0.25, 0, 1)
    return continuum * uv * (1.0 - gaussian(c1, s1, d1, w) - gaussian(c2, s2, d2, w))


@pytest.mark.parametrize("c1,c2", [(0.92, 1.90), (0.98, 1.95), (1.05, 2.02)])
@pytest.mark.parametrize("slope", [0.0, 0.3])
def test_centres_are_recovered_on_flat_and_red_continua(c1, c2, slope):
    p = band_parameters(W, two_band_spectrum(c1, c2, slope=slope))
    assert p.band_i_centre == pytest.approx(c1, abs=0.004)
    assert p.band_ii_centre == pytest.approx(c2, abs=0.006)
    assert p.band_i_depth == pytest.approx(0.25, abs=0.02)


def test_bar_follows_the_ratio_of_the_gaussian_areas():
    # Areas of Gaussian dips: depth * width * sqrt(2 pi); small overlap between the bands and the ends.
    for d2, s2 in [(0.05, 0.10), (0.10, 0.12), (0.15, 0.14)]:
        p = band_parameters(W, two_band_spectrum(d2=d2, s2=s2, slope=0.05))
        expected = (d2 * s2) / (0.25 * 0.09)
        assert p.bar == pytest.approx(expected, rel=0.1)
        assert p.band_i_area == pytest.approx(0.25 * 0.09 * np.sqrt(2 * np.pi), rel=0.1)


def test_shoulders_bracket_the_bands():
    p = band_parameters(W, two_band_spectrum())
    left_i, right_i, left_ii, right_ii = p.shoulders
    assert 0.6 <= left_i < 0.8 and 1.25 < right_i < 1.7 and 1.25 < left_ii < 1.7 and right_ii >= 2.3


def test_a_band_cut_by_the_red_end_is_flagged_open():
    closed = band_parameters(W, two_band_spectrum(c2=1.90, s2=0.10))
    wide_open = band_parameters(W, two_band_spectrum(c2=2.25, s2=0.15, d2=0.12))
    assert not closed.band_ii_open and wide_open.band_ii_open


def test_scale_does_not_change_the_parameters():
    r = two_band_spectrum()
    a, b = band_parameters(W, r), band_parameters(W, 7.0 * r)
    assert a.band_i_centre == pytest.approx(b.band_i_centre) and a.bar == pytest.approx(b.bar)


def test_noise_moves_the_centre_little():
    rng = np.random.default_rng(0)
    centres = [band_parameters(W, two_band_spectrum() * (1 + rng.normal(0, 0.003, W.size))).band_i_centre
               for _ in range(20)]
    assert abs(np.mean(centres) - 0.98) < 0.003 and np.std(centres) < 0.004


def test_continuum_removal_is_one_at_the_shoulders_and_divides():
    w = np.linspace(0.7, 1.5, 81)
    r = (1 + 0.5 * (w - 0.7)) * (1 - gaussian(1.0, 0.08, 0.3, w))
    bw, removed = continuum_removed(w, r, 0.7, 1.5)
    assert removed[0] == pytest.approx(1.0, abs=1e-3) and removed[-1] == pytest.approx(1.0, abs=1e-3)
    assert removed.min() == pytest.approx(0.7, abs=0.01)           # the dip alone, the slope divided out


def test_band_centre_of_an_asymmetric_band_lies_towards_its_wide_side_by_less_than_its_width():
    w = np.linspace(0.8, 1.3, 101)
    s = np.where(w < 1.0, 0.05, 0.12)
    centre, depth = band_centre(w, 1 - 0.3 * np.exp(-0.5 * ((w - 1.0) / s) ** 2))
    assert 1.0 < centre < 1.03 and depth == pytest.approx(0.3, abs=0.01)


def test_upper_hull_of_a_convex_dip_keeps_the_ends_only():
    x = np.linspace(0, 1, 11)
    assert upper_hull(x, (x - 0.5) ** 2).tolist() == [0, 10]
    assert upper_hull(x, -((x - 0.5) ** 2)).tolist() == list(range(11))


def test_refusals_say_what_is_missing():
    with pytest.raises(SpectrumError, match="2.3 um"):
        band_parameters(W[W <= 2.1], two_band_spectrum()[W <= 2.1])
    with pytest.raises(SpectrumError, match="Band I analysis needs"):
        band_parameters(W[W >= 0.9], two_band_spectrum()[W >= 0.9])
    with pytest.raises(SpectrumError, match="no Band II"):
        band_parameters(W, two_band_spectrum(d2=0.0))
    with pytest.raises(SpectrumError, match="no Band I"):
        band_parameters(W, two_band_spectrum(d1=0.002, d2=0.0))
    with pytest.raises(SpectrumError, match="one spectrum"):
        band_parameters(W, np.vstack([two_band_spectrum()] * 2))


def test_band_i_alone_when_band_ii_is_not_asked_for():
    cut = W <= 2.1
    p = band_parameters(W[cut], two_band_spectrum()[cut], band_ii=False)
    assert p.band_i_centre == pytest.approx(0.98, abs=0.004) and p.bar is None and p.band_ii_centre is None


def test_many_keeps_the_reason_of_each_refusal():
    params, errors = band_parameters_many(W, np.vstack([two_band_spectrum(), two_band_spectrum(d2=0.0)]))
    assert params[0] is not None and errors[0] is None
    assert params[1] is None and "no Band II" in errors[1]


def test_dunn_and_cloutis_calibrations_give_the_published_values():
    # Dunn et al. 2010: ol/(ol+px) = -0.242 BAR + 0.728; Fa, Fs quadratics in the Band I centre (um).
    assert dunn_olivine_fraction([0.0, 0.5, 1.0]) == pytest.approx([0.728, 0.607, 0.486])
    assert dunn_fayalite(1.0) == pytest.approx(-1284.9 + 2656.5 - 1342.3)
    assert dunn_ferrosilite(0.95) == pytest.approx(-879.1 * 0.9025 + 1824.9 * 0.95 - 921.7)
    # LL-like Band I centre ~1.0 um gives Fa ~29 and Fs ~24 mol% (the LL chondrite range); H-like 0.93 less.
    assert 27 < dunn_fayalite(1.0) < 31 and 22 < dunn_ferrosilite(1.0) < 26
    assert dunn_fayalite(0.93) < dunn_fayalite(1.0)
    # Cloutis et al. 1986: px/(ol+px) = 0.417 BAR + 0.052.
    assert cloutis_pyroxene_fraction(1.0) == pytest.approx(0.469)


def test_gaffey_regions_place_known_points():
    assert gaffey_subtypes(1.07, 0.1) == ["S(I)"]
    assert gaffey_subtypes(0.95, 0.7) == ["S(IV)"]
    assert gaffey_subtypes(0.935, 2.0) == ["BA"]          # Vesta-like: basaltic achondrites
    assert gaffey_subtypes(1.2, 3.0) == []
    assert set(GAFFEY_REGIONS) == {"S(I)", "S(II)", "S(III)", "S(IV)", "S(V)", "S(VI)", "S(VII)", "BA"}
    for polygons in GAFFEY_REGIONS.values():
        for polygon in polygons:
            assert polygon.shape[1] == 2 and np.all((polygon[:, 1] > 0.85) & (polygon[:, 1] < 1.15))


@pytest.mark.integration
def test_dunn_calibration_on_the_relab_ordinary_chondrites(mirror):
    from astrokeras.datasets import load_minerals

    data = load_minerals(normalised=True)
    sub = data.meta["SubType"].astype(str).str.strip()
    chondrites = np.flatnonzero(sub.str.fullmatch(r"(H|L|LL)\d").to_numpy())
    params, errors = band_parameters_many(data.wavelength, data.reflectance[chondrites])
    assert all(p is not None for p in params), errors
    meta = data.meta.iloc[chondrites]
    true = (meta["OL"] / (meta["OL"] + meta["OPX"] + meta["CPX"])).to_numpy()
    estimate = dunn_olivine_fraction([p.bar for p in params])
    # Dunn et al. calibrated on ordinary chondrites much like these: a few percentage points, not tens.
    known = np.isfinite(true)                              # the Burnwell spectra lack CPX/PLG labels
    assert known.sum() > 60 and np.sqrt(np.mean((estimate[known] - true[known]) ** 2)) < 0.08
