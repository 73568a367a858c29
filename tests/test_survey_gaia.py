"""The Gaia DR3 survey: band handling on toy rows, then a shard of the real survey end to end."""

import numpy as np
import pandas as pd
import pytest

from astrokeras.spectra.coverage import MASTER_GRID, encode
from astrokeras.survey.gaia import (
    CLASSIFIED,
    MIN_BANDS,
    parse_shard,
    prepare,
    survey_gaia,
    usable_bands,
    with_coverage_temperature,
)

GAIA_W = np.round(0.374 + 0.044 * np.arange(16), 3)


def test_flagged_bands_are_left_out_not_interpolated():
    r = np.tile(np.linspace(0.8, 1.4, 16), (2, 1))
    r[1, 7] = 5.0                       # a wild value...
    flags = np.zeros((2, 16), int)
    flags[1, 7] = 2                     # ...in a band flagged bad
    values, masks, status, bands = prepare(GAIA_W, r, flags, MASTER_GRID)
    assert status.tolist() == [CLASSIFIED, CLASSIFIED] and bands.tolist() == [16, 15]
    clean = np.delete(np.arange(16), 7)
    expected, expected_mask = encode(GAIA_W[clean], r[1, clean])
    np.testing.assert_array_equal(values[1], expected)          # the flagged value never reaches the network
    np.testing.assert_array_equal(masks[1], expected_mask)
    np.testing.assert_allclose(values[1], values[0], atol=1e-6)  # a linear spectrum: as if never flagged


def test_too_few_usable_bands_are_not_classified_and_carry_no_numbers():
    r = np.ones((3, 16))
    flags = np.zeros((3, 16), int)
    flags[0, : 16 - MIN_BANDS] = 1          # exactly MIN_BANDS left: classified
    flags[1, : 17 - MIN_BANDS] = 1          # one fewer: not
    r[2, :12] = np.nan                      # missing values count as unusable
    values, masks, status, bands = prepare(GAIA_W, r, flags, MASTER_GRID)
    assert status.tolist() == [CLASSIFIED, f"fewer than {MIN_BANDS} usable bands", f"fewer than {MIN_BANDS} usable "
                               "bands"]
    assert bands.tolist() == [MIN_BANDS, MIN_BANDS - 1, 4]
    assert not masks[1:].any() and not values[1:].any()


def test_the_coverage_temperature_follows_the_usable_bands_and_keeps_the_groups_summing():
    from astrokeras.schemes.coverage_experts import load_experts

    visible = load_experts()["rows"]["visible 0.44-0.92"]["temperature"]
    groups = np.array([0, 1, 1, 2, 2, 3, 3, 0, 0, 0, 3])
    rng = np.random.default_rng(3)
    P11 = rng.dirichlet(np.ones(11), 4)
    P11[3] = np.nan                                   # not classified
    flags = np.zeros((4, 16), int)
    flags[1, 5:9] = 2                                 # a 0.22 um hole in the middle: no coverage row is covered
    usable = usable_bands(np.ones((4, 16)), flags)
    P, T = with_coverage_temperature(P11, usable, GAIA_W, groups)
    assert T[0] == T[2] == visible and np.isnan(T[1]) and np.isnan(T[3])
    np.testing.assert_array_equal(P[1], P11[1])
    assert np.isnan(P[3]).all()
    np.testing.assert_allclose(P[[0, 2]].sum(1), 1)
    one_hot = np.eye(4)[groups]
    G, G0 = P[0] @ one_hot, P11[0] @ one_hot
    expected = G0 ** (1 / visible) / (G0 ** (1 / visible)).sum()
    np.testing.assert_allclose(G, expected, rtol=1e-9)                          # the groups tempered...
    np.testing.assert_allclose(P[0][groups == 0] / G[0], P11[0][groups == 0] / G0[0])  # ...their classes in proportion


@pytest.mark.integration
def test_a_shard_of_the_real_survey(mirror, tmp_path):
    summary = survey_gaia(tmp_path, shard="3/40")
    table = pd.read_csv(tmp_path / "gaia_classes.csv", dtype={"number": str})
    assert len(table) == summary["asteroids"] == len(range(3, 60518, 40))
    done = table[table["status"] == CLASSIFIED]
    assert len(done) == summary["classified"] > 0.95 * len(table)
    assert set(done["class"]) <= {"S", "C", "X", "Other"}
    p4 = done[["p_S", "p_C", "p_X", "p_Other"]].to_numpy()
    np.testing.assert_allclose(p4.sum(1), 1, atol=2e-3)
    assert (done["class"].to_numpy() == np.array(["S", "C", "X", "Other"])[p4.argmax(1)]).all()
    p11 = done[[c for c in table.columns if c.startswith("p11_")]].to_numpy()
    np.testing.assert_allclose(p11[:, 7], p4[:, 0], atol=2e-3)      # S of the 11 classes is the S group
    assert table.loc[table["status"] != CLASSIFIED, "p_S"].isna().all()
    assert summary["out_of_distribution"] == int(done["out_of_distribution"].sum())
    full = done["usable_bands"] == 16
    assert full.any() and done.loc[full, "coverage_temperature"].notna().all()
    for name in summary["figures"]:
        assert (tmp_path / name.split("/")[-1]).stat().st_size > 5_000


@pytest.mark.parametrize("shard", ["4/4", "-1/3", "a/b", "3"])
def test_a_malformed_shard_is_refused(shard):
    with pytest.raises(ValueError, match="I/N"):
        parse_shard(shard)
