"""A deep ensemble of CoverageNet, chosen on validation asteroids (``astrokeras reproduce --table
coverage-ensemble``): does the mean of K CoverageNets, trained alike but for their seed, read every coverage better
than one, and is it better calibrated (Lakshminarayanan et al. 2017)?

Protocol (honest: no test fold is read). The lever splits of the ``coverage-training`` table: for each fold asked
(default folds 1 and 2), 20% of the asteroids of that fold's training part in the coverage table (seed 1) are the
validation, never trained on in any form (:func:`~astrokeras.reproduce.coverage_training_levers.validation_split`).
The shipped ``coverage-net-taxonomy`` recipe (rare classes repeated, near-infrared copies) trains on the other 80%
once per seed (:data:`SEEDS`; the seed draws the weights, the recipe's own 10% for early stopping and the
temperature, and the augmented copies); each member's calibrated answers on the validation spectra are scored as
the coverage table scores test spectra
(:func:`~astrokeras.reproduce.coverage_training_levers.score_network`). Rows: one network (each seed alone, mean
and spread over seeds), and the ensembles of the first 2 and of all members (the mean of the members' calibrated
probabilities). Every (fold, seed) is saved as it finishes and reused (:mod:`astrokeras.reproduce.saved_folds`).

Example
-------
``astrokeras reproduce --table coverage-ensemble`` (6 CoverageNet trainings, about 20 minutes on 2 cores)
"""

from __future__ import annotations

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
from astrokeras.recipes import coverage_net_taxonomy
from astrokeras.reproduce.coverage_training_levers import (
    DEFAULT_FOLDS,
    score_network,
    validation_split,
)
from astrokeras.reproduce.saved_folds import chosen_folds, table_store
from astrokeras.training.recipes import N_SPLITS

log = logging.getLogger(__name__)
SEEDS = (0, 1, 2)


def ensemble_answers(members: list) -> dict:
    """``{row: {"y", "P"}}``: the mean of the members' probabilities on each coverage row (same spectra, same
    labels in every member).

    >>> a = {"NIR": {"y": np.array([0, 1]), "P": np.array([[0.8, 0.2], [0.6, 0.4]])}}
    >>> b = {"NIR": {"y": np.array([0, 1]), "P": np.array([[0.6, 0.4], [0.2, 0.8]])}}
    >>> ensemble_answers([a, b])["NIR"]["P"].round(3).tolist()
    [[0.7, 0.3], [0.4, 0.6]]
    """
    out = {}
    for row in members[0]:
        if any(not np.array_equal(m[row]["y"], members[0][row]["y"]) for m in members):
            raise ValueError(f"{row}: the members were scored on different spectra")
        out[row] = {"y": members[0][row]["y"], "P": np.mean([m[row]["P"] for m in members], axis=0)}
    return out


def _scores(parts: list) -> dict:
    """Accuracy, balanced accuracy and ECE over the pooled spectra of ``parts`` (``[{"y", "P"}, ...]``)."""
    y, P = np.concatenate([p["y"] for p in parts]), np.concatenate([p["P"] for p in parts])
    return {"n": len(y), "acc": round(accuracy(y, P.argmax(1)), 4),
            "balanced_acc": round(mean_class_accuracy(y, P.argmax(1)), 4),
            "ece": round(expected_calibration_error(y, P), 4)}


def run_coverage_ensemble_levers(*, quick: bool = False, output="outputs", only_folds=None, seeds=SEEDS) -> dict:
    """Train the recipe once per seed on each asked fold's lever split and score the members and their ensembles
    (see the module docstring); writes ``tablecoverage-ensemble.json``."""
    start = time.perf_counter()
    recipe = coverage_net_taxonomy.RECIPE
    data = recipe.data()
    folds = recipe.folds(data.meta)
    used = chosen_folds(len(folds), only_folds or DEFAULT_FOLDS)[:1 if quick else None]
    seeds = tuple(seeds)[:2] if quick else tuple(seeds)
    store = table_store(output, "coverage-ensemble", module=__name__, quick=quick,
                        settings={"recipe": recipe.name, "seeds": list(seeds)})
    log.info(f"CoverageNet ensemble: seeds {list(seeds)} on the lever split of fold(s) "
             f"{', '.join(str(k + 1) for k in used)}; saved units: {store.folder}")
    members, notes = {}, {}
    for k in used:
        fit_part, validation = validation_split(data.subset(folds[k].train))
        for seed in seeds:
            def work(seed=seed, k=k, fit_part=fit_part, validation=validation):
                log.info(f"  fold {k + 1}, seed {seed}: training on {len(fit_part)} spectra")
                t = time.perf_counter()
                network, calibration = recipe.fit(fit_part, quick=quick, seed=seed)
                return score_network(network, calibration, validation), {
                    "seconds": round(time.perf_counter() - t, 1), "temperature": calibration["temperature"]}
            arrays, info = store.compute(f"fold{k + 1}-seed{seed}", work)
            members.setdefault(k, []).append(arrays)
            notes.setdefault(seed, []).append(info)
    result = summarise(members, seeds, [k + 1 for k in used], quick, time.perf_counter() - start)
    result["units"] = {str(seed): infos for seed, infos in notes.items()}
    path = pathlib.Path(output) / "tablecoverage-ensemble.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    return result


def summarise(members: dict, seeds, folds, quick, seconds) -> dict:
    """Per coverage row: each seed alone, the mean and spread over seeds, and the ensembles of the first 2 and of
    all members, pooled over the folds run (``members``: ``{fold: [answers per seed]}``)."""
    rows = {}
    for row in members[next(iter(members))][0]:
        singles = [_scores([members[k][i][row] for k in members]) for i in range(len(seeds))]
        entry = {f"one network, seed {seed}": s for seed, s in zip(seeds, singles)}
        entry["one network, mean over seeds"] = {
            "n": singles[0]["n"], **{f: round(float(np.mean([s[f] for s in singles])), 4)
                                     for f in ("acc", "balanced_acc", "ece")},
            "acc_spread": round(float(np.std([s["acc"] for s in singles])), 4)}
        for size in sorted({2, len(seeds)}):
            if size <= len(seeds):
                entry[f"ensemble of {size}"] = _scores([ensemble_answers(members[k][:size])[row] for k in members])
        rows[row] = entry
    return {"table": "coverage-ensemble", "quick": quick, "folds": folds, "of_folds": N_SPLITS,
            "seeds": list(seeds), "rows": rows, "seconds": round(seconds, 1),
            "protocol": f"the coverage-net-taxonomy recipe trained with seeds {list(seeds)} on 80% of the training "
                        f"asteroids of coverage-table fold(s) {', '.join(map(str, folds))}, scored on the other 20% "
                        "(the coverage-training table's validation asteroids; no test fold read); an ensemble "
                        "answers the mean of its members' calibrated probabilities"}


def format_coverage_ensemble_levers(result: dict) -> str:
    """The text table: one line per coverage row and method, then the mean over the rows."""
    lines = [f"CoverageNet ensemble: {result['protocol']}", "",
             f"{'coverage':22s} {'method':32s} {'n':>5s} {'accuracy %':>11s} {'balanced %':>11s} {'ECE':>6s}"]
    for row, methods in result["rows"].items():
        for name, s in methods.items():
            spread = f" (+- {100 * s['acc_spread']:.1f} over seeds)" if "acc_spread" in s else ""
            lines.append(f"{row:22s} {name:32s} {s['n']:5d} {100 * s['acc']:11.1f} {100 * s['balanced_acc']:11.1f} "
                         f"{s['ece']:6.3f}{spread}")
    lines.append("")
    names = list(next(iter(result["rows"].values())))
    for name in names:
        acc = np.mean([methods[name]["acc"] for methods in result["rows"].values()])
        bal = np.mean([methods[name]["balanced_acc"] for methods in result["rows"].values()])
        lines.append(f"mean over the coverage rows, {name}: accuracy {100 * acc:.1f}%, balanced {100 * bal:.1f}%")
    return "\n".join(lines)
