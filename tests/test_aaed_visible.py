"""AAED-visible: SMASS II spectra joined with Mahlke+2022 albedos (then SpitzerNEOs), 4-class labels."""

import numpy as np
import pandas as pd
import pytest

from astrokeras.datasets import load_smass2
from astrokeras.datasets.tasks import VISIBLE_GRID, _catalogue_key, aaed_visible, smass2_bus_classes
from astrokeras.schemes.taxonomy import BUS, FOUR_CLASS

MAHLKE_FILES = ("class_visnir.csv", "class_vis.csv")


@pytest.fixture(scope="module")
def visible(mirror):
    return aaed_visible()


def test_catalogue_key_puts_an_underscore_after_the_year_of_provisional_designations_only():
    assert _catalogue_key("1997CZ5") == "1997_CZ5"
    assert _catalogue_key("1998WS") == "1998_WS"
    assert _catalogue_key("433") == "433"
    assert _catalogue_key("18514") == "18514"


@pytest.mark.integration
def test_aaed_visible_has_1291_asteroids_on_49_bands_in_4_classes(visible):
    X, albedo, classes, names = visible
    assert X.shape == (1291, 49) and len(albedo) == len(classes) == len(names) == 1291
    assert np.bincount(classes, minlength=4).tolist() == [520, 393, 234, 144]     # S, C, X, Other


@pytest.mark.integration
def test_aaed_visible_join_counts(visible, mirror):
    """1297 of 1341 SMASS II asteroids have a Mahlke albedo (3 by provisional designation), SpitzerNEOs adds
    none, 6 with an albedo have no 4-class label (4 R, 1 O, 1 unlabelled)."""
    _, _, _, names = visible
    smass = load_smass2().meta
    assert len(smass) == 1341
    mahlke = _mahlke_medians(mirror)
    keys = [_catalogue_key(d) for d in smass["designation"]]
    assert sum(k in mahlke for k in keys) == 1297
    assert sum(k in mahlke for k in smass["number"].dropna()) == 1294
    assert {"1997CZ5", "1998WS"} <= set(names)                     # joined by provisional designation
    dropped = set(smass["designation"]) - set(names)
    assert len(dropped) == 1341 - 1291 == 44 + 6
    no_label = smass[smass["designation"].isin(dropped).to_numpy() & np.array([k in mahlke for k in keys])]
    assert sorted(no_label["bus_class"].fillna("none")) == ["O", "R", "R", "R", "R", "none"]


@pytest.mark.integration
def test_aaed_visible_no_duplicate_asteroid(visible):
    names = visible[3]
    assert len(set(names)) == len(names)


@pytest.mark.integration
def test_aaed_visible_albedos_in_0_1_and_spectra_finite_and_normalised_at_055(visible):
    X, albedo, _, _ = visible
    assert np.all((albedo > 0) & (albedo < 1))
    assert np.isfinite(X).all() and (X > 0).all()
    at_055 = int(np.argmin(np.abs(VISIBLE_GRID - 0.55)))
    assert np.allclose(X[:, at_055], 1.0, atol=0.02)


@pytest.mark.integration
def test_aaed_visible_classes_are_the_4_class_of_the_bus_label(visible):
    _, _, classes, names = visible
    bus = load_smass2().meta.set_index("designation")["bus_class"]
    assert FOUR_CLASS.decode(classes) == [FOUR_CLASS.map(bus[n]) for n in names]
    assert FOUR_CLASS.decode(classes[np.isin(names, ["1", "4", "16"])]) == ["C", "Other", "X"]   # Ceres, Vesta, Psyche


@pytest.mark.integration
def test_the_bus_classes_of_aaed_visible_group_into_its_4_classes(visible):
    _, _, classes, names = visible
    bus = smass2_bus_classes(names)
    assert len(bus) == len(names)
    assert [FOUR_CLASS.map(BUS.classes[k]) for k in bus] == FOUR_CLASS.decode(classes)   # the same rows, in order
    assert len(np.unique(bus)) == 23 and "Q" not in BUS.decode(bus)
    assert BUS.decode(smass2_bus_classes(["4", "16", "1"])) == ["V", "X", "C"]     # Vesta, Psyche, Ceres
    with pytest.raises(KeyError, match="not SMASS II designations"):
        smass2_bus_classes(["433"])                                                  # Eros: not in SMASS II


@pytest.mark.integration
def test_aaed_visible_albedo_is_the_median_of_10_pow_pV_of_mahlke(visible, mirror):
    """Recomputed here from the ``pV`` column alone: every albedo equals it (none comes from SpitzerNEOs)."""
    _, albedo, _, names = visible
    mahlke = _mahlke_medians(mirror)
    expected = np.array([mahlke[_catalogue_key(n)] for n in names])
    np.testing.assert_allclose(albedo, expected, rtol=1e-12)


@pytest.mark.integration
def test_aaed_visible_never_reads_mahlke_reflectance_columns(mirror, monkeypatch):
    """The Mahlke files are read for ``number``, ``name`` and ``pV`` only: no albedo can come from a reflectance."""
    seen = {}
    read_csv = pd.read_csv

    def spy(path, *args, **kwargs):
        frame = read_csv(path, *args, **kwargs)
        seen.setdefault(str(path).rsplit("/", 1)[-1], set()).update(frame.columns)
        return frame

    monkeypatch.setattr(pd, "read_csv", spy)
    aaed_visible()
    assert set(MAHLKE_FILES) <= set(seen)
    for name in MAHLKE_FILES:
        assert seen[name] <= {"number", "name", "pV"}, f"{name}: read {sorted(seen[name] - {'number', 'name', 'pV'})}"


def _mahlke_medians(mirror) -> dict:
    """``{number or "YYYY_XX": median 10**pV}`` straight from the Mahlke+2022 csv files' ``pV`` column."""
    rows = pd.concat([pd.read_csv(mirror / "mahlke2022" / f, usecols=["number", "name", "pV"]) for f in MAHLKE_FILES])
    rows = rows.dropna(subset=["pV"]).assign(albedo=lambda r: 10.0 ** r["pV"])
    numbered = rows.dropna(subset=["number"])
    by_number = numbered.groupby(numbered["number"].astype(np.int64).astype(str))["albedo"].median()
    by_name = rows.groupby(rows["name"].astype(str).str.replace(" ", "_"))["albedo"].median()
    return {**by_name.to_dict(), **by_number.to_dict()}
