"""Fit a Keras regressor with named inputs (AAE-Net) on one training fold, early-stopped on a carved validation set.

Example
-------
>>> import numpy as np
>>> from astrokeras.models import AAENet
>>> from astrokeras.losses import GaussianNLL
>>> from astrokeras.training import TrainConfig
>>> from astrokeras.training.regressor import fit_regressor
>>> rng = np.random.default_rng(0)
>>> inputs = {"spectrum": rng.random((30, 16)), "class_probabilities": np.eye(3)[rng.integers(0, 3, 30)]}
>>> model, _ = fit_regressor(lambda: AAENet(16, 3, dense_units=(8, 8, 8), key_dim=4), inputs,
...                          rng.random(30), GaussianNLL(), TrainConfig(epochs=1, verbose=0))
>>> model.predict(inputs, verbose=0).shape
(30, 2)
"""

from __future__ import annotations

import typing

import keras
import numpy as np
from sklearn.model_selection import train_test_split

from astrokeras.training.classifier import TrainConfig
from astrokeras.training.pipeline import make_dataset
from astrokeras.training.progress import EpochProgress
from astrokeras.training.runtime import STEPS_PER_EXECUTION, distribution_strategy, precision_scope


def fit_regressor(build: typing.Callable[[], keras.Model], inputs: dict, y, loss, config: TrainConfig = TrainConfig(),
                  *, stratify=None, backup_dir: str | None = None, loss_weights=None):
    """Train ``build()`` on named ``inputs`` and targets ``y``; returns ``(model, history)``.

    ``y`` and ``loss`` are an array and a loss, or dicts by output name (a multitask model, weighted by
    ``loss_weights``). A validation share (``config.validation_fraction``, stratified by ``stratify`` when given) is
    carved from the rows first and drives early stopping (on the total validation loss) with best-weight restore.
    """
    keras.utils.set_random_seed(config.seed)
    as32 = lambda a: np.asarray(a, dtype="float32")  # noqa: E731
    y = {k: as32(v) for k, v in y.items()} if isinstance(y, dict) else as32(y)
    rows = np.arange(len(next(iter(y.values())) if isinstance(y, dict) else y))
    callbacks = []
    if config.validation_fraction > 0:
        fit_rows, val_rows = train_test_split(rows, test_size=config.validation_fraction, random_state=config.seed,
                                              stratify=stratify)
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience,
                                                       restore_best_weights=True))
    else:
        fit_rows, val_rows = rows, None
    if backup_dir:
        callbacks.append(keras.callbacks.BackupAndRestore(backup_dir))
    pick = lambda r: {k: np.asarray(v)[r] for k, v in inputs.items()}  # noqa: E731
    targets = lambda r: {k: v[r] for k, v in y.items()} if isinstance(y, dict) else y[r]  # noqa: E731
    train = make_dataset(pick(fit_rows), targets(fit_rows), config.batch_size, True, config.seed)
    validation = None if val_rows is None else make_dataset(pick(val_rows), targets(val_rows), config.batch_size,
                                                            False, config.seed)
    with precision_scope(config.precision):
        with distribution_strategy(config.strategy).scope():
            model = build()
            model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=1.0), loss=loss,
                          steps_per_execution=STEPS_PER_EXECUTION,
                          loss_weights=loss_weights)
        history = model.fit(train, validation_data=validation, epochs=config.epochs,
                            callbacks=callbacks + [EpochProgress(model.name)], verbose=config.verbose, shuffle=False)
    return model, history
