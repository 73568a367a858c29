"""Integration tests on the real mirror: the counts every later table depends on."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from astrokeras import datasets
from astrokeras.datasets.fetching import sha256_of
from astrokeras.datasets.registry import registry
from astrokeras.spectra import paper_grid

pytestmark = pytest.mark.integration


def test_every_registered_file_matches_the_mirror_and_every_data_file_is_registered(mirror):
    known = registry()
    on_disk = {
        str(p.relative_to(mirror)) for p in mirror.rglob("*")
        if p.is_file() and p.name not in ("README.md", "LICENSE", "MANIFEST.sha256")
    }
    assert on_disk <= set(known), f"unregistered: {sorted(on_disk - set(known))[:5]}"
    for path in sorted({"korda2023/Itokawa_denoised.npz", "gaia_dr3/07.csv.gz", "smass2/a000004.[2]"} | {
        p for p in known if not p.startswith(("smass2/", "gaia_dr3/"))
    }):
        assert sha256_of(mirror / path) == known[path].sha256, path
        assert (mirror / path).stat().st_size == known[path].size, path
    assert all(e.url.startswith("https://") for e in known.values())


def test_smass2(mirror):
    data = datasets.load_smass2()
    assert len(data) == 1341 and data.bands == 49
    np.testing.assert_allclose(data.wavelength, paper_grid(0.44, 0.92))
    assert int(data.meta["bus_class"].notna().sum()) == 1339
    assert set(data.meta.loc[data.meta["bus_class"].isna(), "designation"]) == {"1996VC", "1997RD1"}
    assert data.meta["class_4"].value_counts().to_dict() == {"S": 547, "C": 397, "X": 238, "Other": 152}
    vesta = data.meta.index[data.meta["designation"] == "4"][0]
    assert data.meta.loc[vesta, "bus_class"] == "V"
    np.testing.assert_allclose(data.reflectance[:, data.wavelength.searchsorted(0.55)], 1.0, atol=0.02)
    raw = data.meta.loc[vesta, "spectrum"]
    assert raw.wavelength[0] <= 0.44 and raw.error is not None


def test_busdemeo_and_its_201_band_grid(mirror):
    data = datasets.load_busdemeo()
    assert len(data) == 591 and data.bands == 401
    assert int(data.meta["class_11"].notna().sum()) == 586
    assert data.meta["class_11"].value_counts()["S"] == 310
    fine = data.on_grid(paper_grid(0.45, 2.45))
    assert fine.reflectance.shape == (591, 201)
    np.testing.assert_allclose(fine.reflectance[:, 10], 1.0, atol=1e-3)  # normalised at 0.55 um
    assert {"1", "22", "64", "433", "25143", "101955"} <= set(data.meta["designation"])


def test_minerals_and_endmembers(mirror):
    data = datasets.load_minerals()
    assert len(data) == 674 and len(data.meta.columns) == 18 + 15
    em = datasets.endmembers(minerals=data)
    assert {n: len(em.pure[n]) for n in em.names} == {"OL": 100, "OPX": 110, "CPX": 118}
    np.testing.assert_allclose(em.mean[0], data.reflectance[em.pure_index["OL"]].mean(axis=0))
    # Olivine's broad 1.05 um band: the OL end-member is darker at 1.05 than at 0.75 and 1.6 um.
    at = lambda w: em.mean[0][np.argmin(np.abs(em.wavelength - w))]  # noqa: E731
    assert at(1.05) < at(0.75) and at(1.05) < at(1.6)


def test_albedos(mirror):
    data = datasets.load_albedos()
    # 475 by number in Mahlke + 3 provisional designations found in Mahlke + 54 from SpitzerNEOs.
    assert len(data) == 532
    assert data.meta["albedo_source"].value_counts().to_dict() == {"mahlke2022": 478, "spitzerneos": 54}
    ceres = data.meta.loc[data.meta["designation"] == "1", "albedo"].item()
    assert 0.02 < ceres < 0.05
    assert data.meta["albedo"].between(0.01, 1.0).all()


def test_itokawa_gaia_and_templates(mirror):
    itokawa = datasets.load_itokawa()
    assert itokawa.reflectance.shape == (18695, 64)
    np.testing.assert_allclose(itokawa.wavelength[[0, -1]], [0.82, 2.08])
    gaia = datasets.load_gaia_dr3()
    assert gaia.reflectance.shape == (60518, 16) and gaia.flags.shape == (60518, 16)
    np.testing.assert_allclose(gaia.wavelength[[0, 4, -1]], [0.374, 0.55, 1.034])
    assert set(np.unique(gaia.flags)) <= {0, 1, 2}
    assert gaia.meta.loc[0, "designation"] == "ceres"
    templates = datasets.load_demeo_templates()
    assert len(templates) == 25 and templates.bands == 41


def test_cli_data_info_json(mirror):
    out = subprocess.run([sys.executable, "-m", "astrokeras.cli", "data", "info", "--json"], check=True,
                         capture_output=True, text=True, env={**os.environ}).stdout
    rows = {r["name"]: r for r in json.loads(out)["datasets"]}
    assert rows["smass2"]["count"] == 1341 and rows["smass2"]["labelled"] == 1339
    assert rows["busdemeo"]["count"] == 591 and rows["busdemeo"]["kept_11class"] == 586
    assert rows["minerals"]["count"] == 674 and rows["albedos"]["count"] == 532
    assert rows["itokawa"]["count"] == 18695 and rows["gaia_dr3"]["count"] == 60518
    assert rows["smass2"]["found"] == {"mirror": 2683}


def test_cli_reports_a_missing_mirror_clearly(tmp_path):
    env = {**os.environ, "ASTROKERAS_DATA_DIR": str(tmp_path), "KERAS_HOME": str(tmp_path / "k")}
    # An unreachable URL stands in for "offline": the registry URLs cannot be reached from CI either.
    result = subprocess.run([sys.executable, "-c",
                             "import sys, astrokeras.datasets.registry as r, astrokeras.cli as c;"
                             "r._COLLECTION_URLS.update(smass2='file:///nonexistent/');"
                             "sys.exit(c.main(['data', 'info']))"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert "ASTROKERAS_DATA_DIR" in result.stderr and "cannot get" in result.stderr
