"""Parity report: what each exported variant costs in size and agreement, measured on held-out data.

Every variant -- Keras, SavedModel, TFLite float32 / float16 / dynamic / int8 -- predicts data the model never
saw; the int8 calibration uses training data only:

* a classifier saved by ``astrokeras train <recipe> --holdout-fold K`` (its ``.json`` card names the recipe and
  the fold): the held-out fold; top-1 agreement with Keras and accuracy.
* AAE-Net (``astrokeras export --report aae-net``): trained without AAED fold 0, measured on it; albedo
  difference and MAE.
* AE-trans (``astrokeras export --report ae-trans``): trained on Simulated1, measured on Simulated2; abundance
  difference and RMSE.

Example
-------
``astrokeras export --report asc_net_4class.keras --json``
"""

from __future__ import annotations

import json
import os
import pathlib

import numpy as np
import tensorflow as tf

from astrokeras.datasets.tasks import acad_mixtures
from astrokeras.evaluation import accuracy
from astrokeras.export.savedmodel import export_savedmodel
from astrokeras.export.tflite import QUANTIZATIONS, TFLiteModel, to_tflite
from astrokeras.models.preset_model import load_keras_file
from astrokeras.recipes import aae_net_albedo, ae_trans_olivine_pyroxene, recipe
from astrokeras.training.albedo import class_probabilities
from astrokeras.training.recipes import SEED, AlbedoRecipe, ClassifierRecipe, train_to_file


def _size(path: pathlib.Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def training_spectra(card: dict) -> np.ndarray:
    """The spectra the carded classifier trained on (its recipe's data, less the held-out fold): the int8
    calibration set."""
    classifier = recipe(card["recipe"])
    X, y, _ = classifier.data()
    if card.get("holdout_fold") is None:
        return X.astype("float32")
    return X[classifier.folds(y)[card["holdout_fold"]].train].astype("float32")


def heldout_data(card: dict):
    """``(X_train, X_test, y_test)`` of the carded classifier's recipe and held-out fold."""
    if card.get("holdout_fold") is None:
        raise ValueError(
            "this model was trained on every labelled spectrum, so no held-out fold is left to measure it on: "
            "train it with `astrokeras train <recipe> --holdout-fold 0 ...` for an export report"
        )
    classifier = recipe(card["recipe"])
    X, y, _ = classifier.data()
    fold = classifier.folds(y)[card["holdout_fold"]]
    return X[fold.train].astype("float32"), X[fold.test].astype("float32"), y[fold.test]


def _outputs_dict(value, names):
    if isinstance(value, dict):
        return {k: np.asarray(v) for k, v in value.items()}
    value = value if isinstance(value, (list, tuple)) else [value]
    return {name: np.asarray(v) for name, v in zip(names, value)}


def _all_variants(model, model_path, inputs: dict, representative, output_dir) -> dict:
    """``{variant: (outputs dict, bytes)}`` for Keras, the SavedModel and every TFLite quantization."""
    inputs = {k: np.asarray(v, dtype="float32") for k, v in inputs.items()}
    single = len(inputs) == 1
    reference = _outputs_dict(model.predict(next(iter(inputs.values())) if single else inputs, verbose=0),
                              list(model.output_names))
    saved = export_savedmodel(model, output_dir / "savedmodel" / "1")
    serve = tf.saved_model.load(str(saved)).signatures["serving_default"]
    variants = {"keras": (reference, _size(model_path)),
                "savedmodel": ({k: v.numpy() for k, v in serve(**{k: tf.constant(v) for k, v in inputs.items()}).items()},
                               _size(saved))}
    for quantize in QUANTIZATIONS:
        content = to_tflite(saved, quantize, representative=representative)
        (output_dir / f"model_{quantize}.tflite").write_bytes(content)
        variants[f"tflite-{quantize}"] = (TFLiteModel(content).run(**inputs), len(content))
    return variants


def _rows(variants: dict, value_of, score) -> list:
    reference = value_of(variants["keras"][0])
    float_size = variants["tflite-none"][1]
    rows = []
    for variant, (outputs, size) in variants.items():
        value = value_of(outputs)
        difference = np.abs(value - reference)
        rows.append({"variant": variant, "bytes": int(size), "size_vs_tflite_float32": round(size / float_size, 3),
                     "max_abs_diff": float(difference.max()), "mean_abs_diff": float(difference.mean()),
                     **score(value, reference)})
    return rows


def parity_report(model_path, output_dir) -> dict:
    """Export every variant of the model at ``model_path`` into ``output_dir`` and measure each one on data the
    model never saw: a classifier's held-out fold, AAE-Net's held-out AAED fold, or AE-trans's Simulated2."""
    model_path = pathlib.Path(model_path)
    card = json.loads(model_path.with_suffix(".json").read_text())
    model = load_keras_file(str(model_path))
    output_dir = pathlib.Path(output_dir)
    kind = recipe(card["recipe"])
    if isinstance(kind, ClassifierRecipe):
        network = "classifier"
        X_train, X_test, y_test = heldout_data(card)
        variants = _all_variants(model, model_path, {"spectrum": X_test}, X_train, output_dir)
        rows = _rows(variants, lambda o: o["probabilities"], lambda p, ref: {
            "top1_agreement": round(float(np.mean(p.argmax(1) == ref.argmax(1))), 4),
            "accuracy": round(accuracy(y_test, p.argmax(1)), 4)})
        extra = {"task": card["recipe"], "heldout_spectra": int(len(y_test))}
    elif isinstance(kind, AlbedoRecipe):
        network = "aae-net"
        data = heldout_regression_data(card)
        prior = np.asarray(card["class_prior_log10"])
        inputs = {"spectrum": data["X_test"], "class_probabilities": data["P_test"]}
        representative = {"spectrum": data["X_train"], "class_probabilities": data["P_train"]}
        variants = _all_variants(model, model_path, inputs, representative, output_dir)
        albedo = lambda o: 10.0 ** (o["albedo"][:, 0] + data["P_test"] @ prior)  # noqa: E731
        rows = _rows(variants, albedo, lambda a, ref: {"mae": round(float(np.mean(np.abs(a - data["y_test"]))), 4)})
        extra = {"task": "albedo (AAED)", "heldout_spectra": int(len(data["y_test"]))}
    else:
        network = "ae-trans"
        data = heldout_regression_data(card)
        variants = _all_variants(model, model_path, {"spectrum": data["X_test"]}, data["X_train"], output_dir)
        rows = _rows(variants, lambda o: o["abundances"], lambda a, ref: {
            "rmse": round(float(np.sqrt(np.mean((a - data["y_test"]) ** 2))), 4)})
        extra = {"task": "OL/OPX/CPX abundances (Simulated2)", "heldout_spectra": int(len(data["y_test"]))}
    return {"model": str(model_path), "network": network, "holdout_fold": card.get("holdout_fold"), **extra,
            "cpu_threads": os.cpu_count(), "variants": rows}


def heldout_regression_data(card: dict) -> dict:
    """Training (int8 calibration) and held-out inputs and targets of an AAE-Net or AE-trans card."""
    kind = recipe(card["recipe"])
    if isinstance(kind, AlbedoRecipe):
        X, albedo, classes, _ = kind.data()
        fold = kind.folds(classes)[card["holdout_fold"]]
        P_train, P_test = class_probabilities(X[fold.train], classes[fold.train], X[fold.test], SEED + fold.index)
        return {"X_train": X[fold.train], "P_train": P_train, "X_test": X[fold.test], "P_test": P_test,
                "y_test": albedo[fold.test]}
    _, E = kind.endmembers(kind.grid)
    X_train, _ = acad_mixtures(E, kind.grid, 1)
    X_test, A_test = acad_mixtures(E, kind.grid, 2)
    return {"X_train": X_train.astype("float32"), "X_test": X_test.astype("float32"), "y_test": A_test}


HELDOUT_RECIPES = {"aae-net": (aae_net_albedo.RECIPE, 0), "ae-trans": (ae_trans_olivine_pyroxene.RECIPE, None)}


def train_heldout_regressor(network: str, output, *, quick: bool = False) -> pathlib.Path:
    """Train AAE-Net without AAED fold 0, or AE-trans on Simulated1 (Simulated2 held out), for a parity report;
    writes ``output`` (.keras) and its ``.json`` card."""
    if network not in HELDOUT_RECIPES:
        raise ValueError(f"network must be one of {sorted(HELDOUT_RECIPES)}, got {network!r}")
    regressor, fold = HELDOUT_RECIPES[network]
    return train_to_file(regressor, output, quick=quick, holdout_fold=fold)


def format_report(report: dict) -> str:
    """A table of the variants."""
    lines = [f"{report['model']}: {report['network']}, {report['task']}, held out: "
             f"{report['heldout_spectra']} spectra never seen in training"]
    metric = next(k for k in ("accuracy", "mae", "rmse") if k in report["variants"][0])
    agree = "top1_agreement" in report["variants"][0]
    lines.append(f"{'variant':<16} {'bytes':>10} {'vs f32':>7} " + (f"{'top-1 agr.':>10} " if agree else "")
                 + f"{'max |d|':>9} {'mean |d|':>9} {metric:>8}")
    for r in report["variants"]:
        value = f"{100 * r[metric]:7.2f}%" if metric == "accuracy" else f"{r[metric]:8.4f}"
        lines.append(f"{r['variant']:<16} {r['bytes']:>10} {r['size_vs_tflite_float32']:>7.3f} "
                     + (f"{100 * r['top1_agreement']:>9.2f}% " if agree else "")
                     + f"{r['max_abs_diff']:>9.2e} {r['mean_abs_diff']:>9.2e} {value}")
    return "\n".join(lines)
