"""AAE-Net, the Gaussian NLL loss, and the albedo tables' machinery (tiny models; real runs are `reproduce`)."""

import keras
import numpy as np
import pytest

from astrokeras.losses import LOG_SIGMA_MAX, LOG_SIGMA_MIN, GaussianNLL, bounded_log_sigma
from astrokeras.models import aae_net
from astrokeras.reproduce import albedo_tables

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
    assert LOG_SIGMA_MIN <= float(bounded_log_sigma(np.float32(-60.0))) < float(bounded_log_sigma(np.float32(60.0))) <= LOG_SIGMA_MAX


def test_aae_net_fuses_the_class_at_the_input_and_before_the_output():
    model = aae_net(16, 3, **TINY)
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
    assert aae_net(16, 3, uncertainty=False, **TINY).output_shape == (None, 1)


def test_a_compiled_aae_net_round_trips_without_custom_objects(tmp_path):
    model = aae_net(16, 3, **TINY)
    model.compile("adam", GaussianNLL())
    model.save(tmp_path / "aae.keras")
    loaded = keras.saving.load_model(tmp_path / "aae.keras")
    assert isinstance(loaded.loss, GaussianNLL)


def test_class_probabilities_are_out_of_sample_and_complete(mirror):
    X, albedo, classes, _ = albedo_tables.load_aaed()
    assert len(albedo) == 528 and X.shape[1] == 201
    rows = np.concatenate([np.flatnonzero(classes == c)[:6] for c in np.unique(classes)])
    train, test = rows[::2], rows[1::2]
    P_train, P_test = albedo_tables.class_probabilities(X[train], classes[train], X[test], 0)
    assert P_train.shape == (len(train), 11) and P_test.shape == (len(test), 11)
    np.testing.assert_allclose(P_test.sum(axis=1), 1.0, atol=1e-6)


def test_albedo_tables_from_one_shared_run(mirror, monkeypatch, tmp_path):
    X, albedo, classes, names = albedo_tables.load_aaed()
    keep = np.isin(classes, [2, 7, 10]) & (np.arange(len(albedo)) % 3 == 0)    # C, S, X: a small slice
    keep |= np.isin(names, ["1", "433"])
    monkeypatch.setattr(albedo_tables, "load_aaed", lambda: (X[keep], albedo[keep], classes[keep], names[keep]))
    monkeypatch.setattr(albedo_tables, "AAE_NET_WIDTHS", TINY)
    results = albedo_tables.run_tables(["9", "10", "13"], quick=True, output=tmp_path, log=lambda text: None)
    t9, t10, t13 = results
    methods = [r["method"] for r in t9["rows"] if r["source"] == "measured"]
    assert methods == ["Class-mean rule", "AAE-Net (log10, NLL)", "Random forest"]
    assert all(0 < r["mae"] < 1 for r in t9["rows"] if r["source"] == "measured")
    assert {"S", "C", "X"} <= set(t10["rows"][0])
    assert [r["asteroid"] for r in t13["rows"]] == ["Ceres", "Eros"]
    assert t13["rows"][0]["sigma_dex"] >= np.exp(-3.0) - 1e-6
    assert (tmp_path / "table9.json").exists() and "MAE" in albedo_tables.format_albedo_table(t9)


def test_every_albedo_baseline_fits_and_predicts():
    from astrokeras.models.albedo_baselines import REGRESSORS

    rng = np.random.default_rng(0)
    bands, n = 12, 60
    X = np.hstack([1 + 0.1 * rng.normal(size=(n, bands)), np.eye(3)[rng.integers(0, 3, n)]])
    y = np.log10(rng.uniform(0.05, 0.4, n))
    for name, factory in REGRESSORS.items():
        predicted = factory(bands, 0).fit(X, y).predict(X)
        assert predicted.shape == (n,) and np.all(np.isfinite(predicted)), name
