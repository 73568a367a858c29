"""The joint albedo network: one CoverageAlbedoNet on the visible and the VIS-NIR albedo sets at once (tiny data)."""

import dataclasses

import numpy as np
import pytest

from astrokeras.datasets.tasks import VISIBLE_GRID, VISNIR_GRID
from astrokeras.models import CoverageAlbedoNet
from astrokeras.recipes import aae_net_albedo, aae_net_albedo_visible
from astrokeras.training import TrainConfig
from astrokeras.training.joint_albedo import (VECTOR_LENGTH, AlbedoTable, class_vector, fit_joint_albedo,
                                              four_class_grouping, joint_fold, predict_joint_albedo)

QUICK = TrainConfig(epochs=1, batch_size=16, verbose=0, validation_fraction=0.2)


def _toy(recipe, grid, per_class, first, seed):
    """A recipe whose ``data()`` is ``per_class`` smooth positive spectra per class, designations from ``first``."""
    n = len(recipe.scheme.classes)
    rng = np.random.default_rng(seed)
    classes = np.repeat(np.arange(n), per_class)
    slope = 0.05 * classes[:, None] + rng.normal(0, 0.02, (len(classes), 1))
    X = (1 + slope * (np.asarray(grid)[None, :] - 0.55)).astype("float32")
    albedo = 0.05 + 0.02 * classes + rng.uniform(0, 0.01, len(classes))
    names = np.array([str(first + i) for i in range(len(classes))])
    return dataclasses.replace(recipe, data=lambda: (X, albedo, classes, names))


@pytest.fixture(scope="module")
def toy_recipes():
    visible = _toy(aae_net_albedo_visible.RECIPE, VISIBLE_GRID, 10, 0, 0)      # asteroids 0-39
    visnir = _toy(aae_net_albedo.RECIPE, VISNIR_GRID, 6, 20, 1)                # asteroids 20-85: 20 shared
    return visible, visnir


def test_the_11_classes_sum_into_s_c_x_other_and_a_visible_row_has_zeros_first():
    grouping = four_class_grouping(aae_net_albedo.RECIPE.scheme)
    np.testing.assert_array_equal(grouping.sum(1), 1)                        # each class in exactly one group
    P11 = np.full((3, 11), 1 / 11)
    v = class_vector(P11, grouping)
    assert v.shape == (3, VECTOR_LENGTH)
    np.testing.assert_allclose(v[:, 11:].sum(1), 1.0)                        # the grouped part is a distribution
    visible = class_vector(np.eye(4)[[0, 3]], None)
    assert np.all(visible[:, :11] == 0) and visible[1, -1] == 1


def test_a_test_asteroid_of_either_table_leaves_the_training_rows_of_both(toy_recipes):
    tables = {key: AlbedoTable.load(r) for key, r in zip(("visible", "visnir"), toy_recipes)}
    folds = {key: t.recipe.folds(t.classes) for key, t in tables.items()}
    parts, tests = joint_fold(tables, folds, 0, seed=0)
    held = set().union(*(tables[key].designations[rows] for key, (rows, _, _) in tests.items()))
    for (t, rows, vectors, offsets), key in zip(parts, tables):
        assert not set(t.designations[rows]) & held                                 # no test asteroid trains
        assert set(rows) <= set(folds[key][0].train) and len(vectors) == len(offsets) == len(rows)
        np.testing.assert_array_equal(tests[key][0], folds[key][0].test)             # each table's own test fold
    # holding out each table's own fold only would keep more: the shared asteroids 20-39 in one table's test
    # fold leave the other table's training rows too
    own_fold_only = sum(len(folds[key][0].train) for key in tables)
    assert sum(len(rows) for _, rows, _, _ in parts) < own_fold_only
    assert tests["visible"][1].shape == (len(folds["visible"][0].test), VECTOR_LENGTH)


def test_an_untrained_joint_network_answers_each_row_s_own_class_prior(toy_recipes):
    tables = [AlbedoTable.load(r) for r in toy_recipes]
    parts = []
    for t in tables:
        rows = np.arange(len(t.albedo))
        (vectors, offsets), _, _ = t.class_inputs(rows, rows[:2], 0)
        parts.append((t, rows, vectors, offsets))
    model, _ = fit_joint_albedo(parts, QUICK, taxonomy=False)
    fresh = CoverageAlbedoNet(tables[0].values.shape[1], VECTOR_LENGTH)     # zero-initialised output
    t, rows, vectors, offsets = parts[1]
    albedo, sigma = predict_joint_albedo(fresh, t.values[rows], t.mask[rows], vectors, offsets)
    np.testing.assert_allclose(albedo, 10.0 ** offsets, rtol=1e-5)            # the P-weighted class prior
    assert np.all(sigma > 0)
    trained, _ = predict_joint_albedo(model, t.values[rows], t.mask[rows], vectors, offsets)
    assert trained.shape == albedo.shape and not np.allclose(trained, albedo)  # one epoch moved it
    assert model.taxonomy_classes == 0
    multitask, _ = fit_joint_albedo(parts, QUICK, taxonomy=True)                # + an S / C / X / Other head
    out = multitask.predict({"spectrum": t.values[:3], "mask": t.mask[:3], "class_probabilities": vectors[:3]},
                            verbose=0)
    assert set(out) == {"albedo", "taxonomy"} and np.allclose(out["taxonomy"].sum(1), 1.0, atol=1e-5)
