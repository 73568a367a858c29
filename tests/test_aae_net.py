"""AAE-Net, the Gaussian NLL loss, and the albedo tables' machinery (tiny models; real runs are `reproduce`)."""

import dataclasses
import json

import keras
import numpy as np
import pytest
from astrokeras.recipes import aae_net_albedo, aae_net_albedo_visible

from astrokeras.datasets.tasks import aaed, aaed_visible
from astrokeras.evaluation import sigma_bounds
from astrokeras.losses import LOG_SIGMA_MAX, LOG_SIGMA_MIN, GaussianNLL, bounded_log_sigma
from astrokeras.models import AAENet
from astrokeras.reproduce import albedo_tables
from astrokeras.training.albedo import class_probabilities

TINY = dict(conv_filters=(4, 4, 4), dense_units=(8, 8, 8), num_heads=2, key_dim=4)


def test_gaussian_nll_values_and_its_minimum_at_the_true_spread():
    y = np.zeros((4, 1), "float32")
    at = lambda mean, raw: float(GaussianNLL()(y, np.tile([[mean, raw]], (4, 1)).astype("float32")))  # noqa: E731
    assert at(0.0, -1.5) == pytest.approx(-1.5)                   # raw -1.5 is log-sigma -1.5 (the centre)
    assert at(2.0, -1.5) == pytest.approx(0.5 * 4 * np.exp(3.0) - 1.5, rel=1e-5)
    raws = np.linspace(-3.0, 0.0, 61)                              # for an error of 0.3, the best sigma is 0.3
    best = raws[np.argmin([at(0.3, r) for r in raws])]
    assert float(bounded_log_sigma(np.float32(best))) == pytest.approx(np.log(0.3), abs=0.06)
    assert at(0.0, -50.0) == pytest.approx(at(0.0, -500.0))         # sigma floor: no blow-up


def test_log_sigma_keeps_a_gradient_outside_its_range():
    # A hard clip froze AAE-Net's log-sigma at its bound (raw outputs near 13 were measured) and with it the mean.
    import tensorflow as tf

    raw = tf.Variable([3.0, -6.0])
    with tf.GradientTape() as tape:
        value = tf.reduce_sum(bounded_log_sigma(raw))
    gradient = tape.gradient(value, raw).numpy()
    assert np.all(gradient > 1e-3)
    assert float(bounded_log_sigma(np.float32(-60.0))) == pytest.approx(LOG_SIGMA_MIN, abs=1e-6)
    assert float(bounded_log_sigma(np.float32(60.0))) == pytest.approx(LOG_SIGMA_MAX, abs=1e-6)


def test_beta_nll_gives_a_wide_row_back_its_pull_on_the_mean():
    # Plain NLL: the mean's gradient is error / sigma**2, so a row with a large sigma (the X complex) barely moves
    # the mean. beta = 1: sigma**2 held constant in the gradient, the mean gets the squared error's gradient.
    import tensorflow as tf

    y = tf.constant([[0.5], [0.5]])
    for beta, expected in [(0.0, lambda s: 0.5 / s ** 2), (1.0, lambda s: 0.5 * np.ones_like(s))]:
        pred = tf.Variable([[0.0, -0.5], [0.0, -2.5]])              # two sigmas, the same error 0.5
        with tf.GradientTape() as tape:
            loss = GaussianNLL(beta, reduction="sum")(y, pred)
        gradient = -tape.gradient(loss, pred).numpy()[:, 0]
        sigma = np.exp(keras.ops.convert_to_numpy(bounded_log_sigma(pred[:, 1])))
        np.testing.assert_allclose(gradient, expected(sigma), rtol=1e-4)
    assert GaussianNLL.from_config(GaussianNLL(0.5).get_config()).beta == 0.5
    with pytest.raises(ValueError, match="beta must be between 0 and 1"):
        GaussianNLL(2.0)


def test_inference_uses_the_same_bound_as_training():
    raw = np.linspace(-8.0, 5.0, 27).astype("float32")
    np.testing.assert_allclose(sigma_bounds.bounded_log_sigma(raw), keras.ops.convert_to_numpy(bounded_log_sigma(raw)),
                               atol=1e-6)


def test_aae_net_fuses_the_class_at_the_input_and_before_the_output():
    model = AAENet(16, 3, **TINY)
    assert model.get_layer("input_fusion").output.shape[-1] == 2 + 3
    assert model.get_layer("output_fusion").input[1].shape[-1] == 3
    spectrum = np.ones((2, 16), "float32")
    untrained = model.predict({"spectrum": spectrum, "class_probabilities": np.eye(3)[[0, 1]]}, verbose=0)
    assert np.all(untrained == 0)                                   # zero-initialised head: no deviation yet
    kernel, bias = model.get_layer("albedo").get_weights()
    model.get_layer("albedo").set_weights([np.random.default_rng(0).normal(size=kernel.shape), bias])
    a = model.predict({"spectrum": spectrum, "class_probabilities": np.eye(3)[[0, 0]]}, verbose=0)
    b = model.predict({"spectrum": spectrum, "class_probabilities": np.eye(3)[[1, 2]]}, verbose=0)
    assert a.shape == (2, 2) and not np.allclose(a, b)               # the class information changes the answer
    assert AAENet(16, 3, uncertainty=False, **TINY).output_shape == (None, 1)


def test_a_compiled_aae_net_round_trips_without_custom_objects(tmp_path):
    model = AAENet(16, 3, **TINY)
    model.compile("adam", GaussianNLL())
    model.save(tmp_path / "aae.keras")
    loaded = keras.saving.load_model(tmp_path / "aae.keras")
    assert isinstance(loaded, AAENet) and isinstance(loaded.loss, GaussianNLL)


def test_training_class_probabilities_are_out_of_sample():
    # Random labels on 60-band noise: a model that sees a row predicts its label with near certainty (it can
    # memorise 60 points in 60 dimensions), one that does not is at chance. Out-of-sample rows must be at chance.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 60))
    classes = np.repeat(np.arange(3), 30)
    P_train, P_test = class_probabilities(X, classes, X[:5], 0, num_classes=3)
    own = P_train[np.arange(len(classes)), classes]
    assert own.mean() < 0.5                                     # in-sample probabilities would be near 1
    np.testing.assert_allclose(P_train.sum(axis=1), 1.0, atol=1e-6)
    assert P_test.shape == (5, 3) and P_test[np.arange(5), classes[:5]].mean() > 0.9   # test rows: model of all


@pytest.mark.integration
def test_aaed_has_528_asteroids_on_201_bands(mirror):
    X, albedo, classes, names = aaed()
    assert X.shape == (528, 201) and len(albedo) == len(classes) == len(names) == 528
    assert set(np.unique(classes)) == set(range(11))


def test_albedo_tables_from_one_shared_run(mirror, tmp_path):
    X, albedo, classes, names = aaed()
    keep = np.isin(classes, [2, 7, 10]) & (np.arange(len(albedo)) % 3 == 0)    # C, S, X: a small slice
    keep |= np.isin(names, ["1", "433"])
    tiny = dataclasses.replace(
        aae_net_albedo.RECIPE, data=lambda: (X[keep], albedo[keep], classes[keep], names[keep]),
        network=lambda bands, n, uncertainty: AAENet(bands, n, uncertainty=uncertainty, **TINY))
    results = albedo_tables.run_tables(["9", "10", "13"], quick=True, output=tmp_path, recipe=tiny)
    t9, t10, t13 = results
    measured = {r["method"]: r for r in t9["rows"] if r["source"] == "measured"}
    assert list(measured) == [albedo_tables.PRIOR, "Class-mean rule", "AAE-Net (log10, NLL)", "Random forest"]
    assert 0.0 <= measured["AAE-Net (log10, NLL)"]["within_1sigma"] <= 1.0
    assert "within_1sigma" not in measured["Random forest"]       # only a method with a sigma gets a coverage
    assert {"S", "C", "X"} <= set(t10["rows"][0])
    assert [r["asteroid"] for r in t13["rows"]] == ["Ceres", "Eros"]
    ceres = t13["rows"][0]
    assert ceres["catalogue"] == pytest.approx(albedo[names == "1"][0], abs=1e-4)
    assert ceres["catalogue"] == pytest.approx(np.median(ceres["catalogue_rows"]["mahlke2022"]), abs=1e-3)
    assert ceres["reference"]["albedo"] == 0.090 and t13["rows"][1]["reference"] is None   # Eros: none quoted
    assert "0.034, 0.017" in albedo_tables.format_albedo_table(t13)    # the rows behind the median are shown
    assert np.exp(LOG_SIGMA_MIN) - 1e-6 <= ceres["sigma_dex"] <= np.exp(LOG_SIGMA_MAX) + 1e-6
    assert json.loads((tmp_path / "table9.json").read_text())["rows"] == t9["rows"]
    assert "MAE" in albedo_tables.format_albedo_table(t9)


def test_catalogue_rows_show_the_factor_2_pair_behind_itokawa_s_median(mirror):
    from astrokeras.datasets.albedos import albedo_catalogue, catalogue_rows

    rows = catalogue_rows(["25143"])["25143"]
    assert sorted(rows["mahlke2022"]) == pytest.approx([0.285, 0.569, 0.570], abs=1e-3)
    assert albedo_catalogue()[0]["25143"] == pytest.approx(np.median(rows["mahlke2022"]))


def test_catalogue_scatter_takes_the_first_two_rows_of_each_asteroid(mirror):
    from astrokeras.datasets.albedos import catalogue_scatter

    itokawa = catalogue_scatter(["25143"])                      # rows 0.570, 0.285, 0.569: the first two differ
    assert itokawa["asteroids"] == 1 and itokawa["mae"] == pytest.approx(0.285, abs=1e-3)
    assert itokawa["mape"] == pytest.approx(50 * (0.285 / 0.570 + 1.0), abs=0.3)
    assert itokawa["row_sigma_dex"] == 0.0                      # one pair: no spread of its log ratio
    assert catalogue_scatter(["not-an-asteroid"])["asteroids"] == 0


def test_every_albedo_baseline_fits_and_predicts():
    from astrokeras.models.albedo_baselines import REGRESSORS

    rng = np.random.default_rng(0)
    bands, n = 12, 60
    X = np.hstack([1 + 0.1 * rng.normal(size=(n, bands)), np.eye(3)[rng.integers(0, 3, n)]])
    y = np.log10(rng.uniform(0.05, 0.4, n))
    for name, factory in REGRESSORS.items():
        predicted = factory(bands, 0).fit(X, y).predict(X)
        assert predicted.shape == (n,) and np.all(np.isfinite(predicted)), name


def _two_class_recipe(albedo, classes):
    """A recipe over spectra built in code: two well-separated classes, so the class probabilities are near 0/1."""
    rng = np.random.default_rng(1)
    X = 1.0 + 0.01 * rng.normal(size=(len(classes), 12)) + 0.3 * classes[:, None] * np.linspace(0, 1, 12)
    scheme = dataclasses.replace(aae_net_albedo_visible.RECIPE.scheme, classes=("S", "C"))
    return dataclasses.replace(
        aae_net_albedo_visible.RECIPE, scheme=scheme, grid=np.linspace(0.5, 0.9, 12),
        data=lambda: (X.astype("float32"), albedo, classes, np.array([str(i) for i in range(len(classes))])),
        network=lambda bands, n, uncertainty: AAENet(bands, n, uncertainty=uncertainty, **TINY),
        class_scheme=None, class_labels=None)


def test_the_class_prior_row_is_the_geometric_class_mean_weighted_by_the_probabilities():
    # Class 0's albedos are 0.04 and 0.16 (geometric mean 0.08, arithmetic 0.10), class 1's 0.2 and 0.45 (0.3,
    # 0.325). With near-certain probabilities the prior row must predict the geometric means (of each training
    # fold: a fold's mix of the two values moves it by up to 10%).
    classes = np.repeat([0, 1], 40)
    albedo = np.where(classes == 0, np.tile([0.04, 0.16], 40), np.tile([0.2, 0.45], 40))
    run = albedo_tables.run_albedo(quick=True, recipe=_two_class_recipe(albedo, classes))
    prior = run["predictions"][albedo_tables.PRIOR]
    assert np.mean(prior[classes == 0]) == pytest.approx(0.08, rel=0.03)
    assert np.mean(prior[classes == 1]) == pytest.approx(0.30, rel=0.03)
    assert np.all(np.abs(prior / np.where(classes == 0, 0.08, 0.30) - 1) < 0.12)
    mean_rule = run["predictions"]["Class-mean rule"]                # the arithmetic class mean, for contrast
    assert np.mean(mean_rule[classes == 0]) == pytest.approx(0.10, rel=0.03)


def test_a_finer_class_scheme_feeds_aae_net_and_its_card_carries_the_class_model():
    from astrokeras.models.albedo_baselines import class_probability_model
    from astrokeras.schemes.class_model import class_probabilities_of

    classes = np.repeat([0, 1], 40)
    albedo = np.where(classes == 0, 0.1, 0.3)
    base = _two_class_recipe(albedo, classes)
    fine = np.where(classes == 0, 0, np.where(np.arange(80) % 2, 1, 2))         # class 1 split into two
    scheme = dataclasses.replace(base.scheme, name="toy-fine", classes=("S", "C1", "C2"))
    recipe = dataclasses.replace(base, class_scheme=scheme, class_labels=lambda names: fine[names.astype(int)])
    model, card = recipe.train(quick=True, epochs=1)
    assert card["classes"] == ["S", "C1", "C2"] and len(card["class_prior_log10"]) == 3
    assert model.get_layer("output_fusion").input[1].shape[-1] == 3              # AAE-Net reads 3 probabilities
    X, _, _, _ = recipe.data()
    expected = class_probability_model(0).fit(X, fine).predict_proba(X[:5])
    np.testing.assert_allclose(class_probabilities_of(card["class_model"], X[:5]), expected, atol=1e-6)
    assert card["class_model"]["scheme"] == "toy-fine"
    run = albedo_tables.run_albedo(quick=True, recipe=recipe)
    assert albedo_tables.fine_prior_name(recipe) in run["predictions"]            # the finer prior is a row
    assert set(run["class_information"]["candidates"]) == {base.scheme.name, "toy-fine"}
    assert "toy-fine" in albedo_tables._protocol(run)


@pytest.mark.integration
def test_albedo_visible_table_scores_every_class_against_the_prior(mirror, tmp_path):
    X, albedo, classes, names = aaed_visible()
    keep = np.arange(len(albedo)) % 5 == 0                                           # a fifth, every class
    tiny = dataclasses.replace(
        aae_net_albedo_visible.RECIPE, data=lambda: (X[keep], albedo[keep], classes[keep], names[keep]),
        network=lambda bands, n, uncertainty: AAENet(bands, n, uncertainty=uncertainty, **TINY))
    (result,) = albedo_tables.run_tables(["albedo-visible"], quick=True, output=tmp_path, visible_recipe=tiny)
    assert result["table"] == "albedo-visible" and f"{keep.sum()} asteroids" in result["protocol"]
    rows = {r["method"]: r for r in result["rows"]}
    assert list(rows)[0] == albedo_tables.PRIOR and rows[albedo_tables.PRIOR]["mae_vs_prior_pct"] == 0.0
    assert list(rows)[2] == "Class prior (P-weighted, Bus classes)"                  # the recipe reads Bus classes
    assert result["class_information"]["chosen"] == "Bus"
    assert set(result["class_information"]["candidates"]) == {"4-class", "Bus"}
    assert result["catalogue_scatter"]["asteroids"] > 10 and result["catalogue_scatter"]["mae"] > 0
    for row in rows.values():
        assert list(row["by_class"]) == ["S", "C", "X", "Other"]
        assert sum(c["n"] for c in row["by_class"].values()) == keep.sum()
        expected = 100 * (row["mae"] / rows[albedo_tables.PRIOR]["mae"] - 1)
        assert row["mae_vs_prior_pct"] == pytest.approx(expected, abs=0.06)
    assert "within_1sigma" in rows["AAE-Net (log10, NLL)"]["by_class"]["X"]
    assert json.loads((tmp_path / "tablealbedo-visible.json").read_text())["rows"] == result["rows"]
    text = albedo_tables.format_albedo_table(result)
    assert "MAE Other" in text and "MAE vs prior" in text and "the catalogue against itself" in text
