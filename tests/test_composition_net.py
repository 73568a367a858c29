"""CompositionNet, its loss and layers, the Hapke mixing, the simulated mixtures and the composition data on arrays
built in code; one integration test runs the quick composition table on the real mirror."""

import dataclasses

import keras
import numpy as np
import pandas as pd
import pytest

from astrokeras.composition_layers import MaskedGaussianNLL, MaskedLogCentre
from astrokeras.datasets.relab_composition import CHEMISTRY, MINERALS, CompositionData, material_groups
from astrokeras.models.composition_net import CompositionNet, split_outputs
from astrokeras.physics.hapke import mix_spectra, reflectance_to_ssa, ssa_to_reflectance
from astrokeras.training.composition import (
    CompositionConfig,
    build_model,
    calibrate_sigma,
    coverage_mask,
    evaluation_inputs,
    sigma_scales,
    simulate_mixtures,
    training_arrays,
)

TINY = dict(width=8, mlp_units=8, head_units=8, conv_filters=4, blocks=1)
BANDS = 40
GRID = np.round(np.linspace(0.45, 2.45, BANDS), 4)


def endmember_spectra():
    """Three smooth 'minerals' with absorptions at different places (absolute reflectance)."""
    w = GRID
    dip = lambda c, s, d: d * np.exp(-0.5 * ((w - c) / s) ** 2)  # noqa: E731
    return np.stack([0.5 - dip(1.05, 0.15, 0.3), 0.4 - dip(0.92, 0.08, 0.2) - dip(1.9, 0.2, 0.15),
                     0.3 - dip(1.0, 0.1, 0.1) - dip(2.2, 0.2, 0.12), 0.7 - dip(1.25, 0.2, 0.05)])


def toy_data(n=60, seed=0):
    """A CompositionData of linear mixtures of the four toy minerals, 8 of them pure."""
    rng = np.random.default_rng(seed)
    modal = rng.dirichlet(np.ones(4), n)
    modal[:8] = np.eye(4)[np.arange(8) % 4]
    absolute = modal @ endmember_spectra()
    chemistry = np.where(modal[:, [0, 1, 1, 2, 2]] >= 0.1, rng.uniform(0.05, 0.5, (n, 5)), np.nan)
    meta = pd.DataFrame({"SampleID": [f"S{i}" for i in range(n)]})
    return CompositionData(GRID, absolute / absolute[:, :1], absolute, modal, chemistry, np.arange(n), meta)


def inputs_of(spectra, mask=None):
    return evaluation_inputs(spectra, mask)


def test_modal_outputs_are_fractions_summing_to_one_and_chemistry_in_0_1():
    model = CompositionNet(BANDS, **TINY)
    parts = split_outputs(model.predict(inputs_of(toy_data().spectra), verbose=0))
    assert parts["modal"].shape == (60, len(MINERALS)) and parts["chemistry"].shape == (60, len(CHEMISTRY))
    np.testing.assert_allclose(parts["modal"].sum(axis=1), 1.0, atol=1e-5)
    assert parts["modal"].min() >= 0 and 0 <= parts["chemistry"].min() and parts["chemistry"].max() <= 1
    assert np.all(parts["modal_sigma"] > 0) and np.all(parts["chemistry_sigma"] > 0)


def test_the_level_and_the_uncovered_bands_do_not_change_the_prediction():
    model = CompositionNet(BANDS, **TINY)
    x = toy_data().spectra[:5]
    base = model.predict(inputs_of(x), verbose=0)["modal"]
    np.testing.assert_allclose(model.predict(inputs_of(3.7 * x), verbose=0)["modal"], base, rtol=1e-4, atol=1e-5)
    mask = coverage_mask(GRID, 0.8, 2.1)
    partial = model.predict(inputs_of(x, mask), verbose=0)["modal"]
    changed = np.where(mask, x, 123.0)                         # garbage outside the coverage
    np.testing.assert_allclose(model.predict(inputs_of(changed, mask), verbose=0)["modal"], partial, rtol=1e-4,
                               atol=1e-5)
    assert not np.allclose(partial, base, atol=1e-6)           # the coverage itself is information


def test_masked_log_centre_removes_the_mean_log_over_covered_bands():
    out = np.asarray(MaskedLogCentre()([np.array([[1.0, np.e, np.e ** 2, 50.0]], "float32"),
                                        np.array([[1.0, 1.0, 1.0, 0.0]], "float32")]))
    np.testing.assert_allclose(out, [[-1.0, 0.0, 1.0, 0.0]], atol=1e-5)


def test_a_missing_label_does_not_change_the_loss():
    loss = MaskedGaussianNLL(3, nll_weight=0.5)
    y = np.array([[0.2, np.nan, 0.7]], "float32")
    a = np.array([[0.3, 0.1, 0.6, -2.0, -1.0, -1.5]], "float32")
    b = a.copy()
    b[0, 1], b[0, 4] = 0.9, 0.0                                 # another mean and sigma for the missing label
    assert float(loss(y, a)) == pytest.approx(float(loss(y, b)))
    c = a.copy()
    c[0, 0] = 0.5                                               # but a present one counts
    assert float(loss(y, c)) > float(loss(y, a))


def test_loss_value_by_hand():
    y = np.array([[0.2, 0.7]], "float32")
    pred = np.array([[0.3, 0.4, np.log(0.1), np.log(0.2)]], "float32")
    mse = (0.1 ** 2 + 0.3 ** 2)
    nll = 0.5 * (0.1 / 0.1) ** 2 + np.log(0.1) + 0.5 * (0.3 / 0.2) ** 2 + np.log(0.2)
    assert float(MaskedGaussianNLL(2, nll_weight=0.25)(y, pred)) == pytest.approx((mse + 0.25 * nll) / 2, rel=1e-5)


def test_the_means_learn_from_the_squared_error_only():
    import tensorflow as tf

    y = tf.constant([[0.2]])
    pred = tf.Variable([[0.5, -3.0]])                           # a tiny sigma would blow up an NLL gradient
    with tf.GradientTape() as tape:
        value = MaskedGaussianNLL(1, nll_weight=1.0)(y, pred)
    grad = tape.gradient(value, pred).numpy()
    assert grad[0, 0] == pytest.approx(2 * (0.5 - 0.2), rel=1e-5)   # d(mse)/d(mean), nothing from the NLL


def test_keras_file_round_trip_without_custom_objects(tmp_path):
    model = CompositionNet(BANDS, **TINY)
    model.get_layer("modal_log_sigma_calibration")(np.zeros((1, 4), "float32"))
    model.get_layer("modal_log_sigma_calibration").log_scale.assign([0.1, 0.2, 0.3, 0.4])
    x = inputs_of(toy_data().spectra[:4], coverage_mask(GRID, 0.8, 2.1))
    path = tmp_path / "composition.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, CompositionNet) and loaded.get_config() == model.get_config()
    for key in ("modal", "chemistry"):
        np.testing.assert_allclose(loaded.predict(x, verbose=0)[key], model.predict(x, verbose=0)[key], atol=1e-6)


def test_compiled_model_round_trip_keeps_the_loss(tmp_path):
    model = build_model(BANDS, CompositionConfig(width=8, blocks=1, head_units=8))
    path = tmp_path / "compiled.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.loss["modal"], MaskedGaussianNLL) and loaded.loss["modal"].size == 4


def test_a_short_training_reduces_the_loss():
    data = toy_data(120)
    config = CompositionConfig(width=16, head_units=16, blocks=1, nirs_share=0.0, batch_size=32, learning_rate=3e-3)
    keras.utils.set_random_seed(0)
    inputs, targets = training_arrays(data, np.arange(120), config, np.random.default_rng(0))
    model = build_model(BANDS, config)
    before = model.evaluate(inputs, targets, verbose=0)[0]
    model.fit(inputs, targets, epochs=25, batch_size=32, verbose=0)
    after = model.evaluate(inputs, targets, verbose=0)[0]
    assert after < 0.5 * before


def test_calibration_puts_two_thirds_of_the_validation_labels_within_one_sigma():
    data = toy_data(200)
    model = CompositionNet(BANDS, **TINY)
    x = inputs_of(data.spectra)
    calibrate_sigma(model, x, data.modal, data.chemistry)
    parts = split_outputs(model.predict(x, verbose=0))
    z = np.abs(parts["modal"] - data.modal) / parts["modal_sigma"]
    assert np.mean(z <= 1) == pytest.approx(0.683, abs=0.03)
    zc = np.abs(parts["chemistry"] - data.chemistry) / parts["chemistry_sigma"]
    assert np.nanmean(np.where(np.isfinite(zc), zc <= 1, np.nan)) == pytest.approx(0.683, abs=0.05)


def test_sigma_scales_pool_labels_with_few_values():
    true = np.array([[0.0, np.nan]] * 20)
    true[:2, 1] = 0.0
    scales = sigma_scales(np.full((20, 2), 0.5), np.full((20, 2), 0.25), true)
    assert scales.tolist() == pytest.approx([2.0, 2.0])


def test_hapke_round_trip_and_mixing():
    r = np.linspace(0.01, 1.0, 50)
    np.testing.assert_allclose(ssa_to_reflectance(reflectance_to_ssa(r)), r, atol=1e-6)
    assert np.all(np.diff(ssa_to_reflectance(np.linspace(0, 1, 50))) > 0)
    E = endmember_spectra()
    same = mix_spectra(np.stack([E[0], E[0]]), np.array([[0.3, 0.7]]), "hapke")
    np.testing.assert_allclose(same[0], E[0], atol=1e-6)
    linear = mix_spectra(E[:2], np.array([[0.5, 0.5]]), "linear")
    intimate = mix_spectra(E[:2], np.array([[0.5, 0.5]]), "hapke")
    assert np.all(intimate <= linear + 1e-9)                    # the darker grain dominates an intimate mixture
    with pytest.raises(ValueError, match="absolute reflectance"):
        reflectance_to_ssa(np.array([1.5]))


def test_simulated_mixtures_come_from_the_given_rows_and_carry_their_labels():
    data = toy_data(60)
    rows = np.arange(4, 60)                                     # pure spectra 0-3 are left out
    data.absolute[:4] *= 0.0                                    # ... so a mixture using them would be black
    spectra, modal, chemistry = simulate_mixtures(data, rows, 200, "linear", np.random.default_rng(1))
    np.testing.assert_allclose(modal.sum(axis=1), 1.0)
    assert np.all((modal > 0).sum(axis=1) >= 2)
    assert np.all(spectra > 0.05)
    index = np.argmin(np.abs(GRID - 0.55))
    np.testing.assert_allclose(spectra[:, index], 1.0)
    # a linear mixture of the toy minerals is modal @ E: check it against the labels
    expected = modal @ endmember_spectra()
    np.testing.assert_allclose(spectra, expected / expected[:, index:index + 1], rtol=1e-6)
    pure_fa = {data.chemistry[r, 0] for r in rows[data.pure("OL")[rows]]}
    has_fa = np.isfinite(chemistry[:, 0])
    assert has_fa.any() and set(chemistry[has_fa, 0]) <= pure_fa
    assert np.all(modal[has_fa, 0] >= 0.1) and not np.any(np.isfinite(chemistry[modal[:, 0] < 0.1, 0]))


def test_training_arrays_add_nirs_copies():
    data = toy_data(40)
    config = CompositionConfig(nirs_share=0.5)
    inputs, targets = training_arrays(data, np.arange(40), config, np.random.default_rng(0))
    assert len(inputs["spectrum"]) == 60 and len(targets["modal"]) == 60
    partial = inputs["mask"].sum(axis=1) < BANDS
    assert partial.sum() == 20
    np.testing.assert_array_equal(inputs["mask"][partial][0], coverage_mask(GRID, 0.82, 2.08))
    with pytest.raises(ValueError, match="mixtures"):
        dataclasses.replace(config, mixtures="quadratic")


def test_material_groups_join_same_sample_or_same_labels():
    from astrokeras.datasets.korda2023 import MINERAL_LABELS

    labels = np.zeros((5, len(MINERAL_LABELS)))
    labels[:, 0] = [1.0, 1.0, 0.5, 0.2, 0.2]
    meta = pd.DataFrame(labels, columns=list(MINERAL_LABELS))
    meta["SampleID"] = ["A", "B", "C", "D", "C"]
    groups = material_groups(meta)
    assert groups[0] == groups[1]                               # same labels (one material, two IDs)
    assert groups[2] == groups[4] == groups[3]                  # same ID joins 2 and 4; 4 and 3 share labels
    assert groups[0] != groups[2]


@pytest.mark.integration
def test_quick_composition_table_on_the_real_data(mirror, tmp_path):
    from astrokeras.datasets.relab_composition import composition_data, composition_folds
    from astrokeras.reproduce.composition_table import format_composition_table, run_composition_table

    data = composition_data()
    folds = composition_folds(data)
    ids = data.meta["SampleID"].astype(str).to_numpy()
    for train, test in folds:
        assert not set(ids[train]) & set(ids[test])
        assert not set(data.groups[train]) & set(data.groups[test])
    assert sorted(np.concatenate([test for _, test in folds]).tolist()) == list(range(len(data)))
    result = run_composition_table(quick=True, output=tmp_path)
    methods = [r["method"] for r in result["rows"]]
    assert any(m.startswith("CompositionNet") for m in methods) and any(m.startswith("FCLS") for m in methods)
    korda = next(r for r in result["rows"] if r["method"].startswith("Korda et al. 2023 CNN, rebuilt"))
    assert korda["subsets"]["all"]["modal_rmse"] > 0 and "Fa" in korda["subsets"]["korda-like"]["chemistry_pp"]
    assert "In Korda et al.'s metric" in format_composition_table(result)
    net = result["rows"][0]["subsets"]
    assert net["all"]["n"] > net["mixtures"]["n"] > 0 and net["all"]["modal_rmse"] > 0
    assert 0 < result["rows"][0]["coverage_1sigma"]["modal"] <= 1
    assert result["asteroids"]["itokawa"]["spectra"] == 18695
    assert (tmp_path / "composition.json").is_file() and (tmp_path / "composition_gaffey.png").is_file()
    assert "Itokawa" in format_composition_table(result)
    assert "Meteorite analogue, ordinary chondrites" in format_composition_table(result)
    assert result["meteorite_analogues"]["ordinary_chondrites"]["n_spectra"] >= 60
    assert sum(result["asteroids"]["meteorite_analogues"]["V"].values()) > 0


def test_korda_cnn_round_trips_and_its_loss_ignores_missing_chemistry(tmp_path):
    import keras

    from astrokeras.models.korda_cnn import KordaCNN, ModalWeightedMSE
    from astrokeras.training.korda_baseline import chemistry_targets

    model = KordaCNN(40, filters=(4, 2))
    model.compile("adam", loss={"modal": "mse", "chemistry": ModalWeightedMSE(0.1)})
    model.save(tmp_path / "k.keras")
    again = keras.saving.load_model(tmp_path / "k.keras")  # no custom_objects, no safe_mode=False
    X = np.random.default_rng(0).random((3, 40)).astype("float32")
    np.testing.assert_allclose(again.predict(X, verbose=0)["modal"], model.predict(X, verbose=0)["modal"], atol=1e-6)
    modal = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]])
    chemistry = np.array([[0.1, np.nan, np.nan, np.nan, np.nan], [np.nan, 0.2, 0.01, np.nan, np.nan]])
    y = chemistry_targets(modal, chemistry)
    wrong_where_missing = np.array([[0.1, 9, 9, 9, 9], [9, 0.2, 0.01, 9, 9]], dtype="float32")
    assert float(ModalWeightedMSE(1.0)(y, wrong_where_missing)) == pytest.approx(0.0, abs=1e-7)
    assert float(ModalWeightedMSE(1.0)(y, np.zeros((2, 5), "float32"))) > 0


def test_the_same_seed_gives_the_same_model_and_another_seed_does_not(mirror):
    """What makes the seed spread of reproduce.composition_seeds the seed's alone (no run-to-run noise)."""
    from astrokeras.datasets.relab_composition import composition_data
    from astrokeras.training.composition import CompositionConfig, fit_composition

    data = composition_data()
    rows = np.arange(0, len(data), 3)

    def weights(seed):
        model, _ = fit_composition(data, rows, CompositionConfig(epochs=2, patience=2, seed=seed))
        return np.concatenate([w.ravel() for w in model.get_weights()])

    first = weights(0)
    assert np.array_equal(first, weights(0))
    assert not np.allclose(first, weights(1))
