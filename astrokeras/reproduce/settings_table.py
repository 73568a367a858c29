"""How the recipes' settings were chosen (``astrokeras reproduce --table settings``): every candidate scored on a
validation split carved from training data, never on a test fold or a test set.

* ASC-Net width and loss (the classifier recipes): Table 5's fold-0 training part, split 80 / 20 (stratified,
  seed 1); candidates: the tables' reduced widths, a middle size and the paper's widths with cross-entropy, and
  the reduced widths with the paper's L1 loss. Score: accuracy on the 20%.
* AE-trans decoder and epochs (the unmixer recipe): trained on Simulated1 (seed 1), scored on a validation
  simulation (seed 3; Simulated2, seed 2, stays the test set); candidates: the decoder frozen at the mean
  end-members or trainable, 15 / 60 / 200 epochs. Score: abundance RMSE.
* int8 calibration set (export): ASC-Net trained on the same 80% of fold 0's training part, quantized with 200
  or 2000 calibration spectra from that 80%, scored by top-1 agreement with Keras and accuracy on the 20%.

Example
-------
``astrokeras reproduce --table settings --json`` (about 40 minutes on 2 cores; ``--quick``: a few minutes)
"""

from __future__ import annotations

import dataclasses
import json
import logging
import pathlib
import tempfile
import time

import numpy as np
from sklearn.model_selection import train_test_split

from astrokeras.datasets.tasks import acad_endmembers, acad_mixtures
from astrokeras.evaluation import accuracy
from astrokeras.export import TFLiteModel, export_savedmodel, to_tflite
from astrokeras.models import AETrans, ASCNet
from astrokeras.physics.unmixing import rmse
from astrokeras.recipes import ae_trans_olivine_pyroxene, asc_net_visible_4class
from astrokeras.training.classifier import fit_classifier, predict_proba
from astrokeras.training.unmixer import fit_ae_trans

log = logging.getLogger(__name__)
WIDTHS = {
    "reduced (Conv 16/32/32, Dense 32/64/128, 2x16)": dict(conv_filters=(16, 32, 32), dense_units=(32, 64, 128),
                                                          num_heads=2, key_dim=16),
    "middle (Conv 32/64/64, Dense 64/128/256, 4x32)": dict(conv_filters=(32, 64, 64), dense_units=(64, 128, 256),
                                                          num_heads=4, key_dim=32),
    "paper (Conv 32/64/64, Dense 128/256/512, 4x64)": dict(conv_filters=(32, 64, 64), dense_units=(128, 256, 512),
                                                          num_heads=4, key_dim=64),
}
VALIDATION_SIMULATION_SEED = 3


def _validation_split():
    recipe = asc_net_visible_4class.RECIPE
    X, y, _ = recipe.data()
    train = recipe.folds(y)[0].train
    fit, val = train_test_split(train, test_size=0.2, stratify=y[train], random_state=1)
    return recipe, X, y, fit, val


def asc_net_candidates(quick: bool) -> list:
    """Validation accuracy of each width (cross-entropy) and of the reduced widths with L1."""
    recipe, X, y, fit, val = _validation_split()
    candidates = [(name, widths, "categorical_crossentropy") for name, widths in WIDTHS.items()]
    candidates.append(("reduced, L1 loss (the paper's)", WIDTHS["reduced (Conv 16/32/32, Dense 32/64/128, 2x16)"],
                       "l1"))
    rows = []
    for name, widths, loss in candidates:
        start = time.perf_counter()
        settings = dataclasses.replace(recipe.settings(quick), loss=loss)
        model, history = fit_model(X[fit], y[fit], widths, settings)
        score = accuracy(y[val], predict_proba(model, X[val]).argmax(1))
        rows.append({"candidate": name, "loss": loss, "validation_accuracy": round(score, 4),
                     "epochs_run": len(history.history["loss"]), "parameters": int(model.count_params()),
                     "seconds": round(time.perf_counter() - start, 1)})
        log.info(f"  ASC-Net {name}, {loss}: validation accuracy {score:.4f}")
    return rows


def fit_model(X, y, widths, settings):
    """ASC-Net at ``widths`` trained on ``(X, y)`` with ``settings``; returns ``(model, history)``."""
    return fit_classifier(lambda: ASCNet(X.shape[1], 4, **widths), X, y, 4, settings)


def ae_trans_candidates(quick: bool) -> list:
    """Validation RMSE (seed-3 simulation) of AE-trans with its decoder frozen or trainable, for 15/60/200 epochs."""
    recipe = ae_trans_olivine_pyroxene.RECIPE
    grid = recipe.grid
    _, E = acad_endmembers(grid)
    X_val, A_val = acad_mixtures(E, grid, VALIDATION_SIMULATION_SEED)
    rows = []
    for trainable in (False, True):
        for epochs in ((2, 4) if quick else (15, 60, 200)):
            start = time.perf_counter()
            network = lambda bands, E, index: AETrans(bands, E, normalise_index=index,  # noqa: E731
                                                      trainable_endmembers=trainable)
            model = fit_ae_trans(network, E, grid, epochs=epochs)
            A = model.predict(X_val.astype("float32"), batch_size=1024, verbose=0)["abundances"]
            rows.append({"decoder": "trainable" if trainable else "frozen at the mean end-members", "epochs": epochs,
                         "validation_rmse": round(rmse(A_val, A), 5), "seconds": round(time.perf_counter() - start, 1)})
            log.info(f"  AE-trans decoder {'trainable' if trainable else 'frozen'}, {epochs} epochs: "
                     f"validation RMSE {rows[-1]['validation_rmse']:.4f}")
    return rows


def int8_candidates(quick: bool) -> list:
    """Top-1 agreement with Keras and accuracy on the validation 20% of int8 files calibrated on 200 or 2000
    spectra of the fitting 80%."""
    recipe, X, y, fit, val = _validation_split()
    model, _ = recipe.fit(X[fit], y[fit], quick=quick)
    reference = predict_proba(model, X[val]).argmax(1)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        saved = export_savedmodel(model, pathlib.Path(scratch) / "savedmodel")
        for samples in (200, 2000):
            lite = TFLiteModel(to_tflite(saved, "int8", representative=X[fit], samples=samples))
            predicted = lite.run(spectrum=X[val])["probabilities"].argmax(1)
            rows.append({"calibration_spectra": int(min(samples, len(fit))),
                         "top1_agreement": round(float(np.mean(predicted == reference)), 4),
                         "validation_accuracy": round(accuracy(y[val], predicted), 4),
                         "keras_validation_accuracy": round(accuracy(y[val], reference), 4)})
            log.info(f"  int8 calibrated on {rows[-1]['calibration_spectra']}: agreement "
                     f"{rows[-1]['top1_agreement']:.4f}")
    return rows


def run_settings_table(*, quick: bool = False, output="outputs") -> dict:
    """All three selections; writes ``tablesettings.json``."""
    start = time.perf_counter()
    asc = asc_net_candidates(quick)
    unmixer = ae_trans_candidates(quick)
    int8 = int8_candidates(quick)
    chosen = {
        "asc_net": max(asc, key=lambda r: r["validation_accuracy"])["candidate"],
        "ae_trans": min(unmixer, key=lambda r: r["validation_rmse"]),
        "int8": max(int8, key=lambda r: (r["top1_agreement"], r["calibration_spectra"]))["calibration_spectra"],
    }
    result = {"table": "settings", "protocol": "every candidate scored on validation data carved from training data "
              "(ASC-Net and int8: 20% of Table 5's fold-0 training part; AE-trans: a seed-3 simulation)"
              + (" (quick)" if quick else ""), "seconds": round(time.perf_counter() - start, 1),
              "asc_net": asc, "ae_trans": unmixer, "int8": int8, "best_on_validation": chosen}
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "tablesettings.json").write_text(json.dumps(result, indent=1))
    return result


def format_settings_table(result: dict) -> str:
    """The text of the settings table."""
    lines = [f"Settings chosen on validation data: {result['protocol']}", "ASC-Net (validation accuracy):"]
    lines += [f"  {r['candidate']:<52} {r['loss']:<25} {100 * r['validation_accuracy']:6.2f}%  "
              f"{r['parameters']:>8} params  {r['seconds']:>6.0f} s" for r in result["asc_net"]]
    lines.append("AE-trans (validation RMSE of abundances):")
    lines += [f"  decoder {r['decoder']:<32} {r['epochs']:>4} epochs  {r['validation_rmse']:.4f}"
              for r in result["ae_trans"]]
    lines.append("int8 calibration (validation):")
    lines += [f"  {r['calibration_spectra']:>5} spectra: top-1 agreement {100 * r['top1_agreement']:.2f}%, accuracy "
              f"{100 * r['validation_accuracy']:.2f}% (Keras {100 * r['keras_validation_accuracy']:.2f}%)"
              for r in result["int8"]]
    lines.append(f"best on validation: {result['best_on_validation']}")
    lines.append(f"({result['seconds']:.0f} s)")
    return "\n".join(lines)
