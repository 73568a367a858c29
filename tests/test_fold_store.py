"""Per-fold results: saved as each unit finishes, reused only under the same key, assembled bit for bit."""

import json
import logging
import sys

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from astrokeras.evaluation.fold_store import (
    FoldStore,
    code_digest,
    flatten,
    import_closure,
    unflatten,
)
from astrokeras.evaluation.folds import stratified_folds
from astrokeras.reproduce.saved_folds import chosen_folds, folds_note, table_store
from astrokeras.training.cross_validation import SklearnMethod, evaluate


def _counting(arrays, info):
    calls = []

    def work():
        calls.append(1)
        return arrays, info

    return work, calls


def test_a_unit_is_computed_once_and_read_back_bit_for_bit(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"probabilities": rng.random((7, 3)).astype("float32"), "nested": {"sigma": rng.random(7)}}
    work, calls = _counting(arrays, {"chosen": "hapke", "score": 0.25})
    store = FoldStore(tmp_path / "t", key={"settings": {"epochs": 3}})
    first, _ = store.compute("fold1", work)
    again, info = FoldStore(tmp_path / "t", key={"settings": {"epochs": 3}}).compute("fold1", work)
    assert len(calls) == 1
    assert info == {"chosen": "hapke", "score": 0.25}
    assert again["probabilities"].dtype == np.float32
    np.testing.assert_array_equal(again["probabilities"], arrays["probabilities"])
    np.testing.assert_array_equal(again["nested"]["sigma"], first["nested"]["sigma"])
    record = json.loads((tmp_path / "t" / "fold1.json").read_text())
    assert record["key"] == {"settings": {"epochs": 3}} and record["seconds"] is not None and record["finished"]


def test_another_key_makes_the_unit_stale_and_says_what_changed(tmp_path, caplog):
    work, calls = _counting({"x": np.arange(3)}, {})
    FoldStore(tmp_path, key={"settings": {"epochs": 3}, "code": "a"}).compute("fold2", work)
    with caplog.at_level(logging.INFO, logger="astrokeras"):
        FoldStore(tmp_path, key={"settings": {"epochs": 3}, "code": "b"}).compute("fold2", work)
    assert len(calls) == 2
    assert "code changed" in caplog.text
    # the unit now holds the new key: a third run with it reuses
    FoldStore(tmp_path, key={"settings": {"epochs": 3}, "code": "b"}).compute("fold2", work)
    assert len(calls) == 2


def test_reuse_false_recomputes(tmp_path):
    work, calls = _counting({"x": np.arange(3)}, {})
    FoldStore(tmp_path, key={}).compute("fold1", work)
    FoldStore(tmp_path, key={}, reuse=False).compute("fold1", work)
    assert len(calls) == 2


def test_a_unit_cut_off_before_its_record_is_computed_again(tmp_path):
    store = FoldStore(tmp_path, key={})
    np.savez(tmp_path / "fold1.npz", x=np.arange(3))  # the arrays landed, the JSON record did not
    assert store.load("fold1") is None
    (tmp_path / "fold1.json").write_text("{not json")
    assert store.load("fold1") is None


def test_unit_names_and_array_names_are_checked(tmp_path):
    store = FoldStore(tmp_path, key={})
    with pytest.raises(ValueError, match="plain file name"):
        store.save("../escape", {}, {})
    with pytest.raises(ValueError, match="separates nested names"):
        flatten({"a/b": np.zeros(1)})
    with pytest.raises(ValueError, match="Python objects"):
        flatten({"a": np.array([{"x": 1}], dtype=object)})


def test_a_truncated_arrays_file_is_computed_again(tmp_path):
    work, calls = _counting({"x": np.arange(3)}, {})
    FoldStore(tmp_path, key={}).compute("fold1", work)
    (tmp_path / "fold1.npz").write_bytes(b"PK\x03\x04 cut short")
    again, _ = FoldStore(tmp_path, key={}).compute("fold1", work)
    assert len(calls) == 2 and again["x"].tolist() == [0, 1, 2]
    assert not list(tmp_path.glob(".fold1.*"))  # no temporary file left behind


def test_flatten_round_trip():
    nested = {"rows": {"VIS-NIR 0.45-2.45": {"y": np.arange(2), "p": np.eye(2)}}, "real": np.ones(1)}
    back = unflatten(flatten(nested))
    assert set(back) == {"rows", "real"}
    np.testing.assert_array_equal(back["rows"]["VIS-NIR 0.45-2.45"]["p"], np.eye(2))


@pytest.fixture
def toy_package(tmp_path, monkeypatch):
    """Throw-away modules ``astrokeras.toyfold.a`` (which imports ``b``) and ``astrokeras.toyfold.b``, on a path of
    their own: the closure follows astrokeras imports only."""
    root = tmp_path / "src"
    package = root / "astrokeras" / "toyfold"
    package.mkdir(parents=True)
    import astrokeras

    monkeypatch.setattr(astrokeras, "__path__", list(astrokeras.__path__) + [str(root / "astrokeras")])
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text('"""A."""\nfrom astrokeras.toyfold import b\n\n\ndef f():\n    return b.g() + 1\n')
    (package / "b.py").write_text('"""B."""\n\n\ndef g():\n    """Two."""\n    return 2  # a comment\n')
    yield package
    for name in [m for m in sys.modules if m.startswith("astrokeras.toyfold")]:
        del sys.modules[name]


def test_code_digest_follows_imports_and_ignores_prose(toy_package):
    assert {"astrokeras.toyfold.a", "astrokeras.toyfold.b"} <= set(import_closure(["astrokeras.toyfold.a"]))
    before = code_digest(["astrokeras.toyfold.a"])
    b = toy_package / "b.py"
    b.write_text('"""B, at more length."""\n\n\ndef g():\n    """Two, as before."""\n    return 2  # another\n')
    assert code_digest(["astrokeras.toyfold.a"]) == before  # docstrings and comments do not count
    b.write_text('"""B."""\n\n\ndef g():\n    return 3\n')
    assert code_digest(["astrokeras.toyfold.a"]) != before  # the code an imported module runs does


def test_the_closure_leaves_out_what_only_stores_or_prints_and_follows_lazy_packages():
    closure = import_closure(["astrokeras.reproduce.settings_table"])
    assert "astrokeras.evaluation.fold_store" not in closure and "astrokeras" not in closure
    assert "astrokeras.export.tflite" in closure  # imported lazily through astrokeras.export's __getattr__
    with pytest.raises(ValueError, match="no source file"):
        code_digest(["astrokeras.no_such_module"])


def test_table_store_key_names_settings_data_code_and_libraries(tmp_path):
    store = table_store(tmp_path, "coverage", settings={"rows": ["a"]}, module="astrokeras.reproduce.saved_folds")
    assert set(store.key) == {"settings", "data", "code", "libraries"}
    assert store.key["settings"] == {"rows": ["a"], "quick": False}
    assert "numpy" in store.key["libraries"] and "keras" in store.key["libraries"]
    quick = table_store(tmp_path, "coverage", settings={"rows": ["a"]}, module="astrokeras.reproduce.saved_folds",
                        quick=True)
    assert quick.folder.name == "coverage-quick" and store.folder.name == "coverage"


def test_chosen_folds():
    assert chosen_folds(5, [5, 4, 4]) == [3, 4]
    assert folds_note([3, 4], 5) == "2 of 5 folds (fold 4, 5)" and folds_note(list(range(5)), 5) == "5 of 5 folds"
    with pytest.raises(ValueError, match="numbered 1 to 5"):
        chosen_folds(5, [0, 6])


class _Exploding:
    name = "kNN"

    def fit_predict(self, *args):
        raise AssertionError("a saved fold was trained again")


def test_evaluate_resumes_from_saved_folds_and_assembles_the_same_scores(tmp_path):
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1, 2], 20)
    X = rng.normal(size=(60, 6)) + y[:, None]
    folds = stratified_folds(y, 5, 0)
    knn = SklearnMethod("kNN", KNeighborsClassifier)
    store = FoldStore(tmp_path, key={"table": "toy"})
    partial = evaluate(X, y, 3, folds[3:], [knn], store=store)["kNN"]  # "--folds 4 5"
    assert sorted(p.name for p in tmp_path.glob("*.npz")) == ["fold4-kNN.npz", "fold5-kNN.npz"]
    whole = evaluate(X, y, 3, folds, [knn], store=store)["kNN"]  # then the table: folds 1-3 are trained
    direct = evaluate(X, y, 3, folds, [knn])["kNN"]
    assert whole.acc == direct.acc and whole.acc[3:] == partial.acc
    resumed = evaluate(X, y, 3, folds, [_Exploding()], store=store)["kNN"]  # nothing left to train
    assert resumed.acc == whole.acc
    np.testing.assert_array_equal(resumed.confusion, direct.confusion)
