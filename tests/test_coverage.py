"""Any coverage: the grid encoding, the coverage augmentation, CoverageNet's masking, the out-of-distribution score,
the collection's asteroid keys and folds (spectra built in code; one integration test on the real collection)."""

import numpy as np
import pandas as pd
import pytest

from astrokeras.datasets.collection import SpectrumCollection, asteroid_key
from astrokeras.evaluation.ood import fit_mahalanobis, ood_scores
from astrokeras.losses import GaussianNLL
from astrokeras.models import CoverageAlbedoNet, CoverageNet
from astrokeras.spectra.coverage import MASTER_GRID, MAX_GAP_UM, covered, describe, encode
from astrokeras.spectra.coverage_augmentation import augment_spectrum, perturb_calibration, sample_coverage
from astrokeras.training import TrainConfig
from astrokeras.training.coverage_classifier import calibrate, negative_log_likelihood, training_arrays
from astrokeras.training.recipes import CoverageRecipe
from astrokeras.training.regressor import fit_regressor

GROUPS = [3, 1, 1, 3, 3, 3, 3, 0, 3, 3, 2]
W = np.round(np.arange(0.45, 2.4501, 0.005), 4)


def _s_type(w):
    return 1 + 0.3 * (w - 0.55) - 0.15 * np.exp(-(((w - 0.95) / 0.12) ** 2)) - 0.05 * np.exp(-(((w - 1.95) / 0.2) ** 2))


def test_encoding_is_scale_free_and_zero_outside_the_coverage():
    values, mask = encode(W, _s_type(W))
    scaled, mask2 = encode(W, 7.3 * _s_type(W))
    np.testing.assert_allclose(values, scaled, atol=1e-6)
    np.testing.assert_array_equal(mask, mask2)
    assert describe(mask) == "0.46-2.44 um" and not values[~mask].any()   # 0.44 um lies beyond 0.45
    assert abs(values[mask].mean()) < 1e-6
    # log-reflectance: the 1 um band is a dip relative to 0.75 um, in any unit of reflectance
    at = lambda um: values[np.argmin(np.abs(MASTER_GRID - um))]  # noqa: E731
    assert at(0.96) < at(0.76)


def test_a_gap_wider_than_the_limit_is_masked_and_a_narrow_one_interpolated():
    narrow = (W < 1.35) | (W > 1.42)                     # telluric-like: 0.07 um without points
    wide = (W < 0.8) | (W > 2.2)
    assert covered(W[narrow]).sum() == covered(W).sum()
    mask = covered(W[wide])
    assert describe(mask) == "0.46-0.8 and 2.2-2.44 um"
    assert MAX_GAP_UM < 2.2 - 0.8


def test_gaia_points_cover_their_range_and_nir_spectra_need_no_visible_point():
    gaia = np.round(0.374 + 0.044 * np.arange(16), 3)
    values, mask = encode(gaia, 1 + 0.2 * (gaia - 0.55))
    assert describe(mask) == "0.4-1.02 um"
    nir = W >= 0.85
    values, mask = encode(W[nir], _s_type(W[nir]))
    assert describe(mask) == "0.86-2.44 um" and np.isfinite(values).all()   # 0.84 um lies beyond 0.85


def test_augmented_copies_give_every_coverage_kind_and_keep_a_visible_spectrum_visible():
    rng = np.random.default_rng(0)
    kinds = {augment_spectrum(W, _s_type(W), rng)[2] for _ in range(300)}
    assert kinds == {"whole", "visible", "nir", "gaia", "gap", "short"}
    visible = W <= 0.92
    for _ in range(50):   # a visible spectrum cannot give a near-infrared copy: it falls back or stays visible
        w, _, kind = sample_coverage(W[visible], _s_type(W[visible]), rng)
        assert w[-1] <= 0.92 and kind != "nir"


def test_calibration_perturbations_are_a_few_percent():
    rng = np.random.default_rng(1)
    r = _s_type(W)
    ratios = np.array([perturb_calibration(W, r, rng) / r for _ in range(200)])
    assert 0.005 < np.median(np.abs(ratios - 1)) < 0.06
    assert np.all(ratios > 0.5)


@pytest.fixture(scope="module")
def tiny_net():
    return CoverageNet(len(MASTER_GRID), 11, groups=GROUPS, width=8, mlp_units=8, conv_filters=(4, 4),
                       feature_units=8, token_stride=2)


def test_coverage_net_ignores_what_is_outside_the_mask_and_sums_groups(tiny_net):
    rng = np.random.default_rng(0)
    values, mask = encode(W[W < 0.95], _s_type(W[W < 0.95]))
    other = values.copy()
    other[~mask] = rng.normal(0, 3, (~mask).sum())     # garbage where the spectrum has no data
    out = tiny_net.predict({"spectrum": np.stack([values, other]), "mask": np.stack([mask, mask]).astype("float32")},
                           verbose=0)
    np.testing.assert_allclose(out["probabilities"][0], out["probabilities"][1], atol=1e-6)
    np.testing.assert_allclose(out["groups"], out["probabilities"] @ np.eye(4)[GROUPS], atol=1e-6)


def test_coverage_net_round_trips_as_its_own_class(tiny_net, tmp_path):
    import keras

    tiny_net.save(tmp_path / "c.keras")
    loaded = keras.saving.load_model(tmp_path / "c.keras")
    assert isinstance(loaded, CoverageNet) and loaded.groups == GROUPS and loaded.token_stride == 2


def _tiny_albedo_net(**kwargs):
    return CoverageAlbedoNet(len(MASTER_GRID), 15, width=8, mlp_units=8, conv_filters=(4, 4), feature_units=8,
                             **kwargs)


def test_coverage_albedo_net_starts_at_the_prior_and_ignores_what_is_outside_the_mask(tmp_path):
    import keras

    net = _tiny_albedo_net()
    values, mask = encode(W[W < 0.95], _s_type(W[W < 0.95]))
    other = values.copy()
    other[~mask] = np.random.default_rng(1).normal(0, 3, (~mask).sum())
    inputs = {"spectrum": np.stack([values, other]), "mask": np.stack([mask, mask]).astype("float32"),
              "class_probabilities": np.full((2, 15), 1 / 15, "float32")}
    assert np.all(net.predict(inputs, verbose=0) == 0)     # zero-initialised head: the class prior, sigma mid-range
    head = net.get_layer("albedo")
    head.set_weights([np.random.default_rng(2).normal(0, 1, w.shape) for w in head.get_weights()])
    out = net.predict(inputs, verbose=0)
    assert np.abs(out).max() > 1e-3
    np.testing.assert_allclose(out[0], out[1], atol=1e-5)
    net.save(tmp_path / "a.keras")
    loaded = keras.saving.load_model(tmp_path / "a.keras")
    assert isinstance(loaded, CoverageAlbedoNet) and loaded.token_stride == 2
    np.testing.assert_allclose(loaded.predict(inputs, verbose=0), out, atol=1e-6)


def test_fit_regressor_trains_a_multitask_albedo_and_taxonomy_net():
    import keras

    rng = np.random.default_rng(0)
    n = 24
    values, mask = encode(W, _s_type(W))
    inputs = {"spectrum": np.repeat(values[None], n, 0) + rng.normal(0, 0.01, (n, len(MASTER_GRID))),
              "mask": np.repeat(mask[None], n, 0).astype("float32"), "class_probabilities": rng.random((n, 15))}
    labels = np.eye(4)[rng.integers(0, 4, n)]
    model, history = fit_regressor(
        lambda: _tiny_albedo_net(taxonomy_classes=4), inputs, {"albedo": rng.normal(0, 0.2, n), "taxonomy": labels},
        {"albedo": GaussianNLL(), "taxonomy": keras.losses.CategoricalCrossentropy()},
        TrainConfig(epochs=2, batch_size=8, patience=2, verbose=0), loss_weights={"albedo": 1.0, "taxonomy": 1.0})
    out = model.predict(inputs, verbose=0)
    assert sorted(out) == ["albedo", "taxonomy"] and out["albedo"].shape == (n, 2)
    np.testing.assert_allclose(out["taxonomy"].sum(1), 1, atol=1e-5)
    assert {"val_albedo_loss", "val_taxonomy_loss"} <= set(history.history)
    assert len(history.history["loss"]) == 2


def test_temperature_scaling_and_the_group_likelihood():
    p = np.array([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1]])
    np.testing.assert_allclose(calibrate(p, 1.0), p, atol=1e-9)
    assert calibrate(p, 3.0)[0, 0] < 0.9 < calibrate(p, 0.5)[0, 0]          # hotter is flatter
    # a 4-class-only label scores the group sum: classes 0 and 2 share group 0 here
    nll = negative_log_likelihood(p, [0, 1, 0], np.array([-1, -1]), np.array([0, 0]))
    assert nll == pytest.approx(-np.mean(np.log([0.95, 0.3])), rel=1e-9)


def test_mahalanobis_flags_far_points_only():
    rng = np.random.default_rng(0)
    F = rng.normal(0, 1, (300, 4))
    y = rng.integers(0, 3, 300)
    F[y == 1] += 6
    stats = fit_mahalanobis(F, y, 4)                     # class 3 has no rows: left out
    assert stats["classes"] == [0, 1, 2]
    near, far = ood_scores(F[:50], stats), ood_scores(rng.normal(0, 1, (50, 4)) + 40, stats)
    assert near.max() < far.min()


def test_asteroid_keys_join_every_survey_spelling():
    assert {asteroid_key(d) for d in ("433", "a000433", "0433")} == {"433"}
    assert {asteroid_key(d) for d in ("2002_UN", "2002 UN", "au2002UN", "2002UN")} == {"2002UN"}


def test_folds_hold_out_an_asteroid_in_every_survey_and_copies_keep_their_labels():
    meta = pd.DataFrame({"key": np.repeat([str(i) for i in range(40)], 3), "survey": ["a", "b", "c"] * 40,
                         "label_11": np.repeat(np.arange(40) % 11, 3), "label_4": np.repeat(np.arange(40) % 4, 3),
                         "name": ""})
    recipe = CoverageRecipe("toy", "", "", None, None, MASTER_GRID, None, None, None, None)
    for fold in recipe.folds(meta):
        assert not set(meta["key"][fold.train]) & set(meta["key"][fold.test])
    spectra = [(W, _s_type(W))] * len(meta)
    arrays = training_arrays(SpectrumCollection(spectra, meta).subset(np.arange(6)), copies=2, seed=0)
    assert len(arrays["label_11"]) == 18 and arrays["label_11"].tolist() == np.repeat(meta["label_11"][:6], 3).tolist()
    original, _ = encode(W, _s_type(W))
    np.testing.assert_array_equal(arrays["spectrum"][::3], np.tile(original, (6, 1)))   # each spectrum as given first
    assert not all(np.array_equal(row, original) for row in arrays["spectrum"][1::3])   # then perturbed copies


@pytest.mark.integration
def test_the_training_collection_joins_surveys_by_asteroid(mirror):
    from astrokeras.recipes import coverage_net_taxonomy

    data = coverage_net_taxonomy.training_spectra()
    counts = data.meta["survey"].value_counts().to_dict()
    assert counts == {"smass2": 1334, "gaia_dr3": 1395, "mithneos": 634, "korda2023": 586}
    helena = data.meta[data.meta["key"] == "101"]                             # (101) Helena, an S-type
    assert {"korda2023", "smass2", "mithneos", "gaia_dr3"} <= set(helena["survey"])
    assert (helena.loc[helena["survey"] != "smass2", "label_11"] == 7).all()   # Bus-DeMeo S (class 7)
    assert (helena["label_4"] == 0).all()                                     # S in both schemes
    assert (data.meta.loc[data.meta["survey"] == "smass2", "label_11"] == -1).all()
