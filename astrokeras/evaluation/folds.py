"""Honest folds: stratified k-fold with a fixed seed, augmentation applied inside the training part only.

Every baseline and network is evaluated on the same :func:`stratified_folds`; :func:`fold_data` builds one
fold's arrays and, when asked, augments the training part *after* the split, keeping each augmented row's
parent so a test can prove that no copy of a test spectrum reaches training.

Example
-------
>>> import numpy as np
>>> from astrokeras.evaluation.folds import stratified_folds, fold_data
>>> from astrokeras.spectra.augmentation import augment_pca_noise
>>> X = np.random.default_rng(0).normal(1.0, 0.1, size=(40, 12)); y = np.repeat([0, 1], 20)
>>> folds = stratified_folds(y, n_splits=5, seed=0)
>>> data = fold_data(X, y, folds[0], augment=lambda X, y: augment_pca_noise(X, y, n_per_class=60, seed=0))
>>> data.X_train.shape, data.X_test.shape
((120, 12), (8, 12))
>>> bool(np.isin(data.parent, folds[0].test).any())
False
"""

from __future__ import annotations

import dataclasses
import typing
import warnings

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold


@dataclasses.dataclass(frozen=True)
class Fold:
    """One split: ``train`` and ``test`` are row indices into the full data set."""

    index: int
    train: np.ndarray
    test: np.ndarray


def stratified_folds(y, n_splits: int = 5, seed: int = 0, groups=None) -> list[Fold]:
    """Stratified k-fold splits of labels ``y`` (shuffled with ``seed``); with ``groups`` no group straddles folds.

    A class with fewer members than ``n_splits`` (the 11-class set has 4 T-types) cannot appear in every test
    fold: a warning names it, and its members land in different folds.
    """
    y = np.asarray(y)
    counts = dict(zip(*np.unique(y, return_counts=True)))
    rare = {k.item(): int(v) for k, v in counts.items() if v < n_splits}
    if rare:
        warnings.warn(f"classes with fewer than n_splits={n_splits} members are absent from some test folds: {rare}",
                      stacklevel=2)
    if groups is None:
        splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        splits = splitter.split(np.zeros(y.size), y)
    else:
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        splits = splitter.split(np.zeros(y.size), y, groups)
    with warnings.catch_warnings():  # scikit-learn repeats, less clearly, the warning about rare classes above
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        return [Fold(i, np.sort(train), np.sort(test)) for i, (train, test) in enumerate(splits)]


class FoldData(typing.NamedTuple):
    """A fold's arrays; ``parent[i]`` is the row of the full data set that training row ``i`` derives from."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    parent: np.ndarray


def fold_data(X, y, fold: Fold, augment: typing.Callable | None = None) -> FoldData:
    """Split ``X, y`` by ``fold``; then, if given, ``augment(X_train, y_train)`` -> ``(X, y, parent)``.

    ``augment`` sees the training rows only (e.g. :func:`astrokeras.spectra.augmentation.augment_pca_noise`); its
    ``parent`` indices (into the training rows) are mapped back to rows of the full data set.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if np.intersect1d(fold.train, fold.test).size:
        raise ValueError(f"fold {fold.index}: train and test share rows")
    X_train, y_train, parent = X[fold.train], y[fold.train], fold.train
    if augment is not None:
        X_train, y_train, local_parent = augment(X_train, y_train)
        parent = fold.train[np.asarray(local_parent)]
    return FoldData(X_train, y_train, X[fold.test], y[fold.test], parent)
