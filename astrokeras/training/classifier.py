"""Fit a Keras classifier on one training fold: validation carved first, augmentation after, early stopping.

Order of operations inside :func:`fit_classifier` (the honest one):

1. carve a stratified validation set from the *original* training spectra;
2. augment the rest (``augment(X, y) -> (X, y, parent)``), so no copy of a validation spectrum is trained on;
3. tf.data: ``from_tensor_slices -> cache -> shuffle -> batch -> prefetch``;
4. fit with early stopping on the validation loss (best weights restored) and, when ``backup_dir`` is given,
   ``BackupAndRestore`` so an interrupted run resumes where it stopped.

Example
-------
>>> import numpy as np
>>> from astrokeras.models import ASCNet
>>> from astrokeras.training import TrainConfig, fit_classifier
>>> X = np.random.default_rng(0).random((40, 16)).astype("float32"); y = np.repeat([0, 1], 20)
>>> model, history = fit_classifier(lambda: ASCNet(16, 2, dense_units=(8, 8, 8), key_dim=4), X, y, 2,
...                                 TrainConfig(epochs=2, verbose=0))
>>> model.output_shape
(None, 2)
"""

from __future__ import annotations

import dataclasses
import typing

import keras
import numpy as np
from sklearn.model_selection import train_test_split

from astrokeras.training.pipeline import make_dataset
from astrokeras.training.progress import EpochProgress
from astrokeras.training.runtime import STEPS_PER_EXECUTION, distribution_strategy, precision_scope

LOSSES = ("categorical_crossentropy", "l1")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Training settings (paper: Adam, lr 1e-4, 120 epochs, batch 128, L1 loss).

    Attributes
    ----------
    epochs, batch_size, learning_rate : training length, batch size, Adam learning rate.
    loss : ``"categorical_crossentropy"`` or ``"l1"`` (mean absolute error between one-hot and softmax).
    label_smoothing : for the cross-entropy.
    validation_fraction : share of the training spectra held out for early stopping.
    patience : epochs without a better validation loss before stopping.
    min_epochs : early stopping only counts from this epoch on (no stop on an initial plateau).
    seed : seeds Keras, NumPy and the validation split.
    precision : ``auto`` (mixed_float16 on GPU, float32 on CPU), ``float32``, ``mixed_float16``...
    strategy : ``None``, ``"mirrored"`` or ``"multiworker"`` (see :mod:`astrokeras.training.runtime`).
    verbose : Keras progress output (1: progress bar, 0: silent).
    """

    epochs: int = 120
    batch_size: int = 128
    learning_rate: float = 1e-4
    loss: str = "categorical_crossentropy"
    label_smoothing: float = 0.0
    validation_fraction: float = 0.1
    patience: int = 20
    min_epochs: int = 0
    seed: int = 0
    precision: str = "float32"
    strategy: str | None = None
    verbose: int = 1

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")


def _loss(config: TrainConfig):
    if config.loss == "l1":
        return keras.losses.MeanAbsoluteError()
    return keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing)


def fit_classifier(
    build: typing.Callable[[], keras.Model],
    X,
    y,
    num_classes: int,
    config: TrainConfig = TrainConfig(),
    *,
    augment: typing.Callable | None = None,
    backup_dir: str | None = None,
    callbacks=(),
):
    """Train ``build()`` on ``(X, y)`` (one training fold) and return ``(model, history)``.

    ``augment(X, y)`` (e.g. PCA noise) sees only the spectra left after the validation split; ``callbacks``
    are added after early stopping and ``BackupAndRestore`` (e.g. TensorBoard).
    """
    X = np.asarray(X, dtype="float32")
    y = np.asarray(y)
    keras.utils.set_random_seed(config.seed)
    extra_callbacks, callbacks = list(callbacks), []
    if config.validation_fraction > 0:
        counts = np.bincount(y, minlength=num_classes)
        stratify = y if counts[counts > 0].min() >= 2 else None
        X_fit, X_val, y_fit, y_val = train_test_split(
            X, y, test_size=config.validation_fraction, stratify=stratify, random_state=config.seed
        )
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=config.patience, restore_best_weights=True,
            start_from_epoch=config.min_epochs))
    else:
        X_fit, y_fit, X_val, y_val = X, y, None, None
    if augment is not None:
        X_fit, y_fit, _ = augment(X_fit, y_fit)
    if backup_dir:
        callbacks.append(keras.callbacks.BackupAndRestore(backup_dir))
    callbacks += extra_callbacks
    one_hot = lambda labels: keras.utils.to_categorical(labels, num_classes)  # noqa: E731
    train = make_dataset(X_fit, one_hot(y_fit), config.batch_size, True, config.seed)
    validation = None if X_val is None else make_dataset(X_val, one_hot(y_val), config.batch_size, False, config.seed)
    with precision_scope(config.precision):
        with distribution_strategy(config.strategy).scope():
            model = build()
            model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss=_loss(config),
                          steps_per_execution=STEPS_PER_EXECUTION,
                          metrics=["accuracy"])
        history = model.fit(train, validation_data=validation, epochs=config.epochs,
                            callbacks=callbacks + [EpochProgress(model.name)], verbose=config.verbose,
                            shuffle=False)  # tf.data shuffles
    return model, history


def predict_proba(models, X, batch_size: int = 1024) -> np.ndarray:
    """Class probabilities of one model or the mean over an ensemble of models."""
    models = models if isinstance(models, (list, tuple)) else [models]
    X = np.asarray(X, dtype="float32")
    return np.mean([m.predict(X, batch_size=batch_size, verbose=0) for m in models], axis=0)
