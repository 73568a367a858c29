"""Progress of a training run, as log lines a person can follow: epoch, losses, best so far, time left.

Every fit loop of astrokeras adds :class:`EpochProgress`, which writes to the ``astrokeras`` logger (stderr
from the command line, nothing unless logging is configured in a library call): the first epoch, then at most
one line every ``every_seconds``, then one line when training stops. "At most N min left" assumes every epoch
runs; early stopping usually ends sooner.

Example
-------
>>> import logging, sys
>>> import keras, numpy as np
>>> from astrokeras.training.progress import EpochProgress
>>> logger, handler = logging.getLogger("astrokeras"), logging.StreamHandler(sys.stdout)
>>> logger.addHandler(handler); logger.setLevel(logging.INFO)
>>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]); model.compile("adam", "mse")
>>> history = model.fit(np.ones((8, 3)), np.ones(8), epochs=2, verbose=0,
...                     callbacks=[EpochProgress("toy", every_seconds=0)])  # doctest: +ELLIPSIS
    toy: epoch 1/2, loss ...
    toy: epoch 2/2, loss ...
    toy: 2 epochs in ... s, best loss ... at epoch 2
>>> logger.removeHandler(handler); logger.setLevel(logging.NOTSET)
"""

from __future__ import annotations

import logging
import time

import keras

log = logging.getLogger(__name__)


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


class EpochProgress(keras.callbacks.Callback):
    """Log training progress: ``what`` names the run (e.g. ``"CoverageNet fold 2"``); ``monitor`` is the score
    whose best value and epoch are reported (``val_loss`` when there is one, else ``loss``)."""

    def __init__(self, what: str = "training", *, every_seconds: float = 20.0, monitor: str = "val_loss"):
        super().__init__()
        self.what = what
        self.every_seconds = every_seconds
        self.monitor = monitor

    def on_train_begin(self, logs=None):
        self.start = self.last = time.perf_counter()
        self.best, self.best_epoch, self.epochs_run, self.watched = None, None, 0, self.monitor
        self.total = self.params.get("epochs") or 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_run = epoch + 1
        self.watched = self.monitor if self.monitor in logs else "loss"
        score = logs.get(self.watched)
        if score is not None and (self.best is None or score < self.best):
            self.best, self.best_epoch = float(score), epoch + 1
        now = time.perf_counter()
        if epoch > 0 and now - self.last < self.every_seconds and epoch + 1 < self.total:
            return
        self.last = now
        per_epoch = (now - self.start) / (epoch + 1)
        shown = ", ".join(f"{k} {v:.4g}" for k, v in logs.items() if k.endswith("loss") and isinstance(v, float))
        best = f" (best {self.best:.4g} at epoch {self.best_epoch})" if self.best is not None else ""
        left = (self.total - epoch - 1) * per_epoch
        log.info(f"    {self.what}: epoch {epoch + 1}/{self.total}, {shown}{best}; {per_epoch:.1f} s/epoch"
                 + (f", at most {_minutes(left)} left" if left >= 1 else ""))

    def on_train_end(self, logs=None):
        took = time.perf_counter() - self.start
        best = f", best {self.watched} {self.best:.4g} at epoch {self.best_epoch}" if self.best is not None else ""
        log.info(f"    {self.what}: {self.epochs_run} epochs in {_minutes(took)}{best}")
