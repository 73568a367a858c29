"""The Gaia DR3 survey: flag handling on toy rows, then a shard of the real survey end to end."""

import numpy as np
import pandas as pd
import pytest

from astrokeras.datasets.gaia_bands import GAIA_GRID, prepare
from astrokeras.survey.gaia import parse_shard, survey_gaia

GAIA_W = np.round(0.374 + 0.044 * np.arange(16), 3)


def test_flagged_inner_band_is_interpolated_from_its_neighbours_and_renormalised():
    r = np.tile(np.linspace(0.8, 1.4, 16), (1, 1))
    r = r / r[0, 4]
    original = r.copy()
    r[0, 7] = 5.0  # a wild value in a band flagged bad
    flags = np.zeros((1, 16), int)
    flags[0, 7] = 2
    X, status, repaired = prepare(GAIA_W, r, flags)
    assert status.tolist() == ["classified"] and repaired.tolist() == [1]
    np.testing.assert_allclose(X[0], original[0, 2:13] / original[0, 4], rtol=1e-9)  # linear: exact
    assert X[0, 2] == 1.0


def test_unusable_rows_say_why_and_carry_no_numbers():
    r = np.ones((4, 16))
    flags = np.zeros((4, 16), int)
    flags[0, 0:2] = 2            # the two bluest bands are not read: still classified
    flags[1, 12] = 1             # 0.902 um: the red end of the grid
    flags[2, 4] = 2              # 0.55 um
    r[3, [3, 6, 8]] = np.nan     # three missing inner bands
    X, status, _ = prepare(GAIA_W, r, flags)
    assert status.tolist() == ["classified", "flagged band at a grid end", "flagged 0.55 um band",
                               "more than 2 flagged bands"]
    assert np.isfinite(X[0]).all() and np.isnan(X[1:]).all()


def test_grid_without_the_gaia_bands_is_refused():
    with pytest.raises(ValueError, match="lack the Gaia bands"):
        prepare(np.linspace(0.4, 1.0, 16), np.ones((1, 16)), np.zeros((1, 16)))


@pytest.mark.integration
def test_a_shard_of_the_real_survey(mirror, tmp_path):
    summary = survey_gaia(tmp_path, shard="3/40")
    table = pd.read_csv(tmp_path / "gaia_classes.csv", dtype={"number": str})
    assert len(table) == summary["asteroids"] == len(range(3, 60518, 40))
    done = table[table["status"] == "classified"]
    assert len(done) == summary["classified"] > 0.9 * len(table)
    assert set(done["class"]) <= {"S", "C", "X", "Other"}
    p = done[["p_S", "p_C", "p_X", "p_Other"]].to_numpy()
    np.testing.assert_allclose(p.sum(1), 1, atol=2e-3)
    assert (done["class"].to_numpy() == np.array(["S", "C", "X", "Other"])[p.argmax(1)]).all()
    assert table.loc[table["status"] != "classified", "p_S"].isna().all()
    assert summary["grid_um"] == GAIA_GRID.tolist()
    for name in summary["figures"]:
        assert (tmp_path / name.split("/")[-1]).stat().st_size > 5_000


@pytest.mark.parametrize("shard", ["4/4", "-1/3", "a/b", "3"])
def test_a_malformed_shard_is_refused(shard):
    with pytest.raises(ValueError, match="I/N"):
        parse_shard(shard)
