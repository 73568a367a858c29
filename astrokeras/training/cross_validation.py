"""Cross-validation: run classification methods on the same honest folds and collect their scores.

Every method sees the same :func:`~astrokeras.evaluation.folds.stratified_folds`; scikit-learn baselines tune on the
training fold (inner CV), Keras models carve their validation set from the training fold; the test fold is
only ever predicted. Scores: accuracy and AP (mean per-class accuracy, paper Eq. 11), mean +- std over folds,
and the confusion matrix summed over folds.

Example
-------
>>> import numpy as np
>>> from astrokeras.evaluation.folds import stratified_folds
>>> from astrokeras.training.cross_validation import SklearnMethod, evaluate
>>> from sklearn.neighbors import KNeighborsClassifier
>>> rng = np.random.default_rng(0); y = np.repeat([0, 1], 20); X = rng.normal(size=(40, 5)) + y[:, None]
>>> result = evaluate(X, y, 2, stratified_folds(y, 4), [SklearnMethod("kNN", KNeighborsClassifier)])
>>> result["kNN"].acc_mean > 0.7
True
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
import typing

import numpy as np

from astrokeras.evaluation import accuracy, confusion, mean_class_accuracy, mean_std
from astrokeras.evaluation.folds import Fold
from astrokeras.training.classifier import fit_classifier, predict_proba

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Scores:
    """Per-fold scores of one method."""

    acc: list = dataclasses.field(default_factory=list)
    ap: list = dataclasses.field(default_factory=list)
    seconds: list = dataclasses.field(default_factory=list)
    confusion: np.ndarray | None = None
    predictions: dict = dataclasses.field(default_factory=dict)  # row -> probabilities (Keras) or class

    @property
    def acc_mean(self):
        return mean_std(self.acc)[0]

    def row(self, method: str) -> dict:
        acc, acc_std = mean_std(self.acc)
        ap, ap_std = mean_std(self.ap)
        return {"method": method, "source": "measured", "acc": round(acc, 4), "ap": round(ap, 4),
                "acc_std": round(acc_std, 4), "ap_std": round(ap_std, 4),
                "seconds_per_fold": round(float(np.mean(self.seconds)), 1), "folds": len(self.acc)}


@dataclasses.dataclass
class SklearnMethod:
    """A scikit-learn estimator factory: ``factory(seed=...)`` or ``factory()``."""

    name: str
    factory: typing.Callable

    def fit_predict(self, X_train, y_train, X_test, num_classes, seed):
        try:
            estimator = self.factory(seed=seed)
        except TypeError:
            estimator = self.factory()
        estimator.fit(X_train, y_train)
        return estimator.predict(X_test), None


@dataclasses.dataclass
class KerasMethod:
    """A Keras builder ``build(bands, num_classes)`` trained with :func:`~astrokeras.training.fit_classifier`.

    ``ensemble`` models (different seeds) average their probabilities; ``augment`` (training part only) as in
    :func:`~astrokeras.training.fit_classifier`.
    """

    name: str
    build: typing.Callable
    config: typing.Any
    ensemble: int = 1
    augment: typing.Callable | None = None

    def fit_predict(self, X_train, y_train, X_test, num_classes, seed):
        models = []
        for member in range(self.ensemble):
            config = dataclasses.replace(self.config, seed=seed * 100 + member)
            model, _ = fit_classifier(lambda: self.build(X_train.shape[1], num_classes), X_train, y_train,
                                      num_classes, config, augment=self.augment)
            models.append(model)
        probabilities = predict_proba(models, X_test)
        return probabilities.argmax(axis=1), probabilities


def unit_name(method: str, fold) -> str:
    """The saved unit of one method on one fold: ``fold3-ASC-Net-ensemble-x3``."""
    slug = re.sub(r"[^A-Za-z0-9+]+", "-", method).strip("-")
    return f"fold{fold.index + 1}-{slug}"


def evaluate(X, y, num_classes: int, folds: list[Fold], methods, *, seed: int = 0, store=None) -> dict:
    """``{method name: Scores}`` over ``folds``; a progress line per fold goes to the ``astrokeras`` logger.

    ``store``: a :class:`~astrokeras.evaluation.fold_store.FoldStore`; each method's out-of-fold predictions on
    each fold are saved there as they finish and read back (not trained again) by a later run with the same key.
    """
    X, y = np.asarray(X, dtype="float32"), np.asarray(y)
    results = {}
    for method in methods:
        scores = Scores(confusion=np.zeros((num_classes, num_classes), dtype=np.int64))
        for position, fold in enumerate(folds, 1):

            def work():
                start = time.perf_counter()
                predicted, probabilities = method.fit_predict(X[fold.train], y[fold.train], X[fold.test],
                                                              num_classes, seed + fold.index)
                arrays = {"test": fold.test, "predicted": predicted}
                if probabilities is not None:
                    arrays["probabilities"] = probabilities
                return arrays, {"seconds": time.perf_counter() - start}

            arrays, info = store.compute(unit_name(method.name, fold), work) if store is not None else work()
            predicted = arrays["predicted"]
            scores.seconds.append(info["seconds"])
            scores.acc.append(accuracy(y[fold.test], predicted))
            scores.ap.append(mean_class_accuracy(y[fold.test], predicted))
            matrix = confusion(y[fold.test], predicted, num_classes)
            scores.confusion += matrix
            kept = arrays["probabilities"] if "probabilities" in arrays else predicted
            for row, value in zip(fold.test, kept):
                scores.predictions[int(row)] = value
            log.info(f"  {method.name:<28} fold {position}/{len(folds)} (#{fold.index}): acc {scores.acc[-1]:.4f} "
                f"AP {scores.ap[-1]:.4f} ({scores.seconds[-1]:.0f} s); correct per class "
                + " ".join(f"{matrix[c, c]}/{matrix[c].sum()}" for c in range(num_classes)))
        results[method.name] = scores
    return results
