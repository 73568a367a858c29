"""Parity report: what each exported variant costs in size and agreement, measured on a held-out fold.

For a classifier saved by ``astrokeras train asc-net --holdout-fold K`` (its ``.json`` card names the task and
the fold), every variant -- Keras, SavedModel, TFLite float32 / float16 / dynamic / int8 -- predicts the
held-out spectra (never seen in training); the int8 calibration uses training spectra only.

Example
-------
``astrokeras export --report asc_net_4class.keras --json``
"""

from __future__ import annotations

import json
import os
import pathlib

import numpy as np

from astrokeras.evaluation import accuracy
from astrokeras.export.savedmodel import export_savedmodel
from astrokeras.export.tflite import QUANTIZATIONS, TFLiteModel, to_tflite


def _size(path: pathlib.Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def training_spectra(card: dict) -> np.ndarray:
    """The spectra the carded model trained on (its task, less the held-out fold): the int8 calibration set."""
    from astrokeras.folds import stratified_folds
    from astrokeras.reproduce.taxonomy_tables import N_SPLITS, SEED, TASKS

    X, y, _ = TASKS[card["task"]].load()
    if card.get("holdout_fold") is None:
        return X.astype("float32")
    return X[stratified_folds(y, N_SPLITS, SEED)[card["holdout_fold"]].train].astype("float32")


def heldout_data(card: dict):
    """``(X_train, X_test, y_test)`` of the model card's task and held-out fold."""
    from astrokeras.folds import stratified_folds
    from astrokeras.reproduce.taxonomy_tables import N_SPLITS, SEED, TASKS

    if card.get("holdout_fold") is None:
        raise ValueError(
            "this model was trained on every labelled spectrum, so no held-out fold is left to measure it on: "
            "train it with `astrokeras train asc-net --holdout-fold 0 ...` for an export report"
        )
    X, y, _ = TASKS[card["task"]].load()
    fold = stratified_folds(y, N_SPLITS, SEED)[card["holdout_fold"]]
    return X[fold.train].astype("float32"), X[fold.test].astype("float32"), y[fold.test]


def parity_report(model_path, output_dir) -> dict:
    """Export every variant of the classifier at ``model_path`` into ``output_dir`` and measure each one."""
    import keras

    import astrokeras.layers  # noqa: F401  (registers the custom layers before loading)

    model_path = pathlib.Path(model_path)
    card = json.loads(model_path.with_suffix(".json").read_text())
    X_train, X_test, y_test = heldout_data(card)
    model = keras.saving.load_model(model_path)
    reference = model.predict(X_test, verbose=0)
    output_dir = pathlib.Path(output_dir)
    saved = export_savedmodel(model, output_dir / "savedmodel" / "1")

    import tensorflow as tf

    serve = tf.saved_model.load(str(saved)).signatures["serving_default"]
    outputs = {"keras": (reference, _size(model_path)),
               "savedmodel": (serve(spectrum=tf.constant(X_test))["probabilities"].numpy(), _size(saved))}
    for quantize in QUANTIZATIONS:
        content = to_tflite(saved, quantize, representative=X_train)
        path = output_dir / f"model_{quantize}.tflite"
        path.write_bytes(content)
        outputs[f"tflite-{quantize}"] = (TFLiteModel(content).predict(X_test), len(content))
    rows = []
    for variant, (probabilities, size) in outputs.items():
        difference = np.abs(probabilities - reference)
        rows.append({
            "variant": variant, "bytes": int(size),
            "size_vs_tflite_float32": None,
            "top1_agreement": round(float(np.mean(probabilities.argmax(1) == reference.argmax(1))), 4),
            "max_abs_diff": float(difference.max()), "mean_abs_diff": float(difference.mean()),
            "accuracy": round(accuracy(y_test, probabilities.argmax(1)), 4),
        })
    float_size = outputs["tflite-none"][1]
    for row in rows:
        row["size_vs_tflite_float32"] = round(row["bytes"] / float_size, 3)
    return {"model": str(model_path), "task": card["task"], "holdout_fold": card["holdout_fold"],
            "heldout_spectra": int(len(y_test)), "cpu_threads": os.cpu_count(), "variants": rows}


def format_report(report: dict) -> str:
    """A table of the variants."""
    lines = [f"{report['model']}: task {report['task']}, held-out fold {report['holdout_fold']} "
             f"({report['heldout_spectra']} spectra never seen in training)",
             f"{'variant':<16} {'bytes':>10} {'vs f32':>7} {'top-1 agr.':>10} {'max |d|':>9} {'mean |d|':>9} {'acc':>7}"]
    for r in report["variants"]:
        lines.append(f"{r['variant']:<16} {r['bytes']:>10} {r['size_vs_tflite_float32']:>7.3f} "
                     f"{100 * r['top1_agreement']:>9.2f}% {r['max_abs_diff']:>9.2e} {r['mean_abs_diff']:>9.2e} "
                     f"{100 * r['accuracy']:>6.2f}%")
    return "\n".join(lines)
