"""The composition blend table: the blend, the weight chosen on validation, where the error sits, a quick run."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astrokeras.reproduce.composition_blend_table import (
    blend,
    choose_weight,
    choose_weights_apart,
    error_concentration,
    low_ca_clinopyroxenes,
    worst_spectra,
)


class _Data:
    """The few fields of a CompositionData that the blend reads."""

    def __init__(self, modal, chemistry):
        self.modal, self.chemistry = np.asarray(modal, float), np.asarray(chemistry, float)
        self.meta = pd.DataFrame({"SampleID": [f"S{i}" for i in range(len(modal))], "Type1": "Pyroxene",
                                  "SubType": ["Pigeonite"] + ["Augite"] * (len(modal) - 1)})


def _softmax(rng, rows):
    x = rng.uniform(size=(rows, 4))
    return x / x.sum(axis=1, keepdims=True)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 1.0))
def test_a_blend_of_fractions_is_fractions_between_its_parts(seed, weight):
    rng = np.random.default_rng(seed)
    a, b = {"modal": _softmax(rng, 5)}, {"modal": _softmax(rng, 5)}
    out = blend(a, b, weight, keys=("modal",))["modal"]
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-9)
    assert np.all(out >= np.minimum(a["modal"], b["modal"]) - 1e-12)
    assert np.all(out <= np.maximum(a["modal"], b["modal"]) + 1e-12)


def test_the_weight_is_the_one_that_scores_best_on_the_validation_rows():
    rng = np.random.default_rng(0)
    true = _softmax(rng, 40)
    chemistry = rng.uniform(0.1, 0.9, (40, 5))
    data = _Data(true, chemistry)
    exact = {"modal": true, "chemistry": chemistry}
    off = {"modal": np.roll(true, 1, axis=1), "chemistry": 1.0 - chemistry}
    weight, scores = choose_weight(exact, off, data, np.arange(40))
    assert weight == 1.0 and scores[1.0] < 1e-9 < scores[0.9]        # the exact network alone
    weight, _ = choose_weight(off, exact, data, np.arange(40))
    assert weight == 0.0                                               # the arguments swapped: the other end
    between = {"modal": 0.5 * (true + off["modal"]), "chemistry": 0.5 * (chemistry + off["chemistry"])}
    assert choose_weight(off, between, data, np.arange(40))[0] == 0.0   # the nearer one, even alone
    rows = np.arange(20, 40)                                           # the answers are those of `rows`, in order
    assert choose_weight({k: v[rows] for k, v in exact.items()}, {k: v[rows] for k, v in off.items()}, data,
                         rows)[0] == 1.0


def test_apart_the_modal_and_the_chemistry_weights_follow_their_own_error():
    rng = np.random.default_rng(1)
    true = _softmax(rng, 30)
    chemistry = rng.uniform(0.1, 0.9, (30, 5))
    data = _Data(true, chemistry)
    good_modal = {"modal": true, "chemistry": 1.0 - chemistry}          # right modal, wrong chemistry
    good_chemistry = {"modal": np.roll(true, 1, axis=1), "chemistry": chemistry}
    assert choose_weights_apart(good_modal, good_chemistry, data, np.arange(30)) == {"modal": 1.0, "chemistry": 0.0}
    out = blend(good_modal, good_chemistry, {"modal": 1.0, "chemistry": 0.0})
    np.testing.assert_array_equal(out["modal"], true)
    np.testing.assert_array_equal(out["chemistry"], chemistry)
    missing = chemistry.copy()
    missing[:, 1:] = np.nan                                             # only Fa present: scored on Fa alone
    half = {"modal": true, "chemistry": np.where(np.arange(5) == 0, 0.5 * chemistry, chemistry)}
    assert choose_weights_apart(half, {"modal": true, "chemistry": chemistry}, _Data(true, missing),
                                np.arange(30))["chemistry"] == 0.0


def test_error_concentration_counts_the_worst_rows_share():
    true = np.zeros((20, 3))
    even = np.full((20, 3), 0.1)
    assert error_concentration(even, true, share=0.05) == pytest.approx(1 / 20)
    one = np.zeros((20, 3))
    one[7] = 0.5
    assert error_concentration(one, true, share=0.05) == pytest.approx(1.0)
    assert error_concentration(true, true) == 0.0


def test_the_worst_spectra_are_sorted_and_described():
    true = np.tile([0.0, 0.0, 1.0, 0.0], (4, 1))
    answer = true.copy()
    answer[0] = [0.0, 1.0, 0.0, 0.0]    # a pigeonite read as orthopyroxene
    answer[2] = [0.0, 0.3, 0.7, 0.0]
    worst = worst_spectra(_Data(true, np.full((4, 5), np.nan)), answer, np.arange(4), count=2)
    assert [w["sample"] for w in worst] == ["S0", "S2"]
    assert worst[0]["type"] == "Pyroxene / Pigeonite" and worst[0]["squared_error"] == pytest.approx(2.0)
    assert worst[0]["predicted"]["OPX"] == 1.0 and worst[0]["true"]["CPX"] == 1.0


def test_low_ca_clinopyroxenes_are_pure_cpx_with_little_calcium():
    modal = [[0, 0, 1.0, 0], [0, 0, 1.0, 0], [0, 1.0, 0, 0], [0, 0, 0.6, 0.4], [0, 0, 1.0, 0]]
    data = _Data(modal, np.full((5, 5), np.nan))
    data.meta["Wo_CPX"] = [0.08, 0.45, 0.05, 0.08, np.nan]   # pigeonite, augite, an OPX, a mixture, unknown
    assert low_ca_clinopyroxenes(data).tolist() == [True, False, False, False, False]


@pytest.mark.integration
def test_quick_composition_blend_table_on_the_real_data(mirror, tmp_path):
    from astrokeras.reproduce.composition_blend_table import (
        APART,
        CHOSEN,
        FIXED,
        NET,
        format_composition_blend,
        run_composition_blend_table,
    )
    from astrokeras.reproduce.main_job import ALL_TABLES
    from astrokeras.reproduce.results_page import FOLD_FOLDERS, TITLES

    result = run_composition_blend_table(output=tmp_path, quick=True, only_folds=(1,))
    methods = [r["method"] for r in result["rows"]]
    assert methods[0] == NET and methods[1] == result["network"] and "CompositionEnsemble of 2" in methods[1]
    assert methods[-3:] == [FIXED, CHOSEN, APART] and len(methods) == 8   # 2 CNN seeds + their mean
    assert result["rows"][2]["subsets"]["all"]["modal_rmse"] != result["rows"][3]["subsets"]["all"]["modal_rmse"]
    weight = result["per_fold"][0]["chosen_weight"]
    assert result["per_fold"][0]["validation_scores"][weight] == min(result["per_fold"][0]["validation_scores"].values())
    assert all(0.0 < r["worst_share"] <= 1.0 for r in result["rows"])
    net = result["rows"][0]
    assert 0 < net["without_pure_pyroxenes"]["n"] < net["subsets"]["all"]["n"]   # the pure pyroxenes left out
    assert 0 < net["olivine_pyroxene_rmse_pp"] < net["subsets"]["all"]["modal_rmse_pp"] * 1.5
    assert 0 < net["low_ca_clinopyroxenes"]["n"] and 0.0 <= net["low_ca_clinopyroxenes"]["error_share"] <= 1.0
    assert len(result["worst_spectra"][APART]) == 10
    apart = result["per_fold"][0]["chosen_apart"]
    assert set(apart) == {"modal", "chemistry"} and "w chosen apart on validation" in format_composition_blend(result)
    assert (tmp_path / "folds" / "composition-ensemble-table-quick").is_dir()    # CompositionNet's unit is shared
    text = format_composition_blend(result)
    assert "w chosen on validation, per fold: fold 1" in text and "worst spectra" in text
    again = run_composition_blend_table(output=tmp_path, quick=True, only_folds=(1,))   # read back, not retrained
    assert again["rows"] == result["rows"] and again["seconds"] < result["seconds"]
    assert "composition-blend" in ALL_TABLES and "composition-blend" in TITLES and "composition-blend" in FOLD_FOLDERS
