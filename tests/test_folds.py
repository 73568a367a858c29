import numpy as np
import pytest

from astrokeras.evaluation.folds import fold_data, stratified_folds
from astrokeras.spectra.augmentation import augment_pca_noise


def _data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n // 3)
    X = 1.0 + 0.05 * rng.normal(size=(n, 30)) + 0.1 * y[:, None] * np.linspace(-1, 1, 30)
    return X, y


def _augment(X, y):
    return augment_pca_noise(X, y, n_per_class=50, seed=0)


def test_folds_partition_the_data_and_stratify():
    X, y = _data()
    folds = stratified_folds(y, n_splits=5, seed=1)
    test = np.concatenate([f.test for f in folds])
    assert sorted(test.tolist()) == list(range(len(y)))
    for f in folds:
        assert np.bincount(y[f.test]).tolist() == [4, 4, 4]
        assert np.intersect1d(f.train, f.test).size == 0


def test_same_seed_same_folds_other_seed_other_folds():
    _, y = _data()
    a, b, c = stratified_folds(y, seed=7), stratified_folds(y, seed=7), stratified_folds(y, seed=8)
    assert all(np.array_equal(x.test, z.test) for x, z in zip(a, b))
    assert not all(np.array_equal(x.test, z.test) for x, z in zip(a, c))


def test_no_augmented_copy_of_a_test_spectrum_reaches_training():
    X, y = _data()
    for fold in stratified_folds(y, n_splits=5, seed=0):
        data = fold_data(X, y, fold, augment=_augment)
        assert len(data.X_train) == 150
        assert not np.isin(data.parent, fold.test).any()
        assert np.array_equal(data.y_train, y[data.parent])


def test_the_test_spectra_do_not_influence_the_training_set():
    # Replace every test spectrum with garbage: the fold's augmented training set must not change at all,
    # which fails if the PCA (or anything else) were fitted on data that includes the test part.
    X, y = _data()
    fold = stratified_folds(y, n_splits=5, seed=0)[2]
    before = fold_data(X, y, fold, augment=_augment)
    X_poisoned = X.copy()
    X_poisoned[fold.test] = 50.0 + np.random.default_rng(1).normal(size=X[fold.test].shape)
    after = fold_data(X_poisoned, y, fold, augment=_augment)
    np.testing.assert_array_equal(before.X_train, after.X_train)


def test_groups_never_straddle_folds():
    X, y = _data()
    groups = np.arange(len(y)) // 2
    for fold in stratified_folds(y, n_splits=3, seed=0, groups=groups):
        assert np.intersect1d(groups[fold.train], groups[fold.test]).size == 0


def test_too_rare_a_class_is_named_in_a_warning_and_spread_over_folds():
    y = np.array([0] * 10 + [1] * 3)
    with pytest.warns(UserWarning, match=r"fewer than n_splits=5 members are absent from some test folds: \{1: 3\}"):
        folds = stratified_folds(y, n_splits=5)
    assert sorted(int(np.sum(y[f.test] == 1)) for f in folds) == [0, 0, 1, 1, 1]
