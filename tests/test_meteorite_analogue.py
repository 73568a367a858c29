"""The meteorite-analogue rules (H / L / LL, howardite / eucrite / diogenite) and their fit on the RELAB meteorites."""

import json

import numpy as np
import pandas as pd
import pytest

from astrokeras.physics.meteorite_analogue import (
    HED_CLASSES,
    MODEL_PATH,
    OC_CLASSES,
    analogue_of,
    eucrite_fraction,
    fit_gaussian_classes,
    gaussian_probabilities,
    hed_probabilities,
    hed_type,
    ordinary_chondrite_type,
)
from astrokeras.reproduce.meteorite_analogues import ordinary_chondrite_scores


def _toy_chondrites(rng, spread=0.004, n=12):
    """Band parameters of three well separated 'types', 4 spectra per 'meteorite'."""
    rows = []
    for k, (cls, centre, bar) in enumerate((("H", 0.92, 0.8), ("L", 0.94, 0.6), ("LL", 0.97, 0.4))):
        for i in range(n):
            rows.append({"kind": cls, "meteorite": 100 * k + i // 4, "band_i_centre_um": centre + spread * rng.normal(),
                         "band_ii_centre_um": 1.9 + 0.02 * k + 0.01 * rng.normal(), "bar": bar + 0.03 * rng.normal(),
                         "dunn_fa_mol_pct": 15 + 5 * k})
    return pd.DataFrame(rows)


def test_gaussian_classes_put_each_mean_in_its_own_class_and_temperature_only_softens():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(m, 0.1, (30, 2)) for m in ((0, 0), (1, 0), (0, 1))])
    y = np.repeat(["a", "b", "c"], 30)
    fitted = fit_gaussian_classes(X, y, ("a", "b", "c"))
    p = gaussian_probabilities(fitted["means"], fitted)
    assert np.array_equal(p.argmax(1), [0, 1, 2]) and np.allclose(p.sum(1), 1)
    softer = gaussian_probabilities([[0.4, 0.1]], {**fitted, "temperature": 3.0})
    sharp = gaussian_probabilities([[0.4, 0.1]], fitted)
    assert softer.argmax() == sharp.argmax() and softer.max() < sharp.max()


def test_eucrite_fraction_runs_from_the_diogenites_to_the_eucrites_and_sets_the_hed_type():
    fitted = {"diogenite_mean": [0.92, 1.89], "eucrite_mean": [0.94, 1.99], "scale": [0.01, 0.03], "sigma": 0.1}
    assert np.allclose(eucrite_fraction([0.92, 0.94, 0.93], [1.89, 1.99, 1.94], fitted), [0, 1, 0.5])
    p = hed_probabilities([-0.5, 0.5, 1.5], 0.1)
    assert np.array_equal(p.argmax(-1), [0, 1, 2]) and np.allclose(p.sum(-1), 1)
    model = {"hed": fitted}
    assert hed_type({"band_i_centre_um": 0.921, "band_ii_centre_um": 1.88}, model)["class"] == "diogenite"
    assert hed_type({"band_i_centre_um": 0.945, "band_ii_centre_um": 2.01}, model)["class"] == "eucrite"
    olivine = hed_type({"band_i_centre_um": 1.06, "band_ii_centre_um": 2.0}, model)
    assert olivine["class"] is None and "olivine" in olivine["note"]


def test_analogue_of_picks_the_scheme_by_class_and_needs_the_bands():
    band = {"band_i_centre_um": 0.97, "band_ii_centre_um": 1.96, "bar": 0.4, "dunn_fa_mol_pct": 28.0}
    assert analogue_of("Sq", band)["scheme"] == "ordinary chondrite"
    assert set(analogue_of("Q", band)["probabilities"]) == set(OC_CLASSES)
    assert analogue_of("V", {**band, "band_i_centre_um": 0.93})["scheme"] == "HED"
    assert analogue_of("C", band) is None and analogue_of("A", band) is None
    assert analogue_of("S", {"error": "no Band II"}) is None and analogue_of("S", None) is None
    assert ordinary_chondrite_type(band)["fa_field"] == "LL"   # Dunn's Fa field, shown beside the fitted answer


def test_leave_one_meteorite_out_scores_separate_types_and_fail_on_shuffled_labels():
    rng = np.random.default_rng(1)
    table = _toy_chondrites(rng)
    good = ordinary_chondrite_scores(table)
    assert good["accuracy"] == 1.0 and good["n_meteorites"] == 9 and good["per_type"] == {c: 12 for c in OC_CLASSES}
    shuffled = table.assign(kind=rng.permutation(table["kind"].to_numpy()))
    assert ordinary_chondrite_scores(shuffled)["accuracy"] < 0.7


def test_the_shipped_parameters_are_what_the_relab_meteorites_give(mirror):
    from astrokeras.datasets.relab_composition import composition_data
    from astrokeras.physics.band_parameters import band_parameters_many
    from astrokeras.reproduce.meteorite_analogues import analogue_scores, fit_model

    data = composition_data()
    params, _ = band_parameters_many(data.grid, data.spectra)
    shipped = json.loads(MODEL_PATH.read_text())
    fitted = json.loads(json.dumps(fit_model(data, params)))
    assert fitted["ordinary_chondrites"]["features"] == shipped["ordinary_chondrites"]["features"]
    for part, keys in (("ordinary_chondrites", ("means", "covariance", "temperature")),
                       ("hed", ("diogenite_mean", "eucrite_mean", "scale", "sigma"))):
        for key in keys:
            np.testing.assert_allclose(fitted[part][key], shipped[part][key], rtol=1e-6, err_msg=f"{part}.{key}")
    scores = analogue_scores(data, params)
    oc, hed = scores["ordinary_chondrites"], scores["hed"]
    assert oc["n_spectra"] >= 60 and oc["accuracy"] > oc["dunn_fa_fields_accuracy"]
    assert sum(hed["answers"]["eucrite"].values()) > 0 and sum(hed["answers"]["diogenite"].values()) > 0
    assert set(hed["answers"]["eucrite"]) == set(HED_CLASSES)


@pytest.mark.parametrize("name, meteorite", [("Tsarev 45-63 um", "tsarev"), ("ALH 77256,34 chip", "alh 77256"),
                                             ("MIL 03443,19 bulk powder", "mil 03443")])
def test_preparations_of_one_meteorite_share_a_key(name, meteorite):
    from astrokeras.reproduce.meteorite_analogues import meteorite_key

    assert meteorite_key(name) == meteorite
