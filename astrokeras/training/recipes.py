"""The recipe classes: what a shipped model is trained on and how. The recipes themselves are the small files in
the repository's top-level ``training/`` folder (importable as :mod:`astrokeras.recipes`), one per shipped model;
``astrokeras train`` (presets) and ``astrokeras reproduce`` (tables) both run them, so a preset and its table come
from one definition.

A recipe says the data (a function returning arrays), the folds of its table, the network, the training
settings (a full and a quick :class:`~astrokeras.training.TrainConfig`) and the callbacks (early stopping on a
validation share carved from the training rows before any augmentation; ``BackupAndRestore`` on request).

Example
-------
>>> import numpy as np
>>> from astrokeras.models import ASCNet
>>> from astrokeras.schemes.taxonomy import FOUR_CLASS
>>> from astrokeras.training import TrainConfig
>>> from astrokeras.training.recipes import ClassifierRecipe
>>> rng = np.random.default_rng(0); y = np.repeat([0, 1, 2, 3], 10); X = 1 + 0.1 * rng.random((40, 8)) + y[:, None]
>>> recipe = ClassifierRecipe(
...     name="toy", answers="4-class taxonomy", training_data="40 toy spectra", scheme=FOUR_CLASS,
...     grid=np.linspace(0.5, 0.9, 8), data=lambda: (X, y, np.arange(40).astype(str)),
...     network=lambda bands, n: ASCNet(bands, n, dense_units=(4, 4, 4), key_dim=2),
...     config=TrainConfig(epochs=1, verbose=0), quick_config=TrainConfig(epochs=1, verbose=0))
>>> model, card = recipe.train(quick=True)
>>> card["classes"], card["spectra"], card["holdout_fold"]
(['S', 'C', 'X', 'Other'], 40, None)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pathlib
import time
import typing

import numpy as np

from astrokeras.console import log_to_stderr
from astrokeras.datasets.relab_composition import (
    CHEMISTRY,
    CHEMISTRY_MIN_ABUNDANCE,
    CHEMISTRY_MINERAL,
    MINERALS,
)
from astrokeras.evaluation.folds import stratified_folds
from astrokeras.evaluation.sigma_bounds import LOG_SIGMA_MAX, LOG_SIGMA_MIN
from astrokeras.models.albedo_baselines import class_probability_model
from astrokeras.physics.mixtures import normalise_index
from astrokeras.schemes.class_model import affine_class_model
from astrokeras.schemes.taxonomy import TaxonomyScheme
from astrokeras.train_options import N_SPLITS, add_train_arguments, train_overrides
from astrokeras.training.albedo import class_probabilities, fit_aae_net, predict_albedo
from astrokeras.training.classifier import TrainConfig, fit_classifier
from astrokeras.training.composition import CompositionConfig, train_composition_model
from astrokeras.training.coverage_classifier import fit_coverage_net
from astrokeras.training.cross_validation import KerasMethod
from astrokeras.training.unmixer import fit_ae_trans

SEED = 0


def _card(recipe, model_name: str, spectra: int, seconds: float, **extra) -> dict:
    return {"recipe": recipe.name, "model": model_name, "answers": recipe.answers,
            "grid_um": np.asarray(recipe.grid).round(6).tolist(), "normalise_at_um": 0.55,
            "training_data": recipe.training_data, "spectra": int(spectra), "seconds": round(seconds, 1), **extra}


@dataclasses.dataclass(frozen=True)
class ClassifierRecipe:
    """A taxonomy classifier: ``data() -> (X, y, designations)`` on ``grid``, ``network(bands, num_classes)``,
    trained with :func:`~astrokeras.training.fit_classifier`; its table uses :data:`N_SPLITS` stratified folds
    (seed :data:`SEED`). ``card_extra()`` adds preset-card entries computed from data (e.g. a calibration)."""

    name: str
    answers: str
    training_data: str
    scheme: TaxonomyScheme
    grid: np.ndarray
    data: typing.Callable
    network: typing.Callable
    config: TrainConfig
    quick_config: TrainConfig
    card_extra: typing.Callable | None = None

    def settings(self, quick: bool = False, **overrides) -> TrainConfig:
        """The training settings (quick: the smoke-run ones), with ``overrides`` (``epochs=``, ``seed=``...)."""
        config = self.quick_config if quick else self.config
        return dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})

    def folds(self, y):
        """The folds of this recipe's table (the same for every method)."""
        return stratified_folds(y, N_SPLITS, SEED)

    def fit(self, X, y, *, quick: bool = False, augment=None, backup_dir=None, callbacks=(), **overrides):
        """One network trained on ``(X, y)`` (e.g. a training fold); returns ``(model, history)``."""
        classes = len(self.scheme.classes)
        return fit_classifier(lambda: self.network(X.shape[1], classes), X, y, classes,
                              self.settings(quick, **overrides), augment=augment, backup_dir=backup_dir,
                              callbacks=callbacks)

    def method(self, quick: bool = False, *, name: str = "ASC-Net", ensemble: int = 1, augment=None,
               **overrides) -> KerasMethod:
        """This recipe as a cross-validation method (see :func:`~astrokeras.training.cross_validation.evaluate`)."""
        return KerasMethod(name, self.network, self.settings(quick, **overrides), ensemble, augment)

    def train(self, *, quick: bool = False, holdout_fold: int | None = None, **overrides):
        """``(model, card)``: the network trained on every labelled spectrum (less fold ``holdout_fold`` of the
        table's folds, for an honest export report), and the preset card that describes it."""
        start = time.perf_counter()
        X, y, _ = self.data()
        if holdout_fold is not None:
            train = self.folds(y)[holdout_fold].train
            X, y = X[train], y[train]
        model, history = self.fit(X, y, quick=quick, **overrides)
        card = _card(self, type(model).__name__, len(y), time.perf_counter() - start,
                     classes=list(self.scheme.classes), scheme=self.scheme.name, holdout_fold=holdout_fold,
                     epochs_run=len(history.history["loss"]), quick=quick,
                     **(self.card_extra() if self.card_extra else {}))
        return model, card


@dataclasses.dataclass(frozen=True)
class AlbedoRecipe:
    """AAE-Net for the albedo: ``data() -> (X, albedo, classes, designations)``, ``network(bands, num_classes,
    uncertainty)``, trained on out-of-sample class probabilities (see :mod:`astrokeras.training.albedo`).

    ``classes`` (in ``scheme``) stratify the folds. The class information AAE-Net reads, and whose class means are
    its prior, is ``scheme``'s by default; with ``class_scheme`` and ``class_labels`` (``designations -> integer
    labels in class_scheme``) it is that finer scheme's, and the preset card carries the class model
    (:func:`~astrokeras.schemes.class_model.affine_class_model`) that gives a new spectrum its probabilities."""

    name: str
    answers: str
    training_data: str
    scheme: TaxonomyScheme
    grid: np.ndarray
    data: typing.Callable
    network: typing.Callable
    config: TrainConfig
    quick_config: TrainConfig
    target: str = "log10"
    class_scheme: TaxonomyScheme | None = None
    class_labels: typing.Callable | None = None

    @property
    def input_scheme(self) -> TaxonomyScheme:
        """The scheme of the class probabilities AAE-Net reads."""
        return self.class_scheme or self.scheme

    def input_classes(self, classes, designations) -> np.ndarray:
        """The integer labels (in :attr:`input_scheme`) of rows of ``data()`` with ``classes`` and ``designations``."""
        return classes if self.class_labels is None else np.asarray(self.class_labels(designations))

    def settings(self, quick: bool = False, **overrides) -> TrainConfig:
        config = self.quick_config if quick else self.config
        return dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})

    def folds(self, classes):
        """The folds of the albedo tables: stratified by class, by asteroid."""
        return stratified_folds(classes, N_SPLITS, SEED)

    def fit(self, X, albedo, P, classes, *, quick: bool = False, target: str | None = None, **overrides):
        """``(model, prior)`` trained on one training fold (``P``: its out-of-sample class probabilities)."""
        return fit_aae_net(X, albedo, P, classes, network=self.network, config=self.settings(quick, **overrides),
                           target=target or self.target)

    def predict(self, model, prior, X, P, target: str | None = None):
        """``(albedo, sigma_dex)`` of a model of :meth:`fit`."""
        return predict_albedo(model, prior, X, P, target or self.target)

    def train(self, *, quick: bool = False, holdout_fold: int | None = None, **overrides):
        """``(model, card)`` trained on every AAED asteroid (less fold ``holdout_fold``)."""
        start = time.perf_counter()
        X, albedo, classes, designations = self.data()
        labels = self.input_classes(classes, designations)
        if holdout_fold is not None:
            train = self.folds(classes)[holdout_fold].train
            X, albedo, labels = X[train], albedo[train], labels[train]
        n = len(self.input_scheme.classes)
        P, _ = class_probabilities(X, labels, X[:1], SEED, n)
        model, prior = self.fit(X, albedo, P, labels, quick=quick, **overrides)
        extra = {}
        if self.class_labels is not None:  # the card carries the class model a new spectrum is read with
            extra["class_model"] = {"scheme": self.input_scheme.name,
                                    **affine_class_model(class_probability_model(SEED).fit(X, labels), n)}
        card = _card(self, type(model).__name__, len(albedo), time.perf_counter() - start,
                     classes=list(self.input_scheme.classes), holdout_fold=holdout_fold, quick=quick,
                     class_prior_log10=[round(float(v), 6) for v in prior],
                     log_sigma_bounds=[LOG_SIGMA_MIN, LOG_SIGMA_MAX], **extra)
        return model, card


@dataclasses.dataclass(frozen=True)
class UnmixerRecipe:
    """AE-trans: ``endmembers(grid) -> (names, E)``, ``network(bands, E, normalise_index)``, trained
    unsupervised for ``epochs`` on simulated mixtures (:func:`~astrokeras.training.unmixer.fit_ae_trans`)."""

    name: str
    answers: str
    training_data: str
    grid: np.ndarray
    endmembers: typing.Callable
    network: typing.Callable
    epochs: int
    quick_epochs: int
    applies_to: tuple = ()

    def fit(self, grid=None, *, quick: bool = False, snr=None, seed: int = 0):
        """AE-trans on ``grid`` (default: the recipe's) trained on the noise-free (or ``snr``) mixtures."""
        grid = np.asarray(self.grid if grid is None else grid, dtype=float)
        _, E = self.endmembers(grid)
        return fit_ae_trans(self.network, E, grid, epochs=self.quick_epochs if quick else self.epochs, snr=snr,
                            seed=seed)

    def train(self, *, quick: bool = False, holdout_fold: int | None = None, **overrides):
        """``(model, card)``: AE-trans on the recipe's grid (no fold: its test set is another simulation)."""
        start = time.perf_counter()
        names, _ = self.endmembers(self.grid)
        model = self.fit(quick=quick)
        card = _card(self, type(model).__name__, 2500, time.perf_counter() - start, endmembers=list(names),
                     normalise_index=normalise_index(self.grid), applies_to=list(self.applies_to), quick=quick,
                     holdout_fold=None, heldout="Simulated2 (another 2500 mixtures)")
        return model, card


@dataclasses.dataclass(frozen=True)
class CoverageRecipe:
    """The coverage-aware classifier: ``data() -> SpectrumCollection`` (labelled spectra of many surveys, each on
    its own grid), ``network()`` (a :class:`~astrokeras.models.CoverageNet`), trained with
    :func:`~astrokeras.training.coverage_classifier.fit_coverage_net` on ``copies`` augmented copies per spectrum;
    its table's folds are grouped by asteroid over every survey (stratified by the 4-class label)."""

    name: str
    answers: str
    training_data: str
    scheme: TaxonomyScheme
    group_scheme: TaxonomyScheme
    grid: np.ndarray
    data: typing.Callable
    network: typing.Callable
    config: TrainConfig
    quick_config: TrainConfig
    copies: int = 3
    quick_copies: int = 1
    card_extra: typing.Callable | None = None

    def settings(self, quick: bool = False, **overrides) -> TrainConfig:
        config = self.quick_config if quick else self.config
        return dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})

    def folds(self, meta):
        """Folds of a collection's ``meta``: every spectrum of an asteroid in the same fold, whatever its survey."""
        return stratified_folds(meta["label_4"].to_numpy(), N_SPLITS, SEED, groups=meta["key"].to_numpy())

    def fit(self, collection, *, quick: bool = False, **overrides):
        """``(model, calibration)`` trained on ``collection`` (e.g. a fold's training asteroids)."""
        return fit_coverage_net(self.network, collection, self.settings(quick, **overrides),
                                copies=self.quick_copies if quick else self.copies)

    def train(self, *, quick: bool = False, holdout_fold: int | None = None, **overrides):
        """``(model, card)`` trained on every labelled spectrum of :attr:`data` (less fold ``holdout_fold``)."""
        start = time.perf_counter()
        collection = self.data()
        if holdout_fold is not None:
            collection = collection.subset(self.folds(collection.meta)[holdout_fold].train)
        model, calibration = self.fit(collection, quick=quick, **overrides)
        surveys = collection.meta["survey"].value_counts().to_dict()
        card = _card(self, type(model).__name__, len(collection), time.perf_counter() - start,
                     classes=list(self.scheme.classes), scheme=self.scheme.name, groups=model.groups,
                     group_classes=list(self.group_scheme.classes), holdout_fold=holdout_fold, quick=quick,
                     surveys={k: int(v) for k, v in surveys.items()},
                     asteroids=int(collection.meta["key"].nunique()), normalisation="mean log-reflectance over the "
                     "covered bands (no normalisation wavelength needed)", **calibration,
                     **(self.card_extra() if self.card_extra else {}))
        return model, card


@dataclasses.dataclass(frozen=True)
class CompositionRecipe:
    """CompositionNet for the mineralogy: ``data() -> CompositionData`` (RELAB spectra with modal and chemical
    labels), trained with :func:`~astrokeras.training.composition.train_composition_model` (a validation split
    by material early-stops it and calibrates its sigmas); ``folds(data)`` are the composition table's folds,
    grouped by material. ``applies_to``: the classes ``analyze`` gives a composition; ``requires_um``: the range
    a spectrum must cover without gaps (the smallest coverage the network was trained on)."""

    name: str
    answers: str
    training_data: str
    grid: np.ndarray
    data: typing.Callable
    folds: typing.Callable
    config: CompositionConfig
    quick_config: CompositionConfig
    applies_to: tuple = ()
    requires_um: tuple = ()

    def train(self, *, quick: bool = False, holdout_fold: int | None = None, **overrides):
        """``(model, card)`` trained on every labelled RELAB spectrum (less fold ``holdout_fold``)."""
        start = time.perf_counter()
        data = self.data()
        rows = None if holdout_fold is None else self.folds(data)[holdout_fold][0]
        overrides = {k: v for k, v in overrides.items() if v is not None}
        unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(CompositionConfig)})
        if unknown:
            raise ValueError(f"{self.name} does not take {unknown}: its settings are a CompositionConfig "
                             "(e.g. --epochs, --seed)")
        config = dataclasses.replace(self.quick_config if quick else self.config, **overrides)
        model, card = train_composition_model(data, config, rows=rows)
        del card["grid_um"]  # the recipe's grid goes first, as on every card
        card = _card(self, type(model).__name__, card["training"]["fit_rows"] + card["training"]["validation_rows"],
                     time.perf_counter() - start, minerals=list(MINERALS), chemistry=list(CHEMISTRY),
                     chemistry_of=dict(CHEMISTRY_MINERAL), chemistry_min_fraction=CHEMISTRY_MIN_ABUNDANCE,
                     applies_to=list(self.applies_to), requires_um=list(self.requires_um),
                     holdout_fold=holdout_fold, quick=quick, **card)
        return model, card


def train_to_file(recipe, output, **train_kwargs) -> pathlib.Path:
    """Train ``recipe`` (see its ``train``) and write ``output`` (.keras) and its card beside it (.json)."""
    model, card = recipe.train(**train_kwargs)
    output = pathlib.Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    model.save(output)
    output.with_suffix(".json").write_text(json.dumps(card, indent=1))
    return output


def train_from_arguments(recipe, args) -> pathlib.Path:
    """Run :func:`train_to_file` with options parsed by :func:`astrokeras.train_options.add_train_arguments`."""
    overrides = train_overrides(args)
    if "backup_dir" in overrides and not isinstance(recipe, ClassifierRecipe):
        raise SystemExit(f"--backup-dir works for the classifier recipes, not {recipe.name}")
    if isinstance(recipe, UnmixerRecipe) and overrides:
        raise SystemExit(f"{recipe.name} trains a fixed number of epochs on simulated mixtures: only --quick and "
                         "--output apply")
    return train_to_file(recipe, args.output, quick=args.quick, holdout_fold=args.holdout_fold, **overrides)


def command_line(recipe, argv=None) -> int:
    """``python training/<recipe>.py --output MODEL.keras [...]``: train the recipe's network and save it."""
    parser = add_train_arguments(argparse.ArgumentParser(description=f"Train {recipe.name}: {recipe.answers}"))
    args = parser.parse_args(argv)
    log_to_stderr()  # a progress line per epoch or so (astrokeras.training.progress)
    path = train_from_arguments(recipe, args)
    print(f"saved {path} (and {path.with_suffix('.json')})")
    return 0
