"""Train one albedo network on the visible and the VIS-NIR albedo data sets at once (issue #13's joint lever).

:class:`~astrokeras.models.CoverageAlbedoNet` reads every spectrum on CoverageNet's masked master grid, so AAED
(VIS-NIR, 11 classes) and AAED-visible (SMASS II, S / C / X / Other) train the same network. Each row keeps its own
data set's out-of-sample class probabilities and class prior: the network reads a 15-long class vector
(:func:`class_vector`: ``[P11, P11 summed into S / C / X / Other]`` for a VIS-NIR row, ``[0 * 11, P4]`` for a
visible one) and learns the deviation of log10 albedo from the row's own probability-weighted class prior. With
``taxonomy``, a second head predicts S / C / X / Other from the same features (multitask, cross-entropy of
weight 1).

Example
-------
>>> import numpy as np
>>> from astrokeras.schemes.taxonomy import VISNIR_11
>>> G = four_class_grouping(VISNIR_11)
>>> G.shape, G.sum(0).astype(int).tolist()          # S, C (B and C), X, Other (A D K L Q T V)
((11, 4), [1, 2, 1, 7])
>>> class_vector(np.eye(4)[[2]], None).tolist()[0][-4:], class_vector(np.eye(11)[[7]], G)[0, 11:].tolist()
([0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0])
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from astrokeras.losses import GaussianNLL, bounded_log_sigma
from astrokeras.models import CoverageAlbedoNet
from astrokeras.schemes.taxonomy import FOUR_CLASS
from astrokeras.spectra.coverage import encode_many
from astrokeras.training.albedo import class_prior, class_probabilities
from astrokeras.training.classifier import TrainConfig
from astrokeras.training.regressor import fit_regressor

VECTOR_LENGTH = 15  # 11 VIS-NIR classes + S / C / X / Other


def four_class_grouping(scheme) -> np.ndarray:
    """The ``len(scheme.classes) x 4`` matrix that sums a scheme's class probabilities into S / C / X / Other."""
    return np.array([[FOUR_CLASS.map(name) == group for group in FOUR_CLASS.classes] for name in scheme.classes],
                    dtype=float)


def class_vector(P, grouping) -> np.ndarray:
    """The network's class vector of probabilities ``P``: ``[P, P @ grouping]`` for 11-class probabilities
    (``grouping`` from :func:`four_class_grouping`), ``[0 * 11, P]`` for S / C / X / Other ones (``grouping``
    None)."""
    P = np.asarray(P, dtype=float)
    if grouping is None:
        return np.hstack([np.zeros((len(P), VECTOR_LENGTH - P.shape[1])), P])
    return np.hstack([P, P @ grouping])


@dataclasses.dataclass
class AlbedoTable:
    """One albedo data set (a recipe's ``data()``) with its spectra also encoded on the master grid."""

    recipe: object
    X: np.ndarray
    albedo: np.ndarray
    classes: np.ndarray
    designations: np.ndarray
    values: np.ndarray
    mask: np.ndarray

    @classmethod
    def load(cls, recipe):
        X, albedo, classes, designations = recipe.data()
        values, mask = encode_many((recipe.grid, row) for row in X)
        return cls(recipe, X, albedo, classes, designations, values, mask.astype("float32"))

    @property
    def grouping(self):
        """:func:`four_class_grouping` of an 11-class table, None for a 4-class one."""
        return four_class_grouping(self.recipe.scheme) if len(self.recipe.scheme.classes) > 4 else None

    def four_class(self, rows) -> np.ndarray:
        """The true S / C / X / Other index of ``rows``."""
        grouping = self.grouping
        return self.classes[rows] if grouping is None else grouping[self.classes[rows]].argmax(1)

    def class_inputs(self, train, test, seed: int):
        """Out-of-sample class vectors and log10 class-prior offsets: ``((vectors, offsets) of train, of test)``;
        the training rows' probabilities are cross-validated (:func:`~astrokeras.training.albedo.class_probabilities`),
        the class prior is the training rows' per-class mean of log10 albedo."""
        n = len(self.recipe.scheme.classes)
        P_train, P_test = class_probabilities(self.X[train], self.classes[train], self.X[test], seed, n)
        prior = class_prior(np.log10(self.albedo[train]), self.classes[train], n)
        return ((class_vector(P_train, self.grouping), P_train @ prior),
                (class_vector(P_test, self.grouping), P_test @ prior), prior)


def joint_fold(tables: dict, folds: dict, k: int, seed: int):
    """Fold ``k`` of the joint protocol: ``(parts, tests)``. The test asteroids are the union of every table's own
    test fold ``k`` (``folds[key][k].test``), and no training row of any table is one of them (an asteroid in two
    tables is held out of both). ``parts``: ``[(table, train rows, class vectors, log10 offsets)]`` for
    :func:`fit_joint_albedo`; ``tests``: ``{key: (test rows, class vectors, log10 offsets)}``; every class input
    is out of sample (:meth:`AlbedoTable.class_inputs` on the table's own fold)."""
    tested = set().union(*(t.designations[folds[key][k].test] for key, t in tables.items()))
    parts, tests = [], {}
    for key, t in tables.items():
        fold = folds[key][k]
        (c_train, o_train), (c_test, o_test), _ = t.class_inputs(fold.train, fold.test, seed)
        keep = ~np.isin(t.designations[fold.train], list(tested))
        parts.append((t, fold.train[keep], c_train[keep], o_train[keep]))
        tests[key] = (fold.test, c_test, o_test)
    return parts, tests


def fit_joint_albedo(parts, config: TrainConfig, *, taxonomy: bool = True, beta: float = 0.0, network=None):
    """Train a CoverageAlbedoNet on ``parts``, a list of ``(table, rows, vectors, offsets)`` (one per data set);
    returns ``(model, history)``. Early stopping on a validation share stratified by data set and S / C / X / Other.
    ``network(bands, vector_length, taxonomy_classes)`` defaults to the recipe widths of
    :class:`~astrokeras.models.CoverageAlbedoNet`."""
    network = network or (lambda bands, n, k: CoverageAlbedoNet(bands, n, taxonomy_classes=k))
    values = np.concatenate([t.values[rows] for t, rows, _, _ in parts])
    mask = np.concatenate([t.mask[rows] for t, rows, _, _ in parts])
    vectors = np.concatenate([v for _, _, v, _ in parts])
    target = np.concatenate([np.log10(t.albedo[rows]) - o for t, rows, _, o in parts])
    four = np.concatenate([t.four_class(rows) for t, rows, _, _ in parts])
    strata = np.concatenate([np.full(len(rows), 4 * i) for i, (_, rows, _, _) in enumerate(parts)]) + four
    k = len(FOUR_CLASS.classes) if taxonomy else 0
    y, loss = target, GaussianNLL(beta)
    if taxonomy:
        y = {"albedo": target, "taxonomy": np.eye(k)[four]}
        loss = {"albedo": GaussianNLL(beta), "taxonomy": keras.losses.CategoricalCrossentropy()}
    return fit_regressor(lambda: network(values.shape[1], vectors.shape[1], k),
                         {"spectrum": values, "mask": mask, "class_probabilities": vectors}, y, loss, config,
                         stratify=strata)


def predict_joint_albedo(model, values, mask, vectors, offsets):
    """``(albedo, sigma_dex)`` of a CoverageAlbedoNet for encoded spectra, class vectors and log10 offsets."""
    out = model.predict({"spectrum": np.asarray(values, "float32"), "mask": np.asarray(mask, "float32"),
                         "class_probabilities": np.asarray(vectors, "float32")}, verbose=0)
    out = out["albedo"] if isinstance(out, dict) else out
    return 10.0 ** (out[:, 0] + offsets), np.exp(np.asarray(bounded_log_sigma(out[:, 1])))
