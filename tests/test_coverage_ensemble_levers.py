"""The pieces of the CoverageNet ensemble table: the members' mean, the summary and the command-line wiring."""

import numpy as np
import pytest

from astrokeras.reproduce import coverage_ensemble_levers as ensemble


def _member(rng, y, sharpness):
    P = rng.dirichlet(np.ones(4), len(y)) + sharpness * np.eye(4)[y]
    return {"visible 0.44-0.92": {"y": y, "P": P / P.sum(1, keepdims=True)}}


def test_the_ensemble_is_the_members_mean_and_refuses_members_scored_on_other_spectra():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 50)
    members = [_member(rng, y, 0.5) for _ in range(3)]
    P = ensemble.ensemble_answers(members)["visible 0.44-0.92"]["P"]
    np.testing.assert_allclose(P, np.mean([m["visible 0.44-0.92"]["P"] for m in members], axis=0))
    np.testing.assert_allclose(P.sum(1), 1)
    other = _member(rng, np.roll(y, 1), 0.5)
    with pytest.raises(ValueError, match="different spectra"):
        ensemble.ensemble_answers([members[0], other])


def test_the_summary_pools_folds_and_an_ensemble_of_noisy_members_beats_each():
    rng = np.random.default_rng(1)
    members = {}
    for k in range(2):
        y = rng.integers(0, 4, 400)
        members[k] = [_member(rng, y, 0.6) for _ in range(3)]   # independent errors: the mean is right more often
    result = ensemble.summarise(members, (0, 1, 2), [1, 2], False, 1.0)
    row = result["rows"]["visible 0.44-0.92"]
    assert row["one network, seed 0"]["n"] == 800 and row["ensemble of 3"]["n"] == 800
    assert row["ensemble of 3"]["acc"] > max(row[f"one network, seed {s}"]["acc"] for s in (0, 1, 2))
    mean = row["one network, mean over seeds"]
    assert mean["acc"] == pytest.approx(np.mean([row[f"one network, seed {s}"]["acc"] for s in (0, 1, 2)]), abs=1e-4)
    text = ensemble.format_coverage_ensemble_levers(result)
    assert "ensemble of 2" in text and "mean over the coverage rows, ensemble of 3" in text


def test_the_table_is_wired_into_the_command_line_and_the_results_page():
    from astrokeras.cli import build_parser
    from astrokeras.reproduce.main_job import ALL_TABLES, format_result
    from astrokeras.reproduce.results_page import FOLD_FOLDERS, TITLES

    assert "coverage-ensemble" in ALL_TABLES and "coverage-ensemble" in TITLES and "coverage-ensemble" in FOLD_FOLDERS
    args = build_parser().parse_args(["reproduce", "--table", "coverage-ensemble", "--folds", "1"])
    assert args.table == ["coverage-ensemble"]
    rng = np.random.default_rng(2)
    y = rng.integers(0, 4, 20)
    result = ensemble.summarise({0: [_member(rng, y, 1.0), _member(rng, y, 1.0)]}, (0, 1), [1], True, 1.0)
    assert format_result(result).startswith("CoverageNet ensemble")
