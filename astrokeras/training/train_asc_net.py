"""Train one ASC-Net on every labelled spectrum of a task and save it as a ``.keras`` file.

The validation set for early stopping is carved from the training spectra (stratified), so even this
all-data model never picks its epoch on data it trains on. Accuracy figures come from
``astrokeras reproduce`` (honest folds), never from this model.

Example
-------
``astrokeras train asc-net --task 5 --output asc_net_4class.keras --precision auto --strategy mirrored``
"""

from __future__ import annotations

import json
import pathlib
import time

from astrokeras.training.classifier import TrainConfig, fit_classifier


def train_asc_net(task: str, output, *, epochs: int = 300, learning_rate: float = 1e-3, patience: int = 30,
                  precision: str = "auto", strategy: str | None = None, backup_dir: str | None = None,
                  holdout_fold: int | None = None, seed: int = 0, verbose: int = 1) -> pathlib.Path:
    """Fit ASC-Net for ``task`` (``"5"``: 4-class visible, ``"7"``: 11-class VIS-NIR) and save it to ``output``.

    ``holdout_fold`` (0-4) leaves that fold of the task's reproduce folds out of training, so
    ``astrokeras export --report`` can measure every exported variant on spectra the model never saw.
    Writes ``output`` and ``<output>.json`` (task, classes, bands, held-out fold, epochs run, seconds).
    """
    from astrokeras.models.asc_net import asc_net
    from astrokeras.folds import stratified_folds
    from astrokeras.reproduce.taxonomy_tables import ASC_NET_WIDTHS, N_SPLITS, SEED, TASKS

    spec = TASKS[task]
    X, y, _ = spec.load()
    if holdout_fold is not None:
        train = stratified_folds(y, N_SPLITS, SEED)[holdout_fold].train
        X, y = X[train], y[train]
    classes = list(spec.scheme.classes)
    config = TrainConfig(epochs=epochs, learning_rate=learning_rate, patience=patience, precision=precision,
                         strategy=strategy, seed=seed, verbose=verbose)
    start = time.perf_counter()
    model, history = fit_classifier(lambda: asc_net(X.shape[1], len(classes), **ASC_NET_WIDTHS), X, y,
                                    len(classes), config, backup_dir=backup_dir)
    output = pathlib.Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    model.save(output)
    card = {"model": "ASC-Net", "task": task, "scheme": spec.scheme.name, "classes": classes,
            "bands": int(X.shape[1]), "spectra": int(len(y)), "holdout_fold": holdout_fold,
            "epochs_run": len(history.history["loss"]),
            "seconds": round(time.perf_counter() - start, 1), "precision": precision, "protocol": spec.protocol}
    output.with_suffix(".json").write_text(json.dumps(card, indent=1))
    return output
