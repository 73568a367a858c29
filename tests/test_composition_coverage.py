"""The composition coverage table: the filled ends the CNN reads, the windows, a quick run on the real data."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astrokeras.reproduce.composition_coverage_folds import (
    CNN_WINDOWS,
    WINDOWS,
    fill_uncovered_ends,
)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 9), st.integers(0, 9))
def test_filled_ends_keep_the_covered_bands_and_copy_the_nearest_one(seed, cut_low, cut_high):
    rng = np.random.default_rng(seed)
    spectra = rng.uniform(0.1, 2.0, (3, 20))
    mask = np.zeros(20, bool)
    mask[cut_low:20 - cut_high] = True
    out = fill_uncovered_ends(spectra, mask)
    covered = np.flatnonzero(mask)
    np.testing.assert_array_equal(out[:, covered[0]:covered[-1] + 1], spectra[:, covered[0]:covered[-1] + 1])
    np.testing.assert_array_equal(out[:, :covered[0]], np.repeat(spectra[:, [covered[0]]], covered[0], axis=1))
    np.testing.assert_array_equal(out[:, covered[-1] + 1:],
                                  np.repeat(spectra[:, [covered[-1]]], 19 - covered[-1], axis=1))
    before = spectra.copy()
    fill_uncovered_ends(spectra, mask)
    np.testing.assert_array_equal(spectra, before)   # the input is not changed in place


def test_a_gap_inside_the_window_is_left_alone():
    spectra = np.arange(6, dtype=float)[None]
    mask = np.array([False, True, False, True, True, False])
    assert fill_uncovered_ends(spectra, mask).tolist() == [[1.0, 1.0, 2.0, 3.0, 4.0, 4.0]]


def test_the_cnn_answers_only_where_its_normalisation_band_is_covered():
    assert CNN_WINDOWS == tuple(name for name, (low, high) in WINDOWS.items() if low <= 0.55 <= high)
    assert "0.45-2.45" in CNN_WINDOWS and "0.82-2.08" in WINDOWS and "0.78-2.45" not in CNN_WINDOWS


@pytest.mark.integration
def test_quick_composition_coverage_table_on_the_real_data(mirror, tmp_path):
    import keras

    from astrokeras.reproduce.composition_coverage_table import (
        BLEND,
        CNN,
        NET,
        SPEX,
        format_composition_coverage,
        net_name,
        run_composition_coverage_table,
    )
    from astrokeras.reproduce.main_job import ALL_TABLES
    from astrokeras.reproduce.results_page import FOLD_FOLDERS, TITLES

    result = run_composition_coverage_table(output=tmp_path, quick=True, only_folds=(1,))
    rows = {(r["method"], r["window"]): r for r in result["rows"]}
    assert {w for m, w in rows if m == NET} == set(WINDOWS)
    assert {w for m, w in rows if m == CNN} == {w for m, w in rows if m == BLEND} == set(CNN_WINDOWS)
    assert not rows[(CNN, "0.45-2.45")].get("coverage_1sigma")     # the single CNN gives no 1-sigma
    assert rows[(BLEND, "0.45-2.45")]["coverage_1sigma"]["modal"] > 0
    # the windows differ for the network (its mask changes what it reads)
    assert rows[(NET, "0.45-2.45")]["subsets"]["all"]["modal_rmse"] != rows[(NET, "0.82-2.08")]["subsets"]["all"][
        "modal_rmse"]
    # the network with SpeX-window copies answers on every window, and its choice is made on validation scores
    assert {w for m, w in rows if m == SPEX} == set(WINDOWS)
    lever = result["spex_lever"]
    assert set(lever["validation"]) == set(WINDOWS) and isinstance(lever["kept"], bool)
    assert all(0 < v[NET] < 2 and 0 < v[SPEX] < 2 for v in lever["validation"].values())
    assert result["per_unit"][0]["spex"]["window_copies"] > 0
    # a second seed trains both networks again, paired, and the rule is also read over both seeds
    assert {w for m, w in rows if m == net_name(1, True)} == {w for m, w in rows if m == net_name(1, False)} == set(
        WINDOWS)
    assert lever["seeds"] == [0, 1] and set(lever["over_seeds"]["validation"]) == set(WINDOWS)
    assert lever["over_seeds"]["validation"]["0.78-2.45"][NET] != lever["validation"]["0.78-2.45"][NET]
    assert rows[(SPEX, "0.78-2.45")]["subsets"]["all"]["modal_rmse"] != rows[(NET, "0.78-2.45")]["subsets"]["all"][
        "modal_rmse"]
    shares = result["per_fold"][0]["chosen_apart"]
    assert set(shares) == {"modal", "chemistry"}
    folder = tmp_path / "folds" / "composition-coverage-quick"
    saved = keras.saving.load_model(folder / "fold1-cnn.keras")     # the models are kept for later windows
    assert saved.input_shape[-1] == 201 and (folder / "fold1-net.keras").is_file()
    text = format_composition_coverage(result)
    assert "0.78-2.45" in text and "fold 1" in text and "held out, modal RMSE all (pp), mean over seeds [0, 1]" in text
    again = run_composition_coverage_table(output=tmp_path, quick=True, only_folds=(1,))   # read back, not retrained
    assert again["rows"] == result["rows"] and again["seconds"] < result["seconds"]
    assert "composition-coverage" in ALL_TABLES and "composition-coverage" in TITLES
    assert "composition-coverage" in FOLD_FOLDERS


def _row(method, window, rmse):
    return {"method": method, "window": window, "coverage_1sigma": {"modal": 0.6},
            "subsets": {"all": {"modal_rmse_pp": rmse, "chemistry_pp": {"Fa": rmse / 2}},
                        "mixtures": {"modal_rmse_pp": rmse - 1}}}


def test_the_card_takes_per_window_the_row_of_the_model_that_answers_there(tmp_path):
    import json

    from astrokeras.reproduce.composition_coverage_table import BLEND, NET
    from astrokeras.reproduce.presets import window_metrics

    table = {"folds": [1, 2, 3, 4, 5], "of_folds": 5, "protocol": "p",
             "windows": {"0.45-2.45": [0.45, 2.45], "0.47-2.45": [0.47, 2.45], "0.78-2.45": [0.78, 2.45]},
             "rows": [_row(NET, "0.45-2.45", 16.0), _row(BLEND, "0.45-2.45", 15.0), _row(NET, "0.47-2.45", 16.5),
                      _row(BLEND, "0.47-2.45", 15.5), _row(NET, "0.78-2.45", 18.0)]}
    (tmp_path / "tablecomposition-coverage.json").write_text(json.dumps(table))
    found = window_metrics(tmp_path)
    assert found["0.45-2.45"]["method"] == BLEND and found["0.45-2.45"]["modal_rmse_pp"] == 15.0
    assert found["0.47-2.45"]["method"] == BLEND and found["0.78-2.45"]["method"] == NET   # the SpeX window: no CNN
    assert found["0.78-2.45"]["Fa_rmse_mol_pct"] == 9.0 and found["0.78-2.45"]["mixtures_modal_rmse_pp"] == 17.0
    (tmp_path / "tablecomposition-coverage.json").write_text(json.dumps({**table, "folds": [1, 2]}))
    assert window_metrics(tmp_path) is None            # some folds only: no card figure
    assert window_metrics(tmp_path / "absent") is None


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.1, 1.5))
def test_window_copies_repeat_full_rows_with_spex_like_masks(seed, share):
    from astrokeras.training.composition_windows import SPEX_START_UM, window_copies

    grid = np.round(np.arange(0.45, 2.451, 0.01), 2)
    rng = np.random.default_rng(seed)
    spectra = rng.uniform(0.5, 1.5, (12, len(grid))).astype("float32")
    masks = np.ones_like(spectra)
    masks[:4, grid > 2.08] = 0                                   # rows already cut (NIRS copies) are not copied
    targets = {"modal": np.arange(12 * 4, dtype="float32").reshape(12, 4)}
    inputs, more = window_copies({"spectrum": spectra, "mask": masks}, targets, grid, share, rng)
    added = len(inputs["mask"]) - 12
    assert added == round(share * 8)
    np.testing.assert_array_equal(inputs["mask"][:12], masks)
    for row in range(12, 12 + added):
        covered = np.flatnonzero(inputs["mask"][row])
        assert SPEX_START_UM[0] - 0.01 <= grid[covered[0]] <= SPEX_START_UM[1] + 0.01
        assert grid[covered[-1]] >= 2.36 and len(covered) == covered[-1] - covered[0] + 1
        source = np.flatnonzero((spectra == inputs["spectrum"][row]).all(axis=1))
        assert len(source) == 1 and source[0] >= 4                # a full-coverage row, its targets with it
        np.testing.assert_array_equal(more["modal"][row], targets["modal"][source[0]])
