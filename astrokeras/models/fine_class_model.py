"""Fit the finer-scheme models of :mod:`astrokeras.schemes.fine_classes`: one linear class model per 11-class parent
(standardise -> PCA -> logistic regression on that parent's children only), per family grid.

Every choice is made on the training spectra given: a child with fewer than
:data:`~astrokeras.schemes.fine_classes.MIN_SPECTRA` of them is folded into its parent's base class, and the
logistic regression's ``C`` is chosen by an inner stratified 3-fold log-loss on the same spectra.

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(0); w = np.linspace(0.44, 0.93, 60)
>>> spectra = [(w, 1 + (0.3 if k % 2 else -0.1) * (w - 0.5) + rng.normal(0, 0.01, w.size)) for k in range(40)]
>>> labels = ["Sq" if k % 2 else "S" for k in range(38)] + ["Sa", "C"]
>>> model = fit_fine_classes("Bus", spectra, labels)
>>> model["families"]["visible"]["parents"]["S"]["classes"], model["folded"]
(['S', 'Sq'], {'Sa': 'S'})
"""

from __future__ import annotations

import collections
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from astrokeras.schemes.class_model import affine_class_model
from astrokeras.schemes.fine_classes import (
    FAMILIES,
    MIN_SPECTRA,
    children,
    family_grid,
    features_of,
    parent_of,
)
from astrokeras.schemes.taxonomy import base_class
from astrokeras.spectra.coverage import covered

C_GRID = (0.01, 0.1, 1.0, 10.0)


def detrend_matrix(grid) -> np.ndarray:
    """The symmetric projection ``P`` that removes a straight line in wavelength from a log-reflectance row
    (``x @ P``): what is left is the shape of the bands, without the slope that space weathering and another
    telescope's calibration change. ``P`` is linear, so a class model on ``x @ P`` is still one affine map of ``x``.

    >>> g = np.linspace(0.5, 2.0, 7); P = detrend_matrix(g)
    >>> bool(np.allclose((0.3 + 0.2 * g) @ P, 0)), bool(np.allclose(P @ P, P))
    (True, True)
    """
    B = np.stack([np.ones(len(grid)), np.asarray(grid, float)], axis=1)
    return np.eye(len(grid)) - B @ np.linalg.solve(B.T @ B, B.T)


class Detrend(BaseEstimator, TransformerMixin):
    """``x @ P`` (:func:`detrend_matrix`) when ``active``, else ``x``: a step a grid search can switch."""

    def __init__(self, grid=None, active: bool = True):
        self.grid = grid
        self.active = active

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X) @ detrend_matrix(self.grid) if self.active else np.asarray(X)


def child_model(grid, seed: int = 0) -> GridSearchCV:
    """[Detrend ->] standardise -> PCA (99% of the variance) -> multinomial logistic regression; whether to remove
    the slope and ``C`` are chosen by inner stratified 3-fold log-loss on the training spectra."""
    pipeline = Pipeline([("detrend", Detrend(grid)), ("scale", StandardScaler()), ("pca", PCA(n_components=0.99)),
                         ("classifier", LogisticRegression(max_iter=5000, random_state=seed))])
    return GridSearchCV(pipeline, {"detrend__active": [False, True], "classifier__C": list(C_GRID)},
                        scoring="neg_log_loss", cv=StratifiedKFold(3, shuffle=True, random_state=seed), n_jobs=1)


def demeo_child_model(seed: int = 0) -> GridSearchCV:
    """Standardise -> PCA -> logistic regression on :func:`~astrokeras.schemes.fine_classes.demeo_features` (DeMeo
    et al. 2009's answer, PC1'..PC5' and slope), ``C`` by inner stratified 3-fold log-loss."""
    pipeline = Pipeline([("scale", StandardScaler()), ("pca", PCA(n_components=0.999)),
                         ("classifier", LogisticRegression(max_iter=5000, random_state=seed))])
    return GridSearchCV(pipeline, {"classifier__C": list(C_GRID) + [100.0]}, scoring="neg_log_loss",
                        cv=StratifiedKFold(3, shuffle=True, random_state=seed), n_jobs=1)


def affine_child_model(search, classes: int) -> dict:
    """The fitted :func:`child_model` as one affine map of the (not detrended) row: the detrending folded in."""
    best = search.best_estimator_
    if "detrend" not in best.named_steps:
        return affine_class_model(best, classes)
    affine = affine_class_model(Pipeline(best.steps[1:]), classes)
    if best.named_steps["detrend"].active:
        affine["weights"] = (detrend_matrix(best.named_steps["detrend"].grid) @ np.asarray(affine["weights"]))
        affine["weights"] = affine["weights"].round(8).tolist()
    return affine


def folded_labels(scheme: str, labels) -> tuple[list, dict]:
    """``(labels, folded)``: the labels (suffixes stripped) with every child rarer than ``MIN_SPECTRA`` read as
    its parent's base class, and ``{rare child: class}``; labels the 11 classes drop become ``None``.

    >>> folded_labels("Bus-DeMeo", ["Sv"] + ["S"] * 10 + ["O"])[1]
    {'Sv': 'S'}
    """
    stripped = [base_class(c) if scheme == "Bus-DeMeo" else str(c).strip() for c in labels]
    kept = [c if parent_of(scheme, c) is not None else None for c in stripped]
    counts = collections.Counter(c for c in kept if c is not None)
    folded = {c: parent_of(scheme, c) for c, n in sorted(counts.items())
              if n < MIN_SPECTRA and c != parent_of(scheme, c)}
    return [folded.get(c, c) if c is not None else None for c in kept], folded


def fit_fine_classes(scheme: str, spectra, labels, seed: int = 0, families=None) -> dict:
    """The ``fine-classes.json`` entry of ``scheme`` fitted on ``spectra`` (``(wavelength um, reflectance)``
    pairs) and their catalogue ``labels``: ``{"scheme", "families": {family: {"grid_um", "parents": {parent:
    {"classes", "weights", "bias", "spectra"}}}}, "folded", "counts"}``. A family is fitted on the spectra that
    cover its grid; a parent gets a model when it has two or more children left after folding."""
    labels, folded = folded_labels(scheme, labels)
    tree = children(scheme)
    out = {"scheme": scheme, "families": {}, "folded": folded,
           "counts": dict(sorted(collections.Counter(c for c in labels if c).items()))}
    for family in families or FAMILIES[scheme]:
        grid = family_grid(scheme, family)
        rows = [i for i, ((w, _), c) in enumerate(zip(spectra, labels)) if c and covered(w, grid).all()]
        found = [features_of(scheme, family, *spectra[i]) for i in rows]
        X = {name: np.stack([f[name] for f in found]) for name in (found[0] if found else {})}
        y = np.array([labels[i] for i in rows], dtype=object)
        parents = {}
        for parent, kids in tree.items():
            here = np.isin(y, kids)
            present = sorted(set(y[here]))
            if len(present) < 2:
                continue
            index = np.array([present.index(c) for c in y[here]])
            searches = {}
            with warnings.catch_warnings():  # an inner fold may miss a small child: its log-loss still ranks C
                warnings.filterwarnings("ignore", category=UserWarning)
                searches["values"] = child_model(grid, seed).fit(X["values"][here], index)
                if "demeo" in X:
                    searches["demeo"] = demeo_child_model(seed).fit(X["demeo"][here], index)
            features = max(searches, key=lambda name: searches[name].best_score_)  # the same inner folds
            search = searches[features]
            parents[parent] = {"classes": present, "features": features, **affine_child_model(search, len(present)),
                               "spectra": int(here.sum()), "C": float(search.best_params_["classifier__C"]),
                               "slope_removed": bool(search.best_params_.get("detrend__active", False)),
                               "inner_log_loss": {k: round(-v.best_score_, 4) for k, v in searches.items()}}
        out["families"][family] = {"grid_um": grid.tolist(), "parents": parents, "spectra": len(rows)}
    return out
