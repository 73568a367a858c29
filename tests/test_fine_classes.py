"""The finer schemes (Bus-DeMeo, Bus) under the 11 classes: the hierarchy, its fitting, and `analyze`'s answers."""

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astrokeras import analyze
from astrokeras.models.fine_class_model import fit_fine_classes, folded_labels
from astrokeras.schemes.fine_classes import (
    FAMILIES,
    children,
    family_of,
    features_of,
    fine_probabilities,
    load_fine_models,
    parent_of,
    weathered_label,
)
from astrokeras.schemes.taxonomy import ELEVEN_TO_FOUR, VISNIR_11

CLASSES11 = list(VISNIR_11.classes)


def _sums_by_parent(scheme, classes, P):
    out = dict.fromkeys(CLASSES11, 0.0)
    for c, p in zip(classes, P):
        out[parent_of(scheme, c)] += p
    return np.array([out[c] for c in CLASSES11])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_the_shipped_finer_probabilities_sum_back_to_the_11_classes(seed):
    rng = np.random.default_rng(seed)
    P11 = rng.dirichlet(np.full(11, 0.3))
    models = load_fine_models()
    for scheme, model in models.items():
        if scheme not in FAMILIES:
            continue
        for family in model["families"]:
            w = np.linspace(0.40, 2.50, 300)
            r = np.exp(np.interp(w, np.linspace(0.4, 2.5, 12), rng.normal(0, 0.15, 12)))  # any smooth shape
            fine = fine_probabilities(model, family, features_of(scheme, family, w, r), P11, CLASSES11)
            np.testing.assert_allclose(_sums_by_parent(scheme, fine.classes, fine.probabilities), P11, atol=1e-9)
            assert len(set(fine.classes)) == len(fine.classes)


def test_every_finer_class_has_one_parent_among_the_11_and_the_tree_covers_the_scheme():
    assert parent_of("Bus-DeMeo", "Sqw") == "S" and parent_of("Bus-DeMeo", "Xn") == "X"
    assert parent_of("Bus", "Sk") == "S" and parent_of("Bus", "Ld") == "L" and parent_of("Bus", "R") is None
    for scheme in FAMILIES:
        tree = children(scheme)
        assert set(tree) == set(CLASSES11)
        assert all(parent in kids for parent, kids in tree.items())  # every parent is also its own base child


def test_the_family_is_the_widest_grid_the_spectrum_covers_without_a_gap():
    visnir = np.linspace(0.44, 2.48, 500)
    assert family_of("Bus-DeMeo", visnir)[0] == "VIS-NIR"
    assert family_of("Bus-DeMeo", np.linspace(0.80, 2.50, 300))[0] == "NIR"
    assert family_of("Bus-DeMeo", np.linspace(0.90, 1.65, 100))[0] is None    # SMASS IR: too short
    gap = visnir[(visnir < 1.2) | (visnir > 1.6)]
    assert family_of("Bus-DeMeo", gap)[0] is None
    assert family_of("Bus", np.linspace(0.435, 0.925, 200))[0] == "visible"
    assert family_of("Bus", np.linspace(0.50, 0.925, 200))[0] is None


def test_rare_children_are_folded_into_their_parent_and_dropped_labels_stay_out():
    labels, folded = folded_labels("Bus-DeMeo", ["Sv", "Svw", "Sq:"] + ["Sq"] * 8 + ["S", "O", "U"])
    assert folded == {"Sv": "S"}
    assert labels[:3] == ["S", "S", "Sq"] and labels[-2:] == [None, None]


def test_a_child_model_learns_a_separable_split_and_its_affine_form_matches():
    rng = np.random.default_rng(1)
    w = np.linspace(0.44, 2.48, 200)
    spectra, labels = [], []
    for k in range(60):
        child = ["S", "Sq", "Sr"][k % 3]
        depth = {"S": 0.05, "Sq": 0.15, "Sr": 0.3}[child]
        r = 1 + 0.2 * (w - 0.55) - depth * np.exp(-(((w - 0.95) / 0.1) ** 2)) + rng.normal(0, 0.005, w.size)
        spectra.append((w, r)), labels.append(child)
    model = fit_fine_classes("Bus-DeMeo", spectra, labels, families=["VIS-NIR"])
    entry = model["families"]["VIS-NIR"]["parents"]["S"]
    assert entry["classes"] == ["S", "Sq", "Sr"] and entry["spectra"] == 60
    P11 = np.eye(11)[CLASSES11.index("S")]
    right = 0
    for (wave, r), truth in zip(spectra, labels):
        fine = fine_probabilities(model, "VIS-NIR", features_of("Bus-DeMeo", "VIS-NIR", wave, r), P11, CLASSES11)
        right += fine.top[0] == truth
    assert right >= 57


def test_the_weathering_suffix_is_only_for_the_classes_demeo_gives_it():
    assert weathered_label("Sr", 0.4) == "Srw" and weathered_label("V", 0.26) == "Vw"
    assert weathered_label("Sr", 0.24) == "Sr" and weathered_label("Xk", 0.9) == "Xk"


@pytest.fixture(scope="module")
def eros(mirror):
    from astrokeras import datasets

    data = datasets.load_busdemeo()
    row = int(np.flatnonzero(data.meta["designation"].to_numpy() == "433")[0])
    return data.wavelength, data.reflectance[row]


def test_analyze_gives_the_four_schemes_consistent_with_each_other(eros):
    w, r = eros
    result = analyze(w, r, name="Eros")
    assert result.top_class_busdemeo.rstrip("w") in result.classes_busdemeo
    assert result.classes_bus and result.top_class_bus in result.classes_bus
    P11 = np.array(result.probabilities_11)
    for scheme, classes, P in (("Bus-DeMeo", result.classes_busdemeo, result.probabilities_busdemeo),
                               ("Bus", result.classes_bus, result.probabilities_bus)):
        np.testing.assert_allclose(_sums_by_parent(scheme, classes, P), P11, atol=2e-3)  # rounded to 4 digits
    four = dict.fromkeys(result.classes_4, 0.0)
    for c, p in zip(result.classes_11, P11):
        four[ELEVEN_TO_FOUR[c]] += p
    np.testing.assert_allclose([four[c] for c in result.classes_4], result.probabilities_4, atol=2e-3)
    out = result.to_dict()
    for key in ("classes_busdemeo", "probabilities_busdemeo", "classes_bus", "probabilities_bus", "classes_11",
                "classes_4"):
        assert out[key]


def test_a_visible_spectrum_gets_a_bus_class_and_says_why_it_has_no_bus_demeo_one(eros):
    w, r = eros
    keep = w <= 0.93
    result = analyze(w[keep], r[keep], name="Eros, visible part")
    assert result.classes_busdemeo is None and result.top_class_busdemeo is None
    assert result.top_class_bus in result.classes_bus
    assert any("no Bus-DeMeo class" in n and "0.85-2.45" in n for n in result.notes)


def test_a_near_infrared_spectrum_gets_bus_demeo_from_the_nir_family_without_a_weathering_flag(eros):
    w, r = eros
    keep = w >= 0.82
    result = analyze(w[keep], r[keep], name="Eros, near-infrared part")
    assert result.classes_bus is None
    assert not result.top_class_busdemeo.endswith("w")
    assert any("NIR child models" in n for n in result.notes)


def test_the_cli_json_carries_the_bus_demeo_answer(tmp_path, eros):
    w, r = eros
    path = tmp_path / "eros.csv"
    path.write_text("wavelength,reflectance\n" + "".join(f"{a:.6f},{b:.6f}\n" for a, b in zip(w, r)))
    done = subprocess.run([sys.executable, "-m", "astrokeras.cli", "analyze", str(path), "--json"],
                          capture_output=True, text=True, check=True)
    out = json.loads(done.stdout)
    out = out[0] if isinstance(out, list) else out
    assert out["top_class_busdemeo"] and len(out["classes_busdemeo"]) == len(out["probabilities_busdemeo"])
    text = subprocess.run([sys.executable, "-m", "astrokeras.cli", "analyze", str(path)], capture_output=True,
                          text=True, check=True).stdout
    assert f"Bus-DeMeo   {out['top_class_busdemeo']} (" in text


def test_a_detrended_child_model_is_still_one_affine_map_of_the_row():
    from astrokeras.models.fine_class_model import affine_child_model, child_model
    from astrokeras.schemes.class_model import class_probabilities_of

    rng = np.random.default_rng(2)
    grid = np.linspace(0.85, 2.45, 33)
    X = rng.normal(0, 0.05, (90, grid.size)) + rng.normal(0, 0.3, (90, 1)) * (grid - 1.5)   # slopes: a nuisance
    y = np.repeat([0, 1, 2], 30)
    X += 0.1 * y[:, None] * np.exp(-(((grid - 1.0) / 0.1) ** 2))
    search = child_model(grid).fit(X, y)
    search.best_estimator_.set_params(detrend__active=True).fit(X, y)  # the detrended branch, whatever was chosen
    affine = affine_child_model(search, 3)
    np.testing.assert_allclose(class_probabilities_of(affine, X), search.best_estimator_.predict_proba(X), atol=1e-6)


def test_the_table_scores_every_method_on_the_same_saved_folds_and_reads_them_back(tmp_path, mirror, monkeypatch):
    from astrokeras.reproduce import fine_classes as table

    result = table.run_fine_classes_table(quick=True, output=tmp_path)
    rows = {(r["family"], r["method"]): r for r in result["rows"]}
    assert {m for f, m in rows if f == "VIS-NIR"} == {table.FLAT, table.HIERARCHY, table.ORACLE, table.DEMEO}
    assert len({r["spectra"] for r in rows.values()}) == 1  # the same held-out spectra for every method
    assert rows[("VIS-NIR", table.ORACLE)]["acc11"] == 100.0
    assert rows[("VIS-NIR", table.HIERARCHY)]["exact"] > 50  # far above always-S (about 35%)
    monkeypatch.setattr(table, "_fold_answers", lambda *a: (_ for _ in ()).throw(AssertionError("recomputed")))
    again = table.run_fine_classes_table(quick=True, output=tmp_path)
    assert again["rows"] == result["rows"]


def test_another_11_class_answer_is_put_on_the_saved_child_models_by_asteroid():
    from astrokeras.reproduce.fine_classes import COVERAGE_NET, _with_parent

    answers = {"truth": np.array(["Sq", "Ch", "S"]), "_key": np.array(["433", "10", "99"]),
               "_children": np.array(["C", "Ch", "S", "Sq"] + [c for c in CLASSES11 if c not in ("C", "S")]),
               "_conditional": np.array([[0.6, 0.4, 0.3, 0.7] + [1.0] * 9] * 3)}
    parents = {"433": np.eye(11)[CLASSES11.index("S")], "10": np.eye(11)[CLASSES11.index("C")]}
    found = _with_parent(answers, parents)          # asteroid 99 has no CoverageNet answer: left out
    assert found["truth"].tolist() == ["Sq", "Ch"] and found[COVERAGE_NET].tolist() == ["Sq", "C"]


def test_a_sparse_spectrum_gets_no_bus_class_and_a_visnir_one_gets_demeos_own_answer(eros):
    w, r = eros
    bands = np.round(0.374 + 0.044 * np.arange(16), 3)         # Gaia DR3's 16 bands
    sparse = analyze(bands, np.interp(bands, w, r, left=r[0]), name="Eros on Gaia's bands")
    assert sparse.classes_bus is None and sparse.class_demeo2009 is None
    assert any("no Bus class" in n and "sampled at least every" in n for n in sparse.notes)
    full = analyze(w, r, name="Eros")
    assert full.class_demeo2009 and full.class_demeo2009.rstrip("w") in ("S", "Sq", "Sr", "Sv", "Sa", "Q")
