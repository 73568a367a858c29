"""Space weathering (Brunetto et al. 2006's continuum), the training copies it makes, and the composition levers
table that measures them (quick, on the real mirror)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astrokeras.physics.band_parameters import band_parameters
from astrokeras.physics.space_weathering import C_S_RANGE, weathered
from astrokeras.training.composition import CompositionConfig, training_arrays

GRID = np.round(np.arange(0.45, 2.451, 0.01), 2)


def chondrite_like():
    """A spectrum with a 1 um and a 2 um band on a flat continuum (absolute reflectance)."""
    dip = lambda c, s, d: d * np.exp(-0.5 * ((GRID - c) / s) ** 2)  # noqa: E731
    return 0.3 - dip(0.95, 0.1, 0.08) - dip(1.95, 0.2, 0.04)


@settings(max_examples=30, deadline=None)
@given(st.floats(-1.0, -0.01))
def test_weathering_reddens_keeps_0_55_and_is_a_pure_continuum(c_s):
    fresh = chondrite_like()[None]
    out = weathered(GRID, fresh, c_s)
    assert out[0, np.argmin(np.abs(GRID - 0.55))] == pytest.approx(1.0)
    assert out[0, -1] / out[0, 10] > fresh[0, -1] / fresh[0, 10]            # redder
    ratio = out / fresh
    expected = np.exp(c_s / GRID)
    np.testing.assert_allclose(ratio[0] / ratio[0, 0], expected / expected[0], rtol=1e-10)


def test_band_centres_barely_move_under_weathering():
    """The premise of the lever: the continuum changes, the bands stay (a weathered ordinary chondrite's Band I
    centre moves by much less than the 0.05 um between olivine- and pyroxene-rich assemblages)."""
    fresh = band_parameters(GRID, chondrite_like())
    red = band_parameters(GRID, weathered(GRID, chondrite_like()[None], C_S_RANGE[0])[0])
    assert abs(red.band_i_centre - fresh.band_i_centre) < 0.01
    assert abs(red.band_ii_centre - fresh.band_ii_centre) < 0.03


def test_weathering_refuses_a_positive_c_s_and_takes_one_value_per_spectrum():
    with pytest.raises(ValueError, match="C_S must be <= 0"):
        weathered(GRID, chondrite_like()[None], 0.1)
    two = weathered(GRID, np.stack([chondrite_like()] * 2), np.array([0.0, -0.3]))
    assert two[0, -1] < two[1, -1]


def toy_data(n=40, seed=0):
    """A CompositionData of n random modal mixtures of chondrite-like spectra with shifted bands."""
    import pandas as pd

    from astrokeras.datasets.relab_composition import CompositionData

    rng = np.random.default_rng(seed)
    modal = rng.dirichlet(np.ones(4), n)
    absolute = np.stack([np.roll(chondrite_like(), k) for k in rng.integers(-5, 5, n)]) * (1 + modal[:, :1])
    chemistry = np.full((n, 5), np.nan)
    meta = pd.DataFrame({"SampleID": [f"S{i}" for i in range(n)]})
    index = np.argmin(np.abs(GRID - 0.55))
    return CompositionData(GRID, absolute / absolute[:, index:index + 1], absolute, modal, chemistry, np.arange(n),
                           meta)


def test_training_arrays_add_weathered_copies_with_their_labels():
    data = toy_data(40)
    config = CompositionConfig(weathering_share=0.5, nirs_share=0.0)
    inputs, targets = training_arrays(data, np.arange(40), config, np.random.default_rng(0))
    assert len(inputs["spectrum"]) == 60
    copies = inputs["spectrum"][40:]
    # each copy is one real spectrum times exp(C_S / lambda), renormalised: find it by its labels
    for copy, modal in zip(copies, targets["modal"][40:]):
        parent = np.flatnonzero(np.all(np.isclose(data.modal, modal, atol=1e-6), axis=1))[0]
        ratio = copy / data.spectra[parent]
        log_ratio = np.log(ratio / ratio[0])
        c_s = log_ratio[-1] / (1 / data.grid[-1] - 1 / data.grid[0])
        assert C_S_RANGE[0] - 1e-6 <= c_s <= C_S_RANGE[1] + 1e-6
        np.testing.assert_allclose(log_ratio, c_s * (1 / data.grid - 1 / data.grid[0]), atol=1e-5)
    none, _ = training_arrays(data, np.arange(40), CompositionConfig(nirs_share=0.0), np.random.default_rng(0))
    assert len(none["spectrum"]) == 40


def test_the_lever_rule_reads_validation_scores_only():
    from astrokeras.reproduce.composition_levers import kept

    base = {"validation_score": 0.20, "validation_score_weathered": 0.30}
    assert kept(base, {"validation_score": 0.205, "validation_score_weathered": 0.25})
    assert not kept(base, {"validation_score": 0.25, "validation_score_weathered": 0.25})   # fresh 25% worse
    assert not kept(base, {"validation_score": 0.19, "validation_score_weathered": 0.31})   # weathered no better


@pytest.mark.integration
def test_quick_composition_levers_on_the_real_data(mirror, tmp_path):
    from astrokeras.reproduce.composition_levers import format_composition_levers, run_composition_levers

    result = run_composition_levers(output=tmp_path, quick=True, only_folds=(1,))
    assert [r["lever"] for r in result["rows"]] == ["baseline", "weathering"]
    for row in result["rows"]:
        assert set(row["conditions"]) == {"fresh", "weathered", "weathered_nirs"}
        assert row["conditions"]["fresh"]["subsets"]["all"]["n"] > 100
    fresh = result["rows"][0]["conditions"]["fresh"]["subsets"]["all"]["modal_rmse"]
    red = result["rows"][0]["conditions"]["weathered"]["subsets"]["all"]["modal_rmse"]
    assert fresh != red                                             # the weathered copies are other inputs
    assert result["asteroids"]["weathering"]["itokawa"]["OL"] > 0
    assert (tmp_path / "tablecomposition-levers.json").is_file()
    text = format_composition_levers(result)
    assert "Dunn et al. 2010" in text and "Itokawa" in text
    again = run_composition_levers(output=tmp_path, quick=True, only_folds=(1,))     # read back from saved folds
    assert again["rows"] == result["rows"]
