"""Parity report: what each exported variant costs in size and agreement, measured on held-out data.

Every variant -- Keras, SavedModel, TFLite float32 / float16 / dynamic / int8 -- predicts data the model never
saw; the int8 calibration uses training data only:

* ASC-Net saved by ``astrokeras train asc-net --holdout-fold K`` (its ``.json`` card names the task and fold):
  the held-out fold; top-1 agreement with Keras and accuracy.
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


def _outputs_dict(value, names):
    if isinstance(value, dict):
        return {k: np.asarray(v) for k, v in value.items()}
    value = value if isinstance(value, (list, tuple)) else [value]
    return {name: np.asarray(v) for name, v in zip(names, value)}


def _all_variants(model, model_path, inputs: dict, representative, output_dir) -> dict:
    """``{variant: (outputs dict, bytes)}`` for Keras, the SavedModel and every TFLite quantization."""
    import tensorflow as tf

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
    import keras

    import astrokeras.layers  # noqa: F401  (registers the custom layers before loading)

    model_path = pathlib.Path(model_path)
    card = json.loads(model_path.with_suffix(".json").read_text())
    model = keras.saving.load_model(model_path, compile=False)
    output_dir = pathlib.Path(output_dir)
    network = card.get("network", "asc-net")
    if network == "asc-net":
        X_train, X_test, y_test = heldout_data(card)
        variants = _all_variants(model, model_path, {"spectrum": X_test}, X_train, output_dir)
        rows = _rows(variants, lambda o: o["probabilities"], lambda p, ref: {
            "top1_agreement": round(float(np.mean(p.argmax(1) == ref.argmax(1))), 4),
            "accuracy": round(accuracy(y_test, p.argmax(1)), 4)})
        extra = {"task": card["task"], "heldout_spectra": int(len(y_test))}
    elif network == "aae-net":
        data = heldout_regression_data(card)
        prior = np.asarray(card["class_prior_log10"])
        inputs = {"spectrum": data["X_test"], "class_probabilities": data["P_test"]}
        representative = {"spectrum": data["X_train"], "class_probabilities": data["P_train"]}
        variants = _all_variants(model, model_path, inputs, representative, output_dir)
        albedo = lambda o: 10.0 ** (o["albedo"][:, 0] + data["P_test"] @ prior)  # noqa: E731
        rows = _rows(variants, albedo, lambda a, ref: {"mae": round(float(np.mean(np.abs(a - data["y_test"]))), 4)})
        extra = {"task": "albedo (AAED)", "heldout_spectra": int(len(data["y_test"]))}
    elif network == "ae-trans":
        data = heldout_regression_data(card)
        variants = _all_variants(model, model_path, {"spectrum": data["X_test"]}, data["X_train"], output_dir)
        rows = _rows(variants, lambda o: o["abundances"], lambda a, ref: {
            "rmse": round(float(np.sqrt(np.mean((a - data["y_test"]) ** 2))), 4)})
        extra = {"task": "OL/OPX/CPX abundances (Simulated2)", "heldout_spectra": int(len(data["y_test"]))}
    else:
        raise ValueError(f"unknown network {network!r} in {model_path.with_suffix('.json')}")
    return {"model": str(model_path), "network": network, "holdout_fold": card.get("holdout_fold"), **extra,
            "cpu_threads": os.cpu_count(), "variants": rows}


def heldout_regression_data(card: dict) -> dict:
    """Training (int8 calibration) and held-out inputs and targets of an AAE-Net or AE-trans card."""
    if card["network"] == "aae-net":
        from astrokeras.folds import stratified_folds
        from astrokeras.reproduce.albedo_tables import class_probabilities, load_aaed
        from astrokeras.reproduce.taxonomy_tables import N_SPLITS, SEED

        X, albedo, classes, _ = load_aaed()
        fold = stratified_folds(classes, N_SPLITS, SEED)[card["holdout_fold"]]
        P_train, P_test = class_probabilities(X[fold.train], classes[fold.train], X[fold.test], SEED + fold.index)
        return {"X_train": X[fold.train], "P_train": P_train, "X_test": X[fold.test], "P_test": P_test,
                "y_test": albedo[fold.test], "y_train": albedo[fold.train], "c_train": classes[fold.train]}
    from astrokeras.reproduce.unmixing_tables import GRID, endmembers_on, simulated

    _, E = endmembers_on(GRID)
    X_train, _ = simulated(E, GRID, 1)
    X_test, A_test = simulated(E, GRID, 2)
    return {"X_train": X_train.astype("float32"), "X_test": X_test.astype("float32"), "y_test": A_test}


def train_heldout_regressor(network: str, output, *, quick: bool = False) -> pathlib.Path:
    """Train AAE-Net without AAED fold 0, or AE-trans on Simulated1 (Simulated2 held out), for a parity report;
    writes ``output`` (.keras) and its ``.json`` card."""
    output = pathlib.Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    if network == "aae-net":
        from astrokeras.reproduce.albedo_tables import fit_aae_net

        card = {"network": "aae-net", "holdout_fold": 0}
        data = heldout_regression_data(card)
        model, prior = fit_aae_net(data["X_train"], data["y_train"], data["P_train"], data["c_train"], quick=quick)
        card["class_prior_log10"] = prior.tolist()
    elif network == "ae-trans":
        from astrokeras.reproduce.unmixing_tables import GRID, endmembers_on, train_ae_trans

        card = {"network": "ae-trans", "holdout_fold": None, "heldout": "Simulated2 (another 2500 mixtures)"}
        model = train_ae_trans(endmembers_on(GRID)[1], GRID, quick=quick)
    else:
        raise ValueError(f"network must be 'aae-net' or 'ae-trans', got {network!r}")
    model.save(output)
    output.with_suffix(".json").write_text(json.dumps(card, indent=1))
    return output


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
