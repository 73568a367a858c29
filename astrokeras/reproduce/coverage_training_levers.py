"""Training levers for CoverageNet, chosen on validation asteroids (``astrokeras reproduce --table
coverage-training``): does CoverageNet read near-infrared-only and VIS-NIR spectra better when its rare 11-class
spectra are repeated, or when every VIS-NIR spectrum also trains as its near-infrared part?

Why. On the coverage table's folds, CoverageNet trails the per-coverage PCA+SVM on near-infrared-only spectra
(73.8% accuracy, 49.2% balanced, against 78.4 / 66.0) and on VIS-NIR (86.1 against 90.7); its balanced accuracy
says that the rare 11-class classes (A, B, K, L, T...) are the ones it loses. Two candidate causes, one lever each
(:mod:`astrokeras.training.coverage_resampling`):

* **rare classes repeated**: each spectrum with an 11-class label is repeated ``round(sqrt(n_max / n_class))``
  times (at most 4), so the rare classes weigh more in the loss, and each repeat gets its own augmented copies;
* **near-infrared copies**: each 11-class spectrum that reaches the visible is also added cut to 0.85-2.45 um, so
  the network sees every labelled shape without its visible part, not only when augmentation happens to cut it.

Protocol (honest: no test fold is read). For each fold asked (default folds 1 and 2), that fold's training part in the
coverage table (:meth:`~astrokeras.training.recipes.CoverageRecipe.folds`) is split by asteroid: 20% of its
asteroids (seed 1) become the lever validation, never trained on by any candidate in any form. Each candidate
transforms the other 80% and trains the ``coverage-net-taxonomy`` recipe on it (without the recipe's own resampling,
which is the winner of this table) (which carves its own 10% for early
stopping and the temperature, as always). The validation spectra are then scored as the coverage table scores
test spectra (each coverage row: cut to its range, 11 or 4 classes), beside a PCA+SVM per coverage trained on the
same 80%. Every (fold, candidate) is saved as it finishes and reused
(:mod:`astrokeras.reproduce.saved_folds`).

Example
-------
``astrokeras reproduce --table coverage-training`` (8 CoverageNet trainings, about 25 minutes on 2 cores;
``--folds 3``: another fold's validation split; ``--quick``: one split, minutes)
"""

from __future__ import annotations

import dataclasses
import json
import logging
import pathlib
import time

import numpy as np

from astrokeras.evaluation import (
    accuracy,
    expected_calibration_error,
    mean_class_accuracy,
)
from astrokeras.models.baselines import pca_svm
from astrokeras.recipes import coverage_net_taxonomy
from astrokeras.reproduce import coverage_table
from astrokeras.reproduce.saved_folds import chosen_folds, table_store
from astrokeras.training.coverage_resampling import (
    MAX_REPEATS,
    near_infrared_copies,
    rebalanced,
    repeat_rare,
)
from astrokeras.training.recipes import N_SPLITS

log = logging.getLogger(__name__)
VALIDATION_SHARE = 0.2
VALIDATION_SEED = 1
DEFAULT_FOLDS = (1, 2)  # the lever splits of two folds' training parts (about 280 VIS-NIR, 350 NIR spectra)


CANDIDATES = {
    "no resampling (the recipe until 2026-12-07)": lambda train: train,
    "rare classes repeated": repeat_rare,
    "near-infrared copies": near_infrared_copies,
    "rare classes repeated + near-infrared copies (shipped)": rebalanced,
}
REFERENCE = "PCA+SVM (per coverage)"


def validation_split(train, seed: int = VALIDATION_SEED, share: float = VALIDATION_SHARE):
    """``(fit_part, validation)`` of a collection, by asteroid: ``share`` of its asteroid keys held out."""
    keys = np.unique(train.meta["key"])
    held = set(np.random.default_rng(seed).choice(keys, size=max(1, round(share * keys.size)), replace=False))
    is_validation = train.meta["key"].isin(held).to_numpy()
    return train.subset(~is_validation), train.subset(is_validation)


def _row_spectra(validation, row):
    """The validation spectra a coverage row scores, as the coverage table picks them, and their labels."""
    picked = coverage_table.row_picks(validation, row)
    label = "label_11" if coverage_table.ROWS[row][2] == 11 else "label_4"
    return [validation.spectra[i] for i in picked], validation.meta[label].to_numpy()[picked]


def score_network(network, calibration, validation) -> dict:
    """``{row: {"y", "P"}}``: CoverageNet's calibrated probabilities on each coverage row's validation spectra."""
    models = coverage_table.FoldModels(network, calibration, {})
    out = {}
    for row, (_, _, scheme) in coverage_table.ROWS.items():
        spectra, y = _row_spectra(validation, row)
        if not spectra:
            continue
        P11, P4, _ = coverage_table.predict_network(models, [coverage_table.row_cut(w, r, row) for w, r in spectra])
        out[row] = {"y": y, "P": P11 if scheme == 11 else P4}
    return out


def score_reference(fit_part, validation) -> dict:
    """``{row: {"y", "predicted"}}``: a PCA+SVM per coverage row trained on ``fit_part``."""
    out = {}
    for row, (_, grid, _) in coverage_table.ROWS.items():
        spectra, y = _row_spectra(validation, row)
        if not spectra:
            continue
        X, labels = coverage_table._baseline_training(fit_part, row)
        svm = pca_svm().fit(X, labels)
        out[row] = {"y": y, "predicted": svm.predict(np.asarray([coverage_table._on_grid(w, r, grid)
                                                                 for w, r in spectra], "float32"))}
    return out


def run_coverage_training_levers(*, quick: bool = False, output="outputs", only_folds=None) -> dict:
    """Train every candidate on each asked fold's lever split (``only_folds``, numbered from 1; default
    :data:`DEFAULT_FOLDS`) and score it (see the module docstring); writes ``tablecoverage-training.json``."""
    start = time.perf_counter()
    recipe = dataclasses.replace(coverage_net_taxonomy.RECIPE, resample=None)  # each candidate resamples itself
    data = recipe.data()
    folds = recipe.folds(data.meta)
    used = chosen_folds(len(folds), only_folds or DEFAULT_FOLDS)[:1 if quick else None]
    store = table_store(output, "coverage-training", module=__name__, quick=quick,
                        settings={"recipe": recipe.name, "candidates": list(CANDIDATES), "share": VALIDATION_SHARE,
                                  "seed": VALIDATION_SEED, "max_repeats": MAX_REPEATS})
    log.info(f"CoverageNet training levers: {len(CANDIDATES)} candidates on the lever split of fold(s) "
             f"{', '.join(str(k + 1) for k in used)}; saved units: {store.folder}")
    collected = {}
    for k in used:
        fit_part, validation = validation_split(data.subset(folds[k].train))
        log.info(f"  fold {k + 1}: {len(fit_part)} training spectra, {len(validation)} validation spectra "
                 f"({validation.meta['key'].nunique()} asteroids)")
        for name, transform in CANDIDATES.items():
            def work(transform=transform, name=name, fit_part=fit_part, validation=validation):
                train = transform(fit_part)
                log.info(f"    {name}: training on {len(train)} spectra")
                t = time.perf_counter()
                network, calibration = recipe.fit(train, quick=quick)
                return score_network(network, calibration, validation), {
                    "training_spectra": len(train), "seconds": round(time.perf_counter() - t, 1),
                    "temperature": calibration["temperature"]}
            arrays, info = store.compute(f"fold{k + 1}-{_slug(name)}", work)
            collected.setdefault(name, []).append((arrays, info))
        arrays, info = store.compute(f"fold{k + 1}-reference",
                                     lambda f=fit_part, v=validation: (score_reference(f, v), {}))
        collected.setdefault(REFERENCE, []).append((arrays, info))
    result = summarise(collected, [k + 1 for k in used], quick, time.perf_counter() - start)
    path = pathlib.Path(output) / "tablecoverage-training.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    return result


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name).strip("-")


def summarise(collected, folds, quick, seconds) -> dict:
    """Per candidate and coverage row: accuracy, balanced accuracy and ECE over the pooled validation spectra of
    the folds run, and the training notes of each unit."""
    rows = {}
    for name, units in collected.items():
        for row in coverage_table.ROWS:
            parts = [arrays[row] for arrays, _ in units if row in arrays]
            if not parts:
                continue
            y = np.concatenate([p["y"] for p in parts])
            P = np.concatenate([p["P"] for p in parts]) if "P" in parts[0] else None
            predicted = P.argmax(axis=1) if P is not None else np.concatenate([p["predicted"] for p in parts])
            rows.setdefault(row, {})[name] = {
                "n": len(y), "acc": round(accuracy(y, predicted), 4),
                "balanced_acc": round(mean_class_accuracy(y, predicted), 4),
                "ece": round(expected_calibration_error(y, P), 4) if P is not None else None}
    units = {name: [info for _, info in parts] for name, parts in collected.items() if name != REFERENCE}
    best = {row: max((n for n in scores if n != REFERENCE), key=lambda n: (scores[n]["acc"], scores[n]["balanced_acc"]))
            for row, scores in rows.items()}
    return {"table": "coverage-training", "quick": quick, "folds": folds, "of_folds": N_SPLITS, "rows": rows,
            "units": units,
            "best_on_validation": best, "seconds": round(seconds, 1),
            "protocol": f"CoverageNet trained with each lever on {int(100 * (1 - VALIDATION_SHARE))}% of the "
                        f"training asteroids of coverage-table fold(s) {', '.join(map(str, folds))}, scored on the "
                        f"other {int(100 * VALIDATION_SHARE)}% (validation asteroids, seed {VALIDATION_SEED}; no "
                        f"test fold read); {REFERENCE} trained on the same spectra"}


def _mean_over_rows(result: dict, name: str, score: str) -> float:
    values = [scores[name][score] for scores in result["rows"].values() if name in scores]
    return float(np.mean(values)) if values else float("nan")


def format_coverage_training_levers(result: dict) -> str:
    """The text table: one line per coverage row and candidate."""
    lines = [f"CoverageNet training levers: {result['protocol']}", "",
             f"{'coverage':22s} {'candidate':55s} {'n':>5s} {'accuracy %':>11s} {'balanced %':>11s} {'ECE':>6s}"]
    for row, scores in result["rows"].items():
        for name, s in scores.items():
            ece = f"{s['ece']:6.3f}" if s["ece"] is not None else ""
            lines.append(f"{row:22s} {name:55s} {s['n']:5d} {100 * s['acc']:11.1f} {100 * s['balanced_acc']:11.1f} "
                         f"{ece}")
    lines.append("")
    names = {name for scores in result["rows"].values() for name in scores}
    for name in sorted(names, key=lambda n: -_mean_over_rows(result, n, "acc")):
        lines.append(f"mean over the coverage rows, {name}: accuracy {100 * _mean_over_rows(result, name, 'acc'):.1f}%, "
                     f"balanced {100 * _mean_over_rows(result, name, 'balanced_acc'):.1f}%")
    lines.append("")
    for name, infos in result["units"].items():
        notes = "; ".join(f"{i['training_spectra']} spectra, {i['seconds']:.0f} s, T {i['temperature']}" for i in infos)
        lines.append(f"{name}: {notes}")
    lines.append("best on validation (accuracy, then balanced): "
                 + "; ".join(f"{row}: {name}" for row, name in result["best_on_validation"].items()))
    return "\n".join(lines)
