"""DeMeo et al. (2009) classification baseline: the published PCA, the pre-processing, the bands and the tree;
on the real korda2023 spectra, agreement with their published Bus-DeMeo labels."""

import time

import numpy as np
import pytest

from astrokeras.schemes.demeo_pca import (
    DEMEO_EIGENVECTORS,
    DEMEO_GRID,
    DEMEO_MEAN,
    DeMeoPCA,
    demeo_class,
    demeo_classify,
    demeo_preprocess,
    demeo_scores,
    demeo_templates,
    detect_band,
)
from astrokeras.schemes.taxonomy import VISNIR_11, base_class
from astrokeras.spectra import SpectrumError


def _spectrum41(pc):
    """The 41-point spectrum whose scores are ``pc``: the inverse of the projection, 1 at 0.55 um."""
    return np.insert(DEMEO_MEAN + DEMEO_EIGENVECTORS.T @ np.asarray(pc, dtype=float), 2, 1.0)


def _redden(w, r, slope):
    return r * (1.0 + slope * (w - 0.55))


def test_published_pca_shapes_and_grid():
    assert DEMEO_GRID.shape == (41,) and DEMEO_GRID[0] == 0.45 and DEMEO_GRID[2] == 0.55 and DEMEO_GRID[-1] == 2.45
    np.testing.assert_allclose(np.diff(DEMEO_GRID), 0.05, atol=1e-12)
    assert DEMEO_EIGENVECTORS.shape == (5, 40) and DEMEO_MEAN.shape == (40,)
    # Orthonormal to the 4 published decimals; a mistyped value would break this.
    np.testing.assert_allclose(DEMEO_EIGENVECTORS @ DEMEO_EIGENVECTORS.T, np.eye(5), atol=3e-4)
    # Slope-free (the eigenvectors of least-squares slope-removed spectra, 0 at 0.55 um).
    for vector in DEMEO_EIGENVECTORS:
        assert abs(np.polyfit(DEMEO_GRID, np.insert(vector, 2, 0.0), 1)[0]) < 1e-3
    assert 0.85 < DEMEO_MEAN.min() and DEMEO_MEAN.max() < 1.15


def test_scores_of_the_published_mean_are_zero():
    mean41 = np.insert(DEMEO_MEAN, 2, 1.0)
    np.testing.assert_allclose(demeo_scores(mean41), 0.0, atol=1e-12)
    assert demeo_scores(np.stack([mean41, mean41])).shape == (2, 5)
    with pytest.raises(SpectrumError, match="41 values"):
        demeo_scores(DEMEO_MEAN)


@pytest.mark.parametrize("a", [-0.5, 0.3, 1.0])
def test_scores_invert_the_projection(a):
    np.testing.assert_allclose(demeo_scores(_spectrum41([a, 0, 0, 0, 0])), [a, 0, 0, 0, 0], atol=2e-3 * max(1, abs(a)))
    pc = np.array([0.2, -0.1, 0.05, 0.03, -0.02])
    np.testing.assert_allclose(demeo_scores(_spectrum41(pc)), pc, atol=1e-3)
    # The PC index matters: the same amount of PC2' does not read as PC1'.
    assert abs(demeo_scores(_spectrum41([0, a, 0, 0, 0]))[0]) < 1e-3


def test_preprocess_least_squares_slope_normalisation_and_removal():
    w = np.linspace(0.45, 2.45, 401)
    base = np.interp(w, DEMEO_GRID, _spectrum41([0.3, 0, 0, 0, 0]))
    slope0, s0 = demeo_preprocess(w, 7.0 * base)          # scale-free: normalised at 0.55 um
    assert abs(slope0) < 0.01 and s0[2] == pytest.approx(1.0)
    np.testing.assert_allclose(demeo_scores(s0), [0.3, 0, 0, 0, 0], atol=0.02)
    slope, s41 = demeo_preprocess(w, _redden(w, base, 0.3))
    assert slope == pytest.approx(0.3, abs=0.02)
    np.testing.assert_allclose(demeo_scores(s41), demeo_scores(s0), atol=0.06)   # reddening is (mostly) removed
    # A straight line is removed exactly; the slope is the least-squares one, not the end points'.
    slope_line, flat = demeo_preprocess(w, _redden(w, np.ones_like(w), 0.2))
    assert slope_line == pytest.approx(0.2, rel=1e-6) and np.allclose(flat, 1.0)
    curved = 1.0 + 0.2 * (w - 0.55) + 0.1 * (w - 1.45) ** 2
    expected = np.polyfit(DEMEO_GRID, np.interp(DEMEO_GRID, w, curved) / np.interp(0.55, w, curved), 1)[0]
    assert demeo_preprocess(w, curved)[0] == pytest.approx(expected, rel=1e-9)


def test_slope_rule_gives_the_weathered_label():
    w = np.linspace(0.45, 2.45, 401)
    s_like = np.interp(w, DEMEO_GRID, _spectrum41([0.3, 0, 0, 0, 0]))
    assert demeo_class(w, s_like) == "S"
    red = demeo_classify(w, _redden(w, s_like, 0.3))
    assert red.label == "Sw" and red.slope == pytest.approx(0.3, abs=0.02)
    assert demeo_class(w, _redden(w, s_like, 0.2)) == "S"   # below 0.25 /um: no suffix


@pytest.mark.parametrize(("pc1", "pc2", "label"), [
    (0.3, 0.0, "S"), (-0.15, 0.0, "Sq"), (0.4, 0.1, "Sr"), (0.75, 0.05, "Sv"),
    (1.0, 0.9, "V"), (0.05, 0.4, "R"), (-0.5, 0.1, "Q"), (-0.7, 0.6, "O"),
])
def test_the_pc1_pc2_regions_of_step_2(pc1, pc2, label):
    assert demeo_class(DEMEO_GRID, _spectrum41([pc1, pc2, 0, 0, 0])) == label


def test_a_spectrum_short_of_the_range_raises_with_the_range():
    w = np.linspace(0.45, 2.30, 186)
    with pytest.raises(SpectrumError, match=r"0\.45-2\.45 um") as err:
        demeo_preprocess(w, np.ones_like(w))
    assert "2.300" in str(err.value)
    with pytest.raises(SpectrumError, match=r"0\.45-2\.45 um"):
        demeo_class(np.linspace(0.55, 2.45, 100), np.ones(100))
    # One grid step short at each end is allowed (the end value is held).
    w_short = np.linspace(0.50, 2.40, 191)
    slope, s41 = demeo_preprocess(w_short, np.ones_like(w_short))
    assert slope == pytest.approx(0.0, abs=1e-12) and np.allclose(s41, 1.0)


def test_band_detection():
    w = np.arange(0.45, 1.2, 0.005)
    continuum = 1 + 0.2 * (w - 0.55)
    for name, centre in (("e", 0.495), ("h", 0.70), ("k", 0.905)):
        band = continuum * (1 - 0.04 * np.exp(-0.5 * ((w - centre) / 0.02) ** 2))
        fit = detect_band(w, band, name)
        assert fit.observed and fit.present and fit.centre == pytest.approx(centre, abs=0.01), name
        assert not detect_band(w, continuum, name).present, name
        # A shallow band counts only below the depth threshold.
        shallow = continuum * (1 - 0.004 * np.exp(-0.5 * ((w - centre) / 0.02) ** 2))
        assert not detect_band(w, shallow, name).present and detect_band(w, shallow, name, min_depth=0.001).present
    # A band far from the expected centre is not the h band.
    off = continuum * (1 - 0.04 * np.exp(-0.5 * ((w - 0.60) / 0.02) ** 2))
    assert not detect_band(w, off, "h").present
    # On DeMeo's 0.05 um grid the e window holds one point: not observed.
    assert not detect_band(DEMEO_GRID, np.ones(41), "e").observed
    with pytest.raises(ValueError, match="band must be"):
        detect_band(w, continuum, "x")


def test_templates_and_the_estimator():
    t = demeo_templates({"C": np.ones(41), "X": _redden(DEMEO_GRID, np.ones(41), 0.2)})
    assert set(t) == {"C", "X"} and np.allclose(t["X"], 1.0)
    s_like = _spectrum41([0.3, 0, 0, 0, 0])
    model = DeMeoPCA().fit()
    out = model.predict([(DEMEO_GRID, s_like), (DEMEO_GRID, _redden(DEMEO_GRID, s_like, 0.3))])
    assert isinstance(out, np.ndarray) and out.dtype.kind == "U" and out.tolist() == ["S", "Sw"]
    short = (np.linspace(0.45, 1.0, 20), np.ones(20))
    with pytest.raises(SpectrumError):
        model.predict([short])
    assert DeMeoPCA(strict=False).predict([short, (DEMEO_GRID, s_like)]).tolist() == ["", "S"]
    assert model.predict([]).shape == (0,)


# ---------------------------------------------------------------------------------------------------------------
# On the real data (korda2023 asteroid spectra with their published labels, slopes and PC scores)


@pytest.fixture(scope="module")
def korda(mirror):
    from astrokeras import datasets

    data = datasets.load_busdemeo()
    templates = datasets.load_demeo_templates()
    model = DeMeoPCA(templates)
    start = time.perf_counter()
    results = model.classify([(data.wavelength, r) for r in data.reflectance])
    seconds = (time.perf_counter() - start) / len(results)
    return data, results, seconds


@pytest.mark.integration
def test_korda2023_slopes_and_scores_match_the_published_ones(korda):
    data, results, _ = korda
    slope = np.array([r.slope for r in results])
    scores = np.array([r.scores for r in results])
    assert np.median(np.abs(slope - data.meta["slope"])) < 0.005   # measured 0.0008
    for i in range(5):
        published = data.meta[f"PC{i + 1}"].to_numpy(float)
        assert np.median(np.abs(scores[:, i] - published)) < 0.03, i   # measured 0.002-0.009
        assert np.corrcoef(scores[:, i], published)[0, 1] > 0.85, i    # measured 0.90-0.997


@pytest.mark.integration
def test_korda2023_agreement_with_the_published_labels(korda):
    data, results, seconds = korda
    labels = data.meta["bus_demeo"].tolist()
    predicted = [r.label for r in results]
    exact = np.mean([p == lab for p, lab in zip(predicted, labels)])
    base = np.mean([base_class(p) == base_class(lab) for p, lab in zip(predicted, labels)])
    kept = [(p, lab) for p, lab in zip(predicted, labels) if VISNIR_11.map(lab) is not None]
    eleven = np.mean([VISNIR_11.map(p) == VISNIR_11.map(lab) for p, lab in kept])
    # Measured with DeMeo's templates: 0.799 (with the w suffix), 0.810 (suffixes stripped), 0.882 (11 classes,
    # 586 kept). Chance (the most frequent class) is 0.35 / 0.53.
    assert exact >= 0.7 and base >= 0.7 and eleven >= 0.8, (exact, base, eleven)
    assert sum(p == "" for p in predicted) <= 15                     # measured 5
    by_designation = dict(zip(data.meta["designation"], predicted))
    assert base_class(by_designation["4"]) == "V" and by_designation["349"] == "R"   # Vesta, Dembowska
    assert seconds < 0.05                                            # measured ~0.3 ms per 401-band spectrum
