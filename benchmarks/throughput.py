"""Training throughput of every recipe on this machine: training spectra per second, and what each lever changes.

For each recipe, its own ``train`` runs on all its labelled data for a few epochs while every ``keras.Model.fit``
call is timed epoch by epoch (the first epoch, which traces and compiles, is left out); spectra per second is the
number of training spectra in an epoch (augmented copies and mixtures included) divided by the median epoch time
(validation included: it is part of every epoch the recipes run). The levers are applied to every ``compile`` of
the run:

* ``baseline``: the recipes as they are;
* ``xla off`` / ``xla on``: ``jit_compile`` False / True (Keras' default "auto" turns XLA on for these models);
* ``steps K``: ``steps_per_execution=K`` (K training steps per call into TensorFlow);
* ``batch xN``: N times the recipe's batch size in its tf.data pipeline (this changes the optimisation, so a table
  must show it keeps the figures before a recipe adopts it).

Example
-------
``python benchmarks/throughput.py --recipes asc-net-visible-4class --levers baseline "steps 8"`` (a minute);
``python benchmarks/throughput.py --json outputs/throughput.json`` runs every recipe and lever (about 30 minutes
on 2 cores).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import statistics
import time

import keras
import numpy as np

from astrokeras.recipes import RECIPES
from astrokeras.training import classifier, composition, coverage_classifier, pipeline, regressor, unmixer
from astrokeras.training.recipes import AlbedoRecipe, ClassifierRecipe, CompositionRecipe, CoverageRecipe

TRAINING_MODULES = (classifier, composition, coverage_classifier, regressor, unmixer)  # each calls make_dataset
LEVERS = ("baseline", "xla off", "xla on", "steps 8", "steps 32", "batch x2", "batch x4")
EPOCHS = 6


class EpochClock(keras.callbacks.Callback):
    """Seconds of each epoch of one ``fit``."""

    def __init__(self, record: list):
        super().__init__()
        self.record = record

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.record.append(time.perf_counter() - self.start)


def _spectra_in(dataset) -> int:
    import tensorflow as tf

    return int(sum(int(tf.shape(tf.nest.flatten(batch)[0])[0]) for batch in dataset))


@contextlib.contextmanager
def lever(name: str, fits: list):
    """Apply one lever to every ``compile`` and time every ``fit`` inside the block (records go to ``fits``)."""
    compile_, fit_ = keras.Model.compile, keras.Model.fit
    batch_factor = int(name.split("x")[1]) if name.startswith("batch") else 1

    def compile(self, *args, **kwargs):
        if name == "xla off":
            kwargs["jit_compile"] = False
        elif name == "xla on":
            kwargs["jit_compile"] = True
        elif name.startswith("steps"):
            kwargs["steps_per_execution"] = int(name.split()[1])
        return compile_(self, *args, **kwargs)

    def fit(self, x=None, *args, **kwargs):
        record = {"epochs": [], "spectra": _spectra_in(x) if hasattr(x, "unbatch") else len(x)}
        kwargs["callbacks"] = list(kwargs.get("callbacks") or []) + [EpochClock(record["epochs"])]
        fits.append(record)
        return fit_(self, x, *args, **kwargs)

    def make_dataset(inputs, targets, batch_size, *args, **kwargs):
        return pipeline.make_dataset(inputs, targets, batch_size * batch_factor, *args, **kwargs)

    users = [m for m in TRAINING_MODULES if getattr(m, "make_dataset", None) is pipeline.make_dataset]
    keras.Model.compile, keras.Model.fit = compile, fit
    for module in users:
        module.make_dataset = make_dataset
    try:
        yield
    finally:
        keras.Model.compile, keras.Model.fit = compile_, fit_
        for module in users:
            module.make_dataset = pipeline.make_dataset


def train_briefly(recipe):
    """The recipe's own training on all its data, cut to a few epochs without early stopping."""
    if isinstance(recipe, (ClassifierRecipe, AlbedoRecipe, CoverageRecipe)):
        return recipe.train(epochs=EPOCHS, patience=EPOCHS, min_epochs=0)
    composition = getattr(recipe, "member", recipe)  # the composition preset is an ensemble: time one network
    if isinstance(composition, CompositionRecipe):
        return composition.train(epochs=EPOCHS, patience=EPOCHS)
    return recipe.train(quick=True)  # AE-trans: a fixed schedule; quick = 15 epochs on the same mixtures


def measure(name: str, recipe, how: str) -> dict:
    fits = []
    start = time.perf_counter()
    with lever(how, fits):
        train_briefly(recipe)
    rates = [f["spectra"] / statistics.median(f["epochs"][1:]) for f in fits if len(f["epochs"]) > 1]
    spectra = [f["spectra"] for f in fits if len(f["epochs"]) > 1]
    return {"recipe": name, "lever": how, "fits": len(rates), "spectra_per_epoch": int(np.sum(spectra)),
            "spectra_per_second": round(float(np.sum(spectra) / np.sum([s / r for s, r in zip(spectra, rates)])), 1),
            "seconds": round(time.perf_counter() - start, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--levers", nargs="+", default=list(LEVERS), choices=list(LEVERS))
    parser.add_argument("--json", help="write the rows to this file as well")
    args = parser.parse_args(argv)
    logging.getLogger("astrokeras").setLevel(logging.WARNING)
    rows = []
    print(f"{'recipe':<28} {'lever':<10} {'spectra/epoch':>13} {'spectra/s':>10} {'vs baseline':>11}", flush=True)
    for name in args.recipes:
        base = None
        for how in args.levers:
            row = measure(name, RECIPES[name], how)
            base = row["spectra_per_second"] if how == "baseline" else base
            ratio = f"{row['spectra_per_second'] / base:.2f}x" if base else "-"
            print(f"{name:<28} {how:<10} {row['spectra_per_epoch']:>13} {row['spectra_per_second']:>10.0f} "
                  f"{ratio:>11}", flush=True)
            rows.append(row)
            if args.json:
                with open(args.json, "w") as handle:
                    json.dump(rows, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
