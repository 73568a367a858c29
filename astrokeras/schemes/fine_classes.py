"""The schemes papers cite, under the 11 classes: Bus-DeMeo (DeMeo et al. 2009) and Bus (Bus & Binzel 2002).

A finer class is read as a child of one of the 11 VIS-NIR classes (:data:`~astrokeras.schemes.taxonomy.VISNIR_11`:
Sq, Sr are children of S; Ch, Cgh of C; Xk, Xe of X; Sl, Sk of S in the Bus scheme; Ld of L) and its probability is

    P(child) = P11(parent) x P(child | parent, spectrum),

so the finer probabilities sum back to the 11-class ones over each parent, and to S / C / X / Other over the
groups: the schemes never disagree. ``P(child | parent, spectrum)`` is a linear class model (standardise -> PCA ->
logistic regression, fitted on the children of one parent only, folded into one affine map and a softmax:
:mod:`astrokeras.schemes.class_model`) of the centred log-reflectance on a *family* grid
(:func:`astrokeras.spectra.coverage.encode`):

* Bus-DeMeo: ``VIS-NIR`` 0.45-2.45 um when the spectrum covers it, else ``NIR`` 0.85-2.45 um (IRTF/SpeX,
  MITHNEOS without a visible part); a spectrum covering neither gets no Bus-DeMeo class, and says why;
* Bus: ``visible`` 0.46-0.90 um.

A child with fewer than :data:`MIN_SPECTRA` labelled spectra is not learnt: it is *folded* into its parent's
base class (Sv and Sa are read as S, Cb and Cg as C, Xc and Xn as X) and the result says so; a class is never
invented from two examples. DeMeo's weathering suffix ``w`` is a flag, not a class: a slope of at least
:data:`WEATHERED_SLOPE` per um (DeMeo et al. 2009) over 0.45-2.45 um for S, Sq, Sr, Sv, Q and V.

The fitted models ship in ``astrokeras/pretrained/fine-classes.json``, written from korda2023 (Bus-DeMeo) and
SMASS II (Bus) by ``python -m astrokeras.reproduce.fine_classes --write``.

Example
-------
>>> import numpy as np
>>> parents = {"S": {"classes": ["S", "Sq"], "weights": [[0.0, 1.0]] * 3, "bias": [0.0, 0.0]}}
>>> model = {"families": {"toy": {"grid_um": [0.5, 0.7, 0.9], "parents": parents}}, "folded": {"Sv": "S"}}
>>> classes11 = ["A", "B", "C", "D", "K", "L", "Q", "S", "T", "V", "X"]
>>> P11 = np.r_[np.zeros(7), 0.8, 0.0, 0.0, 0.2]
>>> fine = fine_probabilities(model, "toy", np.zeros(3), P11, classes11)
>>> [(c, round(p, 3)) for c, p in zip(fine.classes, fine.probabilities) if p > 0]
[('S', 0.4), ('Sq', 0.4), ('X', 0.2)]
"""

from __future__ import annotations

import dataclasses
import functools
import json
import pathlib

import numpy as np

from astrokeras.schemes.class_model import class_probabilities_of
from astrokeras.schemes.demeo_pca import (
    WEATHERED_CLASSES,
    WEATHERED_SLOPE,
    demeo_classify,
    demeo_preprocess,
)
from astrokeras.schemes.taxonomy import BUS, BUS_DEMEO, VISNIR_11, base_class
from astrokeras.spectra.coverage import covered, encode

MIN_SPECTRA = 8  # a child class with fewer labelled spectra is folded into its parent's base class
FAMILIES = {  # scheme -> {family: (start, stop, step) um}, widest first
    "Bus-DeMeo": {"VIS-NIR": (0.45, 2.45, 0.05), "NIR": (0.85, 2.45, 0.05)},
    "Bus": {"visible": (0.46, 0.90, 0.02)},
}
# Bus (1999) classes -> the 11 VIS-NIR classes (the three Bus classes the 11 lack: Sk, Sl -> S, Ld -> L)
BUS_PARENT = {c: VISNIR_11.map(c) or {"Sk": "S", "Sl": "S", "Ld": "L"}[c] for c in BUS.classes}


def family_grid(scheme: str, family: str) -> np.ndarray:
    """The wavelengths (um) of one family grid.

    >>> family_grid("Bus-DeMeo", "NIR")[[0, -1]].tolist(), family_grid("Bus", "visible").size
    ([0.85, 2.45], 23)
    """
    start, stop, step = FAMILIES[scheme][family]
    return np.round(np.arange(start, stop + step / 2, step), 3)


def parent_of(scheme: str, label: str):
    """The 11-class parent of a Bus-DeMeo or Bus label (suffixes stripped), or None where the 11 drop it.

    >>> parent_of("Bus-DeMeo", "Sqw"), parent_of("Bus", "Ld"), parent_of("Bus", "O")
    ('S', 'L', None)
    """
    if scheme == "Bus":
        return BUS_PARENT.get(str(label).strip())
    return VISNIR_11.map(label)


def children(scheme: str) -> dict:
    """``{parent: [children]}`` of a scheme, every class of it that the 11 keep.

    >>> children("Bus-DeMeo")["X"], children("Bus")["L"]
    (['X', 'Xc', 'Xe', 'Xk', 'Xn'], ['L', 'Ld'])
    """
    classes = BUS_DEMEO.classes if scheme == "Bus-DeMeo" else BUS.classes
    tree = {}
    for c in classes:
        parent = parent_of(scheme, c)
        if parent is not None:
            tree.setdefault(parent, []).append(c)
    return tree


def family_of(scheme: str, wavelength, families=None):
    """``(family, grid)``: the widest family of ``scheme`` (of ``families``, default all) whose grid the
    spectrum covers without a gap and with at least as many points as the grid has bands; ``(None, None)`` when
    it covers none. The child models learnt from dense spectra: on Gaia DR3's 16 bands the Bus child models
    agreed with SMASS II's class for 22% of the asteroids (the fine-classes table), so sparse spectra get none.

    >>> family_of("Bus-DeMeo", np.linspace(0.8, 2.5, 300))[0], family_of("Bus-DeMeo", np.linspace(0.9, 1.65, 99))
    ('NIR', (None, None))
    >>> family_of("Bus", np.round(0.374 + 0.044 * np.arange(16), 3))[0] is None    # Gaia's 16 bands: too sparse
    True
    """
    w = np.asarray(wavelength, float)
    for family in families or FAMILIES[scheme]:
        grid = family_grid(scheme, family)
        dense = np.sum((w >= grid[0] - 0.01) & (w <= grid[-1] + 0.01)) >= grid.size
        if dense and covered(w, grid).all():
            return family, grid
    return None, None


@dataclasses.dataclass
class FineClasses:
    """One spectrum's probabilities in a finer scheme (see the module docstring)."""

    scheme: str
    family: str
    classes: list
    probabilities: list
    folded: dict  # rare child -> the class it is read as

    @property
    def top(self):
        i = int(np.argmax(self.probabilities))
        return self.classes[i], float(self.probabilities[i])


def demeo_features(wavelength, reflectance) -> np.ndarray:
    """What DeMeo et al. 2009's procedure says about a spectrum covering 0.45-2.45 um, as child-model inputs: the
    class its tree gives (one-hot over the Bus-DeMeo classes, suffix stripped; all zero when indeterminate), then
    PC1'..PC5' and the slope (:mod:`astrokeras.schemes.demeo_pca`, without templates: its documented fall-back
    rules, so nothing but numpy is needed).

    >>> w = np.linspace(0.45, 2.45, 81); f = demeo_features(w, 1 + 0.3 * (w - 0.55))
    >>> f.shape, round(float(f[-1]), 2)
    ((31,), 0.3)
    """
    result = demeo_classify(wavelength, reflectance)
    label = base_class(result.label) if result.label else ""
    onehot = [float(label == c) for c in BUS_DEMEO.classes]
    return np.array([*onehot, *np.asarray(result.scores, float)[:5], result.slope])


def features_of(scheme: str, family: str, wavelength, reflectance) -> dict:
    """The inputs a family's child models may read: ``values`` (the centred log-reflectance on the family grid,
    :func:`astrokeras.spectra.coverage.encode`) and, for Bus-DeMeo on VIS-NIR, ``demeo`` (:func:`demeo_features`)."""
    out = {"values": encode(wavelength, reflectance, family_grid(scheme, family))[0]}
    if scheme == "Bus-DeMeo" and family == "VIS-NIR":
        out["demeo"] = demeo_features(wavelength, reflectance)
    return out


def fine_probabilities(model: dict, family: str, features, P11, classes11) -> FineClasses:
    """The finer probabilities from the 11-class ones ``P11`` (in ``classes11`` order) and the spectrum's
    ``features`` (:func:`features_of`; an array is read as ``values``); ``model`` is one scheme's entry of
    ``fine-classes.json``, whose child models each name the features they read. A parent without a child model
    (A, B, D, ... or a complex whose other children are all rare) keeps its own name and probability."""
    features = features if isinstance(features, dict) else {"values": features}
    parents = model["families"][family]["parents"]
    classes, probabilities = [], []
    for parent, p in zip(classes11, np.asarray(P11, dtype=float)):
        if parent in parents:
            entry = parents[parent]
            x = np.asarray(features[entry.get("features", "values")], float)
            conditional = class_probabilities_of(entry, x[None])[0]
            classes += list(entry["classes"])
            probabilities += list(p * conditional)
        else:
            classes.append(parent)
            probabilities.append(float(p))
    return FineClasses(model.get("scheme", ""), family, classes, [float(p) for p in probabilities],
                       dict(model.get("folded", {})))


def fine_classes_of(models: dict, scheme: str, wavelength, reflectance, P11, classes11):
    """``(FineClasses or None, why)`` of one spectrum (sorted um wavelengths, positive reflectance) in ``scheme``:
    the widest family it covers; ``None`` and a sentence when it covers none."""
    model = models[scheme]
    family, _ = family_of(scheme, wavelength, list(model["families"]))
    if family is None:
        need = " or ".join(f"{a:g}-{b:g} um" for a, b, _ in FAMILIES[scheme].values())
        return None, f"it needs {need} without gaps, sampled at least every {min(s for *_, s in FAMILIES[scheme].values()):g} um"
    fine = fine_probabilities(model, family, features_of(scheme, family, wavelength, reflectance), P11, classes11)
    fine.scheme = scheme
    return fine, ""


def demeo_slope(wavelength, reflectance) -> float:
    """DeMeo et al. 2009's spectral slope (per um; :func:`astrokeras.schemes.demeo_pca.demeo_preprocess`) of a
    spectrum covering 0.45-2.45 um: the flag ``w`` at >= :data:`WEATHERED_SLOPE`.

    >>> w = np.linspace(0.45, 2.45, 81); round(demeo_slope(w, 1 + 0.3 * (w - 0.55)), 2)
    0.3
    """
    return float(demeo_preprocess(wavelength, reflectance)[0])


def weathered_label(label: str, slope) -> str:
    """``label`` with DeMeo's ``w`` when the class takes it and the slope reaches :data:`WEATHERED_SLOPE`.

    >>> weathered_label("Sq", 0.31), weathered_label("Sq", 0.1), weathered_label("C", 0.5), weathered_label("S", None)
    ('Sqw', 'Sq', 'C', 'S')
    """
    if slope is not None and label in WEATHERED_CLASSES and slope >= WEATHERED_SLOPE:
        return label + "w"
    return label


MODEL_PATH = pathlib.Path(__file__).resolve().parents[1] / "pretrained" / "fine-classes.json"


@functools.lru_cache(maxsize=4)
def load_fine_models(path=MODEL_PATH) -> dict:
    """The shipped ``fine-classes.json`` (``{scheme: model}``; see the module docstring)."""
    return json.loads(pathlib.Path(path).read_text())


def folded_note(model: dict, parent: str) -> str:
    """A sentence naming the rare children of ``parent`` that ``model`` reads as another class, or ``""``.

    >>> folded_note({"scheme": "Bus-DeMeo", "folded": {"Sv": "S", "Sa": "S", "Cb": "C"}}, "S")
    'Bus-DeMeo: Sv, Sa are read as S (too few labelled spectra to learn them)'
    """
    rare = [c for c, into in model.get("folded", {}).items() if into == parent]
    if not rare:
        return ""
    return f"{model.get('scheme', '')}: {', '.join(rare)} {'is' if len(rare) == 1 else 'are'} read as {parent} (too " \
           "few labelled spectra to learn them)"
