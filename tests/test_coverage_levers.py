"""The pieces of the coverage-levers table: the cross-fitted temperature and the equal-weight combinations."""

import numpy as np
import pytest

from astrokeras.reproduce.coverage_levers import _combined, fit_temperature
from astrokeras.training.coverage_classifier import calibrate


def test_the_fitted_temperature_recovers_the_one_that_made_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (4000, 5))
    true = np.exp(logits / 2.0)
    true /= true.sum(1, keepdims=True)
    y = np.array([rng.choice(5, p=p) for p in true])
    overconfident = np.exp(logits)
    overconfident /= overconfident.sum(1, keepdims=True)
    t = fit_temperature(overconfident, y)
    assert t == pytest.approx(2.0, rel=0.1)
    np.testing.assert_allclose(calibrate(overconfident, t).sum(1), 1.0)
    assert calibrate(overconfident, t).argmax(1).tolist() == overconfident.argmax(1).tolist()  # order kept


def test_the_combinations_are_probabilities_and_agree_where_both_do():
    a = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    b = np.array([[0.6, 0.3, 0.1], [0.5, 0.4, 0.1]])
    for how in ("geometric", "arithmetic"):
        P = _combined(a, b, how)
        np.testing.assert_allclose(P.sum(1), 1.0)
        assert P[0].argmax() == 0
    np.testing.assert_allclose(_combined(a, a, "geometric"), a)


def _toy_experts(use=True):
    from astrokeras.reproduce.coverage_table import ROWS

    rng = np.random.default_rng(1)
    rows = {}
    for row in ("VIS-NIR 0.45-2.45", "NIR 0.85-2.45"):
        span, grid, _ = ROWS[row]
        rows[row] = {"span": list(span), "grid_um": np.round(grid, 4).tolist(), "use": use,
                     "weights": rng.normal(0, 1, (grid.size, 11)).tolist(), "bias": rng.normal(0, 1, 11).tolist()}
    return {"rows": rows}


def test_the_expert_reads_a_spectrum_as_the_coverage_tables_baselines_do():
    from astrokeras.reproduce.coverage_table import ROWS, _on_grid
    from astrokeras.schemes.coverage_experts import expert_input

    rng = np.random.default_rng(2)
    for row in ("VIS-NIR 0.45-2.45", "NIR 0.85-2.45", "visible 0.44-0.92"):
        grid = ROWS[row][1]
        w = np.sort(rng.uniform(grid[0] - 0.01, grid[-1] + 0.01, 400))
        r = np.exp(0.3 * np.sin(2 * w) + rng.normal(0, 0.01, w.size))
        np.testing.assert_allclose(expert_input(w, r, grid), _on_grid(w, r, grid), rtol=1e-9)


def test_the_expert_joins_only_where_its_span_is_covered_without_a_gap_and_chosen():
    from astrokeras.schemes.coverage_experts import with_expert

    experts, P11 = _toy_experts(), np.full(11, 1 / 11)
    w = np.linspace(0.80, 2.50, 400)
    r = 1 + 0.1 * w
    P, row = with_expert(experts, w, r, P11)
    assert row == "NIR 0.85-2.45" and not np.allclose(P, P11) and P.sum() == pytest.approx(1.0)
    gap = (w < 1.3) | (w > 1.6)
    assert with_expert(experts, w[gap], r[gap], P11)[1] is None
    visible = np.linspace(0.44, 0.93, 100)
    assert with_expert(experts, visible, np.ones(100), P11)[1] is None
    P, row = with_expert(_toy_experts(use=False), w, r, P11)
    assert row is None and np.allclose(P, P11)
    wide = np.linspace(0.43, 2.48, 600)
    assert with_expert(experts, wide, 1 + 0.1 * wide, P11)[1] == "VIS-NIR 0.45-2.45"


def test_the_rest_client_combines_the_expert_as_the_package_does():
    import pathlib
    import sys

    from astrokeras.export.serving import ENCODING
    from astrokeras.schemes.coverage_experts import with_expert

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "export"))
    try:
        import rest_client
    finally:
        sys.path.pop(0)
    from astrokeras.schemes.coverage_experts import with_row_temperature

    experts = _toy_experts()
    experts["rows"]["NIR 0.85-2.45"]["temperature"] = 1.4
    experts["rows"]["visible 0.44-0.92"] = {"span": [0.44, 0.92], "grid_um": [0.44, 0.68, 0.92], "classes": 4,
                                            "use": False, "temperature": 0.7}
    groups = [0, 1, 1, 2, 2, 3, 3, 0, 0, 0, 3]
    card = {"experts": experts, "encoding": ENCODING, "groups": groups}
    rng = np.random.default_rng(4)
    for start, stop in ((0.44, 2.49), (0.80, 2.49), (0.50, 2.49), (0.43, 0.95), (0.80, 1.60)):
        w = np.linspace(start, stop, 500)
        r = np.exp(rng.normal(0, 0.05) * w)
        P11 = rng.dirichlet(np.ones(11))
        combined = with_expert(experts, w, r, P11)[0]
        np.testing.assert_allclose(rest_client.with_expert(card, w, r, P11), combined, atol=1e-9)
        np.testing.assert_allclose(rest_client.with_row_temperature(card, w, combined),
                                   with_row_temperature(experts, w, combined, groups)[0], atol=1e-9)
    assert with_row_temperature(experts, np.linspace(0.43, 0.95, 500), P11, groups)[1:] == ("visible 0.44-0.92", 0.7)


def test_a_lever_that_only_some_folds_would_choose_is_not_shipped():
    from astrokeras.reproduce.coverage_levers import select_per_fold, stable_choice

    rng = np.random.default_rng(5)
    fold, y = np.repeat(np.arange(5), 40), rng.integers(0, 3, 200)
    right = lambda share: np.where(rng.random(200) < share, y, (y + 1) % 3)
    default = 0.1 + 0.7 * np.eye(3)[right(0.8)]
    lever = default.copy()
    lever[fold == 0] = 0.1 + 0.7 * np.eye(3)[y[fold == 0]]   # perfect on fold 0...
    for k in range(1, 5):                                      # ...one answer worse than the default on the others
        first = np.flatnonzero((fold == k) & (default.argmax(1) == y))[0]
        lever[first] = 0.1 + 0.7 * np.eye(3)[(y[first] + 1) % 3]
    pooled = {n: np.mean(P.argmax(1) == y) for n, P in (("default", default), ("lever", lever))}
    assert pooled["lever"] > pooled["default"]
    assert stable_choice(y, fold, {"default": default, "lever": lever}) == "default"
    P, choice = select_per_fold(y, fold, {"default": default, "lever": lever})
    assert choice["shipped"] == "default" and choice["temperature"] > 0
    np.testing.assert_allclose(P.sum(1), 1)
    better = default.copy()
    better[:] = 0.1 + 0.7 * np.eye(3)[y]                      # better on every fold: chosen
    assert stable_choice(y, fold, {"default": default, "lever": better}) == "lever"


def test_the_shipped_experts_name_their_evidence_and_analyze_says_when_one_joined(mirror):
    from astrokeras import analyze, datasets
    from astrokeras.schemes.coverage_experts import load_experts

    experts = load_experts()
    assert set(experts["rows"]) == {"VIS-NIR 0.45-2.45", "NIR 0.85-2.45", "visible 0.44-0.92", "visible 0.50-0.90"}
    for entry in experts["rows"].values():
        if entry["classes"] == 11:
            assert np.asarray(entry["weights"]).shape == (len(entry["grid_um"]), 11)
        assert entry["use"] == (entry["choice"]["shipped"] != "CoverageNet")
        assert entry["temperature"] == entry["choice"]["temperature"] > 0
        assert "selected per coverage (cross-fitted)" in entry["fold_accuracy_pct"]
    data = datasets.load_busdemeo()
    w, r = data.wavelength, data.reflectance[0]
    near = analyze(w[w >= 0.82], r[w >= 0.82])
    joined = [n for n in near.notes if "linear model" in n]
    assert bool(joined) == experts["rows"]["NIR 0.85-2.45"]["use"]
    assert abs(sum(near.probabilities_11) - 1) < 1e-3
    assert any("tempered for the NIR 0.85-2.45 um coverage" in n for n in near.notes)
    visible = (w >= 0.44) & (w <= 0.92)
    seen = analyze(w[visible], r[visible])
    assert any("tempered for the visible 0.50-0.90 um coverage" in n and "S / C / X / Other" in n
               for n in seen.notes)                      # 0.45-0.92 um: the 0.44-0.92 um row starts too early
    assert abs(sum(seen.probabilities_4) - 1) < 1e-3 and seen.top_class in seen.classes_4


def test_pair_levers_read_only_the_spectra_an_asc_net_read_and_temper_them_with_other_folds():
    from astrokeras.reproduce.coverage_levers import pair_levers

    rng = np.random.default_rng(7)
    n = 60
    y, fold = rng.integers(0, 4, n), np.repeat(np.arange(3), 20)
    net = rng.dirichlet(np.ones(4), n)
    asc = rng.dirichlet(np.ones(4), n)
    asc[:5] = np.nan                                   # five spectra no per-grid ASC-Net reads
    pairs = {"Gaia DR3 vs SMASS II (Bus)": {"y": [y], "fold": [fold], "CoverageNet": [net],
                                           "ASC-Net (per grid)": [asc]}}
    temperatures = {"visible 0.44-0.92": {0: 0.5, 1: 2.0, 2: 1.0}}
    rows, choices = pair_levers(pairs, temperatures)
    by_method = {r["method"]: r for r in rows}
    assert all(r["n"] == n - 5 and r["not_read"] == 5 for r in rows)
    plain, tempered = by_method["CoverageNet"], by_method["CoverageNet, visible 0.44-0.92 temperature"]
    assert tempered["acc"] == plain["acc"] and tempered["ece"] != plain["ece"]   # the order of classes is kept
    assert set(choices["Gaia DR3 vs SMASS II (Bus)"]["per_fold"]) == {1, 2, 3}
    untempered, _ = pair_levers(pairs, {})
    assert untempered and all("temperature" not in r["method"] for r in untempered)


def test_analyze_tempers_a_gaia_dr3_spectrum_as_a_visible_one(mirror):
    from astrokeras import analyze, datasets

    gaia = datasets.load_gaia_dr3()
    row = int(np.flatnonzero((np.asarray(gaia.flags) == 0).all(axis=1))[0])
    result = analyze(gaia.wavelength, gaia.reflectance[row])
    assert any("tempered for the visible 0.44-0.92 um coverage" in n for n in result.notes)
