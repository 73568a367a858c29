"""The pieces of the CoverageNet training-levers table: the two training-set transforms, the split by asteroid,
the scores and the wiring into the command line."""

import numpy as np
import pandas as pd
import pytest

from astrokeras.datasets.collection import SpectrumCollection
from astrokeras.reproduce import coverage_training_levers as levers
from astrokeras.training import coverage_resampling


def _collection(labels_11, starts):
    spectra = [(np.linspace(s, 2.45, 50), np.linspace(1.0, 1.2, 50)) for s in starts]
    meta = pd.DataFrame({"key": [f"k{i}" for i in range(len(labels_11))], "survey": "korda2023",
                         "label_11": labels_11, "label_4": [0] * len(labels_11), "name": ""})
    return SpectrumCollection(spectra, meta)


def test_repeat_rare_balances_by_square_root_and_caps():
    # 36 of class 7, 9 of class 2 (sqrt(36/9) = 2 repeats), 1 of class 0 (sqrt 36 = 6 -> capped), 3 unlabelled
    labels = [7] * 36 + [2] * 9 + [0] + [-1] * 3
    out = coverage_resampling.repeat_rare(_collection(labels, [0.45] * len(labels)))
    counts = out.meta["label_11"].value_counts().to_dict()
    assert counts == {7: 36, 2: 18, 0: coverage_resampling.MAX_REPEATS, -1: 3}
    # a repeated spectrum keeps its asteroid key, so the validation carve keeps all its repeats together
    assert (out.meta.loc[out.meta["label_11"] == 0, "key"] == "k45").all()


def test_near_infrared_copies_cut_visnir_spectra_only():
    out = coverage_resampling.near_infrared_copies(_collection([7, 7, -1, 3], [0.45, 0.85, 0.45, 0.45]))
    assert len(out) == 6  # the two labelled VIS-NIR spectra gain a copy; the NIR-only and the unlabelled do not
    for (w, _), key in zip(out.spectra[4:], out.meta["key"][4:]):
        assert w[0] >= coverage_resampling.NIR[0] - 1e-9 and w[-1] <= coverage_resampling.NIR[1] + 1e-9
    assert out.meta["key"].tolist()[4:] == ["k0", "k3"]
    assert out.meta["label_11"].tolist()[4:] == [7, 3]


def test_validation_split_is_by_asteroid():
    collection = _collection([7] * 40, [0.45] * 40)
    collection.meta["key"] = [f"a{i // 2}" for i in range(40)]  # two spectra per asteroid
    fit, validation = levers.validation_split(collection)
    assert not set(fit.meta["key"]) & set(validation.meta["key"])
    assert len(fit) + len(validation) == 40
    assert validation.meta["key"].nunique() == round(levers.VALIDATION_SHARE * 20)


def test_summarise_scores_pooled_validation_and_picks_the_best():
    y = np.array([0, 0, 1, 1])
    good = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    bad = good[:, ::-1]
    row = "NIR 0.85-2.45"
    info = {"training_spectra": 4, "seconds": 1.0, "temperature": 1.0}
    collected = {"as shipped": [({row: {"y": y, "P": bad}}, info)],
                 "near-infrared copies": [({row: {"y": y, "P": good}}, info), ({row: {"y": y, "P": bad}}, info)],
                 levers.REFERENCE: [({row: {"y": y, "predicted": np.array([0, 1, 1, 1])}}, {})]}
    result = levers.summarise(collected, [1, 2], False, 3.0)
    scores = result["rows"][row]
    assert scores["as shipped"]["acc"] == 0.0
    assert scores["near-infrared copies"]["n"] == 8 and scores["near-infrared copies"]["acc"] == 0.5
    assert scores[levers.REFERENCE]["acc"] == 0.75 and scores[levers.REFERENCE]["ece"] is None
    assert result["best_on_validation"][row] == "near-infrared copies"  # the reference is never "chosen"
    assert result["of_folds"] == 5
    text = levers.format_coverage_training_levers(result)
    assert "near-infrared copies" in text and "75.0" in text


def test_the_table_is_wired_into_the_command_line():
    from astrokeras.cli import build_parser
    from astrokeras.reproduce.main_job import ALL_TABLES, format_result
    from astrokeras.reproduce.results_page import TITLES

    assert "coverage-training" in ALL_TABLES and "coverage-training" in TITLES
    args = build_parser().parse_args(["reproduce", "--table", "coverage-training", "--folds", "1", "2"])
    assert args.table == ["coverage-training"]
    result = {"table": "coverage-training", "protocol": "p", "rows": {}, "units": {}, "best_on_validation": {}}
    assert format_result(result).startswith("CoverageNet training levers")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["reproduce", "--table", "coverage-trainin"])


def test_resampled_recipe_trains_on_the_resampled_collection(monkeypatch):
    import dataclasses

    from astrokeras.recipes import coverage_net_taxonomy

    from astrokeras.training import recipes

    seen = []
    monkeypatch.setattr(recipes, "fit_coverage_net", lambda network, collection, config, copies: seen.append(
        collection) or ("model", {}))
    fields = {f.name: getattr(coverage_net_taxonomy.RECIPE, f.name)
              for f in dataclasses.fields(recipes.CoverageRecipe)}
    recipe = coverage_resampling.ResampledCoverageRecipe(**fields, resample=coverage_resampling.rebalanced)
    collection = _collection([7, 7, 7, 7, 0], [0.45] * 5)
    assert recipe.fit(collection, quick=True) == ("model", {})
    assert len(seen[0]) == len(coverage_resampling.rebalanced(collection)) == 12
