"""The table commands' machinery on a small slice of the real data with tiny models (the real runs are
`astrokeras reproduce`, not tests)."""

import dataclasses
import json

import numpy as np
import pytest

from astrokeras.evaluation.folds import stratified_folds
from astrokeras.models import ASCNet
from astrokeras.models.baselines import KERAS_BASELINES, pca_svm
from astrokeras.reproduce import taxonomy_tables
from astrokeras.training import TrainConfig, fit_classifier, predict_proba
from astrokeras.training.cross_validation import SklearnMethod, evaluate

TINY = dict(conv_filters=(4, 4, 4), dense_units=(8, 8, 8), key_dim=4)


@pytest.fixture
def small_table5(monkeypatch, mirror):
    task = taxonomy_tables.TASKS["5"]
    load = task.recipe.data

    def first_spectra():
        X, y, names = load()
        rows = np.concatenate([np.flatnonzero(y == c)[:25] for c in range(4)])
        return X[rows], y[rows], names[rows]

    recipe = dataclasses.replace(task.recipe, data=first_spectra, network=lambda bands, n: ASCNet(bands, n, **TINY),
                                 quick_config=TrainConfig(epochs=2, learning_rate=3e-3, verbose=0))
    monkeypatch.setitem(taxonomy_tables.TASKS, "5", dataclasses.replace(task, recipe=recipe, protocol="test slice"))
    monkeypatch.setattr(taxonomy_tables, "methods_for", lambda task, quick, ensemble=1: [
        task.recipe.method(quick), SklearnMethod("PCA+SVM", pca_svm)])


def test_table5_json_has_measured_and_paper_rows_and_a_figure(small_table5, tmp_path):
    result = taxonomy_tables.run_table("5", quick=True, output=tmp_path)
    measured = [r for r in result["rows"] if r["source"] == "measured"]
    assert [r["method"] for r in measured] == ["ASC-Net", "PCA+SVM"]
    assert all(r["folds"] == 5 for r in measured)
    oof = np.load(tmp_path / "table5_oof.npz")
    X, y, names = taxonomy_tables.TASKS["5"].load()
    np.testing.assert_array_equal(oof["designations"], names.astype(str))
    asc_net = measured[0]   # its accuracy is the out-of-fold probabilities' accuracy, fold by fold
    folds = taxonomy_tables.TASKS["5"].recipe.folds(y)
    per_fold = [np.mean(oof["probabilities"][f.test].argmax(1) == y[f.test]) for f in folds]
    assert asc_net["acc"] == pytest.approx(np.mean(per_fold), abs=1e-4)
    assert asc_net["acc_std"] == pytest.approx(np.std(per_fold), abs=1e-4)
    paper = [r for r in result["rows"] if r["source"] == "paper"]
    assert paper == [{"method": "ASC-Net", "source": "paper", "acc": 0.973, "ap": 0.973, "acc_std": None,
                      "ap_std": None}]
    assert (tmp_path / "table5_confusion.png").stat().st_size > 1000
    assert json.loads((tmp_path / "table5.json").read_text())["rows"] == result["rows"]
    text = taxonomy_tables.format_table(result)
    assert "PCA+SVM" in text and "97.3" in text


def test_every_method_sees_the_same_folds_and_never_the_test_rows():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    X = rng.normal(size=(60, 8)) + y[:, None]
    folds = stratified_folds(y, 3, seed=0)
    seen = []

    class Spy(SklearnMethod):
        def fit_predict(self, X_train, y_train, X_test, num_classes, seed):
            seen.append((self.name, X_train, y_train, X_test))
            return np.zeros(len(X_test), dtype=int), None

    evaluate(X, y, 2, folds, [Spy("a", None), Spy("b", None)])
    for name in ("a", "b"):
        calls = [s[1:] for s in seen if s[0] == name]
        assert len(calls) == len(folds)
        for (X_train, y_train, X_test), fold in zip(calls, folds):
            np.testing.assert_array_equal(X_train, X[fold.train].astype("float32"))    # exactly the fold's rows
            np.testing.assert_array_equal(y_train, y[fold.train])
            np.testing.assert_array_equal(X_test, X[fold.test].astype("float32"))
            assert not (set(map(bytes, X_train)) & set(map(bytes, X_test)))           # no test row in training


def test_table11_reads_the_table7_saved_folds(mirror, tmp_path, monkeypatch):
    X, y, designations = taxonomy_tables.TASKS["7"].load()
    probabilities = np.full((len(y), 11), 0.01, dtype="float32")
    ceres = int(np.flatnonzero(designations == "1")[0])
    probabilities[ceres, [2, 1]] = [0.7, 0.2]  # C first, then B
    store = taxonomy_tables.fold_store("7", tmp_path, quick=False)
    for fold in taxonomy_tables.TASKS["7"].recipe.folds(y):  # what a Table 7 run saves, one unit per fold
        store.save(f"fold{fold.index + 1}-ASC-Net", {"test": fold.test, "predicted": y[fold.test],
                                                     "probabilities": probabilities[fold.test]}, {"seconds": 1.0})
    monkeypatch.setattr(taxonomy_tables.KerasMethod, "fit_predict", lambda *a, **k: pytest.fail("must not retrain"))
    result = taxonomy_tables.run_table11(output=tmp_path)
    row = next(r for r in result["rows"] if r["asteroid"] == "Ceres")
    assert (row["true"], row["top1"], row["p1"], row["top2"], row["p2"]) == ("C", "C", 0.7, "B", 0.2)
    assert [r["asteroid"] for r in result["rows"]] == ["Ceres", "Bennu", "Itokawa", "Eros", "Kalliope", "Angelina"]


@pytest.mark.parametrize("name", ["ResNet-1D", "Transformer-1D"])
def test_keras_baselines_learn_with_early_stopping(name):
    # Guards two traps that left a baseline at the majority class: BatchNorm's slow default momentum (ResNet)
    # and unstandardised bands near 1.0 (Transformer); early stopping then restored an untrained model.
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 100)
    X = 1.0 + np.array([-0.05, 0.0, 0.05])[y][:, None] * np.linspace(-1, 1, 24) + 0.01 * rng.normal(size=(300, 24))
    config = TrainConfig(epochs=60, learning_rate=1e-3, patience=10, batch_size=64, verbose=0)
    build = lambda: KERAS_BASELINES[name](24, 3)  # noqa: E731
    model, _ = fit_classifier(build, X.astype("float32"), y, 3, config)
    assert (predict_proba(model, X).argmax(axis=1) == y).mean() > 0.9


def test_rerunning_one_method_replaces_only_its_row(small_table5, tmp_path):
    first = taxonomy_tables.run_table("5", quick=True, output=tmp_path)
    again = taxonomy_tables.run_table("5", quick=True, output=tmp_path, methods=["PCA+SVM"])
    assert [r["method"] for r in again["rows"]] == [r["method"] for r in first["rows"]]
    assert again["rows"][0] == first["rows"][0]            # ASC-Net row untouched
    with pytest.raises(ValueError, match="unknown method"):
        taxonomy_tables.run_table("5", quick=True, output=tmp_path, methods=["SVM++"])


def test_transformer_patches_long_spectra_and_pads_the_last_patch():
    from astrokeras.models.baselines import transformer1d

    short, long = transformer1d(49, 4), transformer1d(201, 11)
    tokens = lambda m: next(l.output.shape[1:] for l in m.layers if l.name.startswith("reshape"))  # noqa: E731
    assert tokens(short) == (49, 1) and tokens(long) == (51, 4)
    X = np.linspace(0.9, 1.2, 201, dtype="float32")[None].repeat(3, axis=0)
    assert long.predict(X, verbose=0).shape == (3, 11)


def test_a_table_run_a_few_folds_at_a_time_trains_each_fold_once(small_table5, tmp_path, monkeypatch):
    calls = []
    fit_predict = SklearnMethod.fit_predict

    def counted(self, X_train, *args):
        calls.append((self.name, len(X_train)))
        return fit_predict(self, X_train, *args)

    monkeypatch.setattr(SklearnMethod, "fit_predict", counted)
    part = taxonomy_tables.run_table("5", quick=True, output=tmp_path, only_folds=(4, 5))
    assert part["folds"] == [4, 5] and "2 of 5 folds (fold 4, 5)" in part["protocol"]
    assert all(r["folds"] == 2 for r in part["rows"] if r["source"] == "measured")
    assert not (tmp_path / "table5_oof.npz").exists()  # only a whole table gives every asteroid's probabilities
    saved = sorted(p.name for p in (tmp_path / "folds" / "table5-quick").glob("*.npz"))
    assert saved == ["fold4-ASC-Net.npz", "fold4-PCA+SVM.npz", "fold5-ASC-Net.npz", "fold5-PCA+SVM.npz"]
    whole = taxonomy_tables.run_table("5", quick=True, output=tmp_path)
    assert len(calls) == 5  # PCA+SVM: folds 4 and 5 in the first run, only 1-3 in the second
    again = taxonomy_tables.run_table("5", quick=True, output=tmp_path)
    assert len(calls) == 5  # nothing left to train
    assert again["rows"] == whole["rows"]  # assembled from the saved arrays: the same figures, to the digit
    measured = {r["method"]: r for r in whole["rows"] if r["source"] == "measured"}
    assert measured["PCA+SVM"]["folds"] == 5 and (tmp_path / "table5_oof.npz").exists()


def test_the_results_page_is_written_from_the_table_json(small_table5, tmp_path):
    from astrokeras.reproduce.main_job import write_results

    taxonomy_tables.run_table("5", quick=True, output=tmp_path, only_folds=(1,))
    page = write_results(tmp_path, tmp_path / "docs" / "results.md", quick=True).read_text()
    assert "## Table 5: 4-class taxonomy of SMASS II visible spectra" in page
    assert "| 1 of 5 (fold 1) |" in page and "Not run yet:" in page and "Quick run" in page
    assert "![Table 5" in page and (tmp_path / "docs" / "figures" / "table5_confusion.png").exists()


def test_the_results_page_keeps_the_sections_of_tables_not_run_again(tmp_path):
    from astrokeras.reproduce.results_page import TITLES, write_results_page

    out, page = tmp_path / "outputs", tmp_path / "results.md"
    out.mkdir()

    def save(table, text, folds=(1,)):
        (out / f"table{table}.json").write_text(json.dumps({"table": table, "folds": list(folds), "of_folds": 5,
                                                            "text": text}))

    def write():
        return write_results_page(out, page, tables=("5", "7", "9"), format_result=lambda r: r["text"]).read_text()

    save("5", "first five")
    save("7", "seven", folds=(1, 2))
    first = write()
    assert first.count("<!-- written ") == 2                     # each section says when and from which commit
    page.write_text(first.replace("<!-- written ", "<!-- written long ago, "))   # table 5 is written anew below
    (out / "table7.json").unlink()          # a fresh clone: table 7's JSON is gone, table 5 is run again
    save("5", "second five")
    text = write()
    assert "second five" in text and "first five" not in text
    assert "seven" in text and text.count('<a id="table-7">') == 1 and "| 2 of 5 (fold 1, 2) |" in text
    assert f"Kept from earlier pages, their JSON not being in `{out}/`: {TITLES['7']} (written long ago, " in text
    assert f"Not run yet: {TITLES['9']}." in text
    assert text.index(f"## {TITLES['5']}") < text.index(f"## {TITLES['7']}")
    again = write()                         # and kept again by the next write, once, with its own provenance
    assert again.count('<a id="table-7">') == 1 and again.count("seven") == text.count("seven")
    assert f"{TITLES['7']} (written long ago, " in again
