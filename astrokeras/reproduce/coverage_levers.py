"""Levers on CoverageNet measured from the coverage table's saved folds (``astrokeras reproduce --table
coverage-levers``): what a per-coverage linear model beside the network, or a temperature per coverage, would
change, on the same held-out spectra, without training CoverageNet again.

Protocol. For each fold the coverage table saved (with the asteroid key of every held-out spectrum), the held-out
spectra of each coverage row are picked again exactly as the table picked them (the keys are checked against the
saved ones). On the same fold's training part:

* **linear model**: standardise -> PCA -> logistic regression (:func:`~astrokeras.models.albedo_baselines.
  class_probability_model`) on the spectra that cover the row, on the row's grid, as the PCA+SVM baseline reads
  them;
* **CoverageNet x linear (geometric mean)** and **(arithmetic mean)**: the two probability vectors combined with
  equal weights (nothing tuned, so no choice is made on a test fold);
* **CoverageNet x ASC-Net (geometric mean)**: CoverageNet with the coverage table's own per-grid ASC-Net (its
  saved held-out probabilities, trained on the same fold), equal weights; ``analyze`` cannot run it (no per-grid
  ASC-Net is shipped), so it is measured, not selectable;
* **CoverageNet, temperature per coverage**: a temperature fitted (NLL) on the *other* folds' held-out answers of
  the same row, applied to this fold (cross-fitted: no label of this fold is used);
* **selected per coverage (cross-fitted)**: for each fold, what the *other* folds choose
  (:func:`stable_choice`: on 11-class rows CoverageNet x linear (geometric) only when it has the better accuracy on
  those folds *and* each of them, left out in turn, would choose it too; else CoverageNet alone), with a temperature
  fitted on the other folds' answers of that choice: the honest figure of choosing and calibrating by
  cross-validation. The choice and temperature on all folds are what ``analyze`` ships
  (:mod:`astrokeras.schemes.coverage_experts`, ``--write``; the Gaia row is measured only, since ``analyze`` reads
  a Gaia spectrum as a visible one).

**Another survey's spectra.** On each cross-survey pair of the coverage table (each asteroid scored by fold models
that never saw it, against the other survey's label), for the spectra a per-grid ASC-Net reads (a Gaia DR3 spectrum:
the Gaia row's, trained on Gaia DR3 and ground-based spectra at Gaia's bands; a SMASS I spectrum: the visible
row's): CoverageNet, that ASC-Net, their geometric mean, the cross-fitted choice between CoverageNet and the mean,
and for the Gaia DR3 pairs CoverageNet with the temperature ``analyze`` gives a whole Gaia spectrum (the visible
0.44-0.92 um row's, fitted on the row's other folds: it never saw a Gaia spectrum).

Scores as the coverage table's: accuracy and balanced accuracy mean +- std over folds, ECE pooled.

Example
-------
``astrokeras reproduce --table coverage --folds 1 2`` then ``astrokeras reproduce --table coverage-levers``
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import pathlib
import time
import warnings

import numpy as np
from scipy.optimize import minimize_scalar

from astrokeras.models.albedo_baselines import class_probability_model
from astrokeras.recipes import coverage_net_taxonomy
from astrokeras.reproduce import coverage_table
from astrokeras.reproduce.saved_folds import folds_note, table_store
from astrokeras.schemes.class_model import affine_class_model
from astrokeras.schemes.coverage_experts import MODEL_PATH, SELECTED
from astrokeras.training.coverage_classifier import calibrate, negative_log_likelihood

log = logging.getLogger(__name__)
LINEAR = "linear model (per coverage)"
GEOMETRIC = "CoverageNet x linear (geometric mean)"
ARITHMETIC = "CoverageNet x linear (arithmetic mean)"
WITH_ASC = "CoverageNet x ASC-Net (geometric mean)"
TEMPERED = "CoverageNet, temperature per coverage"
SAVED = ("CoverageNet", "PCA+SVM (per coverage)")
# the coverage row whose temperature analyze gives a pair's spectra (a whole Gaia DR3 spectrum covers 0.44-0.92 um)
PAIR_ROWS = {"Gaia DR3 vs Bus-DeMeo": "visible 0.44-0.92", "Gaia DR3 vs SMASS II (Bus)": "visible 0.44-0.92"}
CANDIDATES = ("CoverageNet", GEOMETRIC)  # what analyze can run: the network, alone or with the linear expert


def coverage_store(output, quick: bool = False):
    """The coverage table's saved folds (current ones only: same settings, data and code)."""
    return table_store(output, "coverage", module=coverage_table.__name__, quick=quick,
                       settings={"recipe": coverage_net_taxonomy.RECIPE.name, "rows": list(coverage_table.ROWS),
                                 "pairs": coverage_table.PAIRS})


def _test_grid(test, picked, row):
    grid = coverage_table.ROWS[row][1]
    return np.asarray([coverage_table._on_grid(*test.spectra[i], grid) for i in picked], "float32")


def fit_temperature(P, y) -> float:
    """The temperature minimising the NLL of labels ``y`` under ``softmax(log P / T)``
    (:func:`~astrokeras.training.coverage_classifier.negative_log_likelihood`, every label in ``P``'s classes)."""
    classes, unknown = np.arange(P.shape[1]), np.full(len(y), -1)
    return float(minimize_scalar(lambda t: negative_log_likelihood(P, classes, y, unknown, t), bounds=(0.05, 20.0),
                                 method="bounded").x)


def _combined(a, b, how) -> np.ndarray:
    P = np.sqrt(np.clip(a, 1e-12, 1) * np.clip(b, 1e-12, 1)) if how == "geometric" else (a + b) / 2
    return P / P.sum(axis=1, keepdims=True)


def _top(values) -> np.ndarray:
    values = np.asarray(values)
    return values.argmax(axis=1) if values.ndim == 2 else values


def same_top_class(asteroids, answers) -> dict:
    """Over every pair of files of one asteroid, the share with the same answer (label-free).

    >>> same_top_class(np.array(["1", "1", "1", "2", "3", "3"]), np.array([7, 7, 2, 0, 4, 4]))
    {'pairs': 4, 'asteroids': 2, 'same_pct': 50.0}
    """
    same = pairs = groups = 0
    for key in np.unique(asteroids):
        mine = answers[asteroids == key]
        if mine.size < 2:
            continue
        groups += 1
        equal = mine[:, None] == mine[None, :]
        pairs += mine.size * (mine.size - 1) // 2
        same += int((equal.sum() - mine.size) // 2)
    return {"pairs": pairs, "asteroids": groups, "same_pct": round(100 * same / pairs, 1) if pairs else None}


def stable_choice(y, fold, candidates: dict) -> str:
    """The candidate with the best accuracy over the folds present, *if* every one of those folds, left out in turn,
    is given the same pick by the others (ties to the first); else the first candidate (the default, which needs no
    choice). A lever chosen by 0.1 point on pooled folds, that half of the folds would not choose, is not shipped.

    >>> fold, y = np.repeat([0, 1, 2], 4), np.zeros(12, int)
    >>> answers = lambda right: np.eye(2)[1 - np.asarray(right)]   # 1: the right class (0), 0: the wrong one
    >>> default = answers([1, 1, 0, 0,  1, 1, 1, 1,  1, 1, 1, 0])   # 9 of 12
    >>> lever = answers([1, 1, 1, 1,  1, 1, 1, 0,  1, 1, 1, 0])     # 10 of 12, but behind on folds 1 and 2
    >>> stable_choice(y, fold, {"default": default, "lever": lever})
    'default'
    >>> stable_choice(y, fold, {"default": default, "lever": answers(np.ones(12, int))})
    'lever'
    """
    names = list(candidates)

    def best(rows):
        scores = [np.mean(candidates[n][rows].argmax(1) == y[rows]) for n in names]
        return names[int(np.argmax(scores))]

    pooled = best(np.ones(len(y), bool))
    present = np.unique(fold)
    if len(present) > 1 and any(best(fold != k) != pooled for k in present):
        return names[0]
    return pooled


def select_per_fold(y, fold, candidates: dict):
    """``(probabilities, choice)``: for each fold, the :func:`stable_choice` of the *other* folds, with a temperature
    fitted (NLL) on the other folds' answers of that choice, applied to that fold: the honest figure of choosing and
    calibrating by cross-validation. ``choice`` holds every fold's pick, and what all folds together choose
    (``shipped``) with its temperature (what a model trained on everything ships).

    >>> y = np.array([0, 0, 1, 1]); fold = np.array([0, 1, 0, 1])
    >>> good, bad = np.eye(2)[y] * 0.8 + 0.1, np.eye(2)[1 - y] * 0.8 + 0.1
    >>> P, choice = select_per_fold(y, fold, {"a": bad, "b": good})
    >>> bool((P.argmax(1) == y).all()), choice["shipped"], choice["temperature"] < 0.5
    (True, 'b', True)
    """
    out = np.zeros_like(next(iter(candidates.values())), dtype=float)
    picks = {}
    for k in np.unique(fold):
        others = fold != k
        pick = picks[int(k) + 1] = stable_choice(y[others], fold[others], {n: P[others] for n, P in candidates.items()})
        out[fold == k] = calibrate(candidates[pick][fold == k], fit_temperature(candidates[pick][others], y[others]))
    shipped = stable_choice(y, fold, candidates)
    return out, {"per_fold": picks, "shipped": shipped,
                 "temperature": round(fit_temperature(candidates[shipped], y), 4)}


def _tempered_by_fold(P, fold, temperatures: dict) -> np.ndarray:
    """``P`` with each fold's rows calibrated by that fold's temperature (``temperatures[fold]``).

    >>> _tempered_by_fold(np.array([[0.8, 0.2], [0.8, 0.2]]), np.array([0, 1]), {0: 1.0, 1: 2.0}).round(3).tolist()
    [[0.8, 0.2], [0.667, 0.333]]
    """
    out = np.zeros_like(P, dtype=float)
    for k in np.unique(fold):
        out[fold == k] = calibrate(P[fold == k], temperatures[int(k)])
    return out


def _candidates(row) -> tuple:
    """What ``analyze`` can run in a coverage row: CoverageNet alone, or with the row's linear expert (11-class
    rows)."""
    return CANDIDATES if coverage_table.ROWS[row][2] == 11 else CANDIDATES[:1]


def pair_levers(pairs: dict, temperatures: dict):
    """``(rows, choices)``: on each cross-survey pair's held-out spectra that a per-grid ASC-Net reads (a Gaia DR3
    spectrum: the Gaia row's), CoverageNet, that ASC-Net, their geometric mean and the cross-fitted
    :func:`select_per_fold` between CoverageNet and the mean, scored against the other survey's labels. For a pair
    whose spectra ``analyze`` reads in a coverage row (:data:`PAIR_ROWS`), also CoverageNet with that row's
    temperature fitted on the row's *other* folds (``temperatures[row][fold]``): what ships, measured on spectra
    the temperature never saw."""
    rows, choices = [], {}
    for name, part in pairs.items():
        y, fold, net, asc = (np.concatenate(part[f]) for f in ("y", "fold", "CoverageNet", "ASC-Net (per grid)"))
        keep = np.isfinite(asc).all(axis=1)
        if keep.sum() < 10 or len(np.unique(fold[keep])) < 2:
            continue
        y, fold, net, asc = y[keep], fold[keep], net[keep], asc[keep]
        candidates = {"CoverageNet": net, WITH_ASC: _combined(net, asc, "geometric")}
        selected, choices[name] = select_per_fold(y, fold, candidates)
        methods = {**candidates, "ASC-Net (per grid)": asc, SELECTED: selected}
        row = PAIR_ROWS.get(name)
        if row in temperatures and all(int(k) in temperatures[row] for k in np.unique(fold)):
            methods[f"CoverageNet, {row} temperature"] = _tempered_by_fold(net, fold, temperatures[row])
        for method, P in methods.items():
            rows.append({"pair": name, "method": method, "not_read": int((~keep).sum()),
                         **coverage_table._scores(y, P, fold)})
    return rows, choices


def run_coverage_levers(*, output="outputs", quick: bool = False, echo=log.info) -> dict:
    """The levers table (see the module docstring), written to ``<output>/tablecoverage-levers.json``; ``quick``
    reads the quick coverage table's saved fold."""
    start = time.perf_counter()
    store = coverage_store(output, quick)
    recipe = coverage_net_taxonomy.RECIPE
    train_all = recipe.data()
    folds = recipe.folds(train_all.meta)
    collected, used, identity, pairs = {}, [], {}, {}
    for k, fold in enumerate(folds):
        found = store.load(f"fold{k + 1}")
        if found is None:
            echo(f"  coverage levers: fold {k + 1} has no current saved result: run `reproduce --table coverage`")
            continue
        arrays, _ = found
        used.append(k)
        train, test = train_all.subset(fold.train), train_all.subset(fold.test)
        for row, (_, grid, scheme) in coverage_table.ROWS.items():
            saved = arrays["rows"].get(row, {})
            if "key" not in saved:
                continue
            picked = coverage_table.row_picks(test, row)
            keys = test.meta["key"].to_numpy()[picked].astype(str)
            if not np.array_equal(keys, np.asarray(saved["key"]).astype(str)):
                raise RuntimeError(f"fold {k + 1}, {row}: the held-out spectra differ from the saved ones; the "
                                   "data or the selection changed: run the coverage table again")
            X, y = coverage_table._baseline_training(train, row)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=UserWarning)
                linear = class_probability_model(0).fit(X, y)
            P_lin = np.zeros((len(picked), scheme))
            P_lin[:, linear.classes_] = linear.predict_proba(_test_grid(test, picked, row))
            P_net = np.asarray(saved["CoverageNet"], float)
            part = collected.setdefault(row, {"y": [], "fold": [], LINEAR: [], GEOMETRIC: [], ARITHMETIC: [],
                                              WITH_ASC: [], "ASC-Net (per grid)": [], **{name: [] for name in SAVED}})
            identity.setdefault(row, {"key": [], "survey": []})
            part["y"].append(np.asarray(saved["y"])), part["fold"].append(np.full(len(picked), k))
            identity[row]["key"].append(keys)
            identity[row]["survey"].append(np.asarray(saved["survey"]).astype(str))
            P_asc = np.asarray(saved["ASC-Net (per grid)"], float)
            part["ASC-Net (per grid)"].append(P_asc)
            part[WITH_ASC].append(_combined(P_net, P_asc, "geometric"))
            part["CoverageNet"].append(P_net), part["PCA+SVM (per coverage)"].append(saved["PCA+SVM (per coverage)"])
            part[LINEAR].append(P_lin)
            part[GEOMETRIC].append(_combined(P_net, P_lin, "geometric"))
            part[ARITHMETIC].append(_combined(P_net, P_lin, "arithmetic"))
        for name, saved in arrays.get("pairs", {}).items():  # another survey's spectra, with the per-grid ASC-Net
            if "ASC-Net (per grid)" in saved and len(saved["y"]):
                part = pairs.setdefault(name, {"y": [], "fold": [], "CoverageNet": [], "ASC-Net (per grid)": []})
                for field, values in part.items():
                    values.append(np.asarray(saved[field]))
        echo(f"  coverage levers: fold {k + 1} of {len(folds)} done")
    rows, choices, repeated, answers, temperatures = [], {}, {}, {}, {}
    for row, part in collected.items():
        y, fold = np.concatenate(part.pop("y")), np.concatenate(part.pop("fold"))
        net = np.concatenate(part["CoverageNet"])
        eleven = coverage_table.ROWS[row][2] == 11
        if len(np.unique(fold)) > 1:  # a temperature from the other folds' held-out answers of this row
            temperatures[row] = {int(k): fit_temperature(net[fold != k], y[fold != k]) for k in np.unique(fold)}
            part[TEMPERED] = [_tempered_by_fold(net, fold, temperatures[row])]
            selected, choices[row] = select_per_fold(y, fold, {m: np.concatenate(part[m]) for m in _candidates(row)})
            part[SELECTED] = [selected]
            if eleven:
                keys, surveys = (np.concatenate(identity[row][f]) for f in ("key", "survey"))
                answers |= {f"{row}/key": keys, f"{row}/survey": surveys,
                            f"{row}/selected": selected.astype("float32")}
        if eleven:  # label-free: two files of one asteroid (other nights, MITHNEOS)
            keys, surveys = (np.concatenate(identity[row][f]) for f in ("key", "survey"))
            files = surveys == "mithneos"
            repeated[row] = {method: same_top_class(keys[files], _top(np.concatenate(values))[files])
                             for method, values in part.items()}
        for method, values in part.items():
            rows.append({"coverage": row, "classes": coverage_table.ROWS[row][2], "method": method,
                         **coverage_table._scores(y, np.concatenate(values), fold)})
    pair_rows, pair_choices = pair_levers(pairs, temperatures)
    result = {"table": "coverage-levers", "folds": [k + 1 for k in used], "of_folds": len(folds),
              "protocol": f"{folds_note(used, len(folds))} of the coverage table (its saved held-out answers), "
                          "levers fitted on each fold's training part or, for the temperature, on the other folds' "
                          "held-out answers", "rows": rows, "choices": choices, "repeated_observations": repeated,
              "pairs": pair_rows, "pair_choices": pair_choices, "seconds": round(time.perf_counter() - start, 1)}
    path = pathlib.Path(output) / "tablecoverage-levers.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    if answers:  # the shipped 11-class answer of every held-out spectrum, by asteroid (the fine-classes table reads it)
        np.savez(pathlib.Path(output) / "coverage-levers-answers.npz", **answers)
    path.write_text(json.dumps(result, indent=1))
    return result


def format_coverage_levers(result: dict) -> str:
    """The levers table as text, then how often two MITHNEOS files of one asteroid get the same top class."""
    lines = [f"CoverageNet levers: {result['protocol']}", "",
             f"{'coverage':<22} {'method':<40} {'n':>5} {'accuracy %':>14} {'balanced %':>14} {'ECE':>6}"]
    for r in result["rows"]:
        ece = "" if r["ece"] is None else f"{r['ece']:.3f}"
        lines.append(f"{r['coverage']:<22} {r['method']:<40} {r['n']:>5} {100 * r['acc']:>6.1f} +- "
                     f"{100 * r['acc_std']:>4.1f} {100 * r['balanced_acc']:>6.1f} +- {100 * r['balanced_acc_std']:>4.1f}"
                     f" {ece:>6}")
    if result.get("pairs"):
        lines += ["", "Another survey's spectra, each asteroid held out (the spectra a per-grid ASC-Net reads):",
                  f"{'pair':<36} {'method':<44} {'n':>5} {'accuracy %':>14} {'ECE':>6}"]
        for r in result["pairs"]:
            lines.append(f"{r['pair']:<36} {r['method']:<44} {r['n']:>5} {100 * r['acc']:>6.1f} +- "
                         f"{100 * r['acc_std']:>4.1f} {r['ece']:>6.3f}")
    for row, methods in result.get("repeated_observations", {}).items():
        shown = [f"{m} {v['same_pct']}%" for m, v in methods.items() if v["pairs"]]
        if shown:
            first = next(v for v in methods.values() if v["pairs"])
            lines.append(f"\nSame top class for two MITHNEOS files of one asteroid, {row} ({first['pairs']} pairs, "
                         f"{first['asteroids']} asteroids): " + "; ".join(shown))
    return "\n".join(lines)


def write_experts(output="outputs", path=None) -> dict:
    """Fit each 11-class row's linear expert on every training spectrum of the coverage recipe and write the
    shipped ``coverage-experts.json``, with the choice of the levers table on all its folds (which must be all
    of the coverage table's)."""
    table = json.loads((pathlib.Path(output) / "tablecoverage-levers.json").read_text())
    if len(table["folds"]) != table["of_folds"]:
        raise RuntimeError(f"the levers table has {len(table['folds'])} of {table['of_folds']} folds: run "
                           "`reproduce --table coverage` to the end, then `--table coverage-levers`")
    train_all = coverage_net_taxonomy.RECIPE.data()
    rows = {}
    for row, choice in table["choices"].items():
        span, grid, scheme = coverage_table.ROWS[row]
        if grid is coverage_table.GAIA_GRID:  # analyze cannot tell Gaia's bands from a visible spectrum by its span
            continue
        scores = {r["method"]: round(100 * r["acc"], 1) for r in table["rows"] if r["coverage"] == row}
        entry = {"span": list(span), "grid_um": np.round(grid, 4).tolist(), "classes": scheme,
                 "use": choice["shipped"] == GEOMETRIC, "temperature": choice["temperature"]}
        if scheme == 11:
            X, y = coverage_table._baseline_training(train_all, row)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=UserWarning)
                linear = class_probability_model(0).fit(X, y)
            entry |= {**affine_class_model(linear, scheme), "spectra": len(y)}
        rows[row] = {**entry, "choice": choice, "fold_accuracy_pct": scores}
    rows = dict(sorted(rows.items(), key=lambda item: item[1]["classes"] == 4))  # 11-class spans first (the widest)
    experts = {"date": datetime.date.today().isoformat(), "rows": rows,
               "training_data": f"the coverage-net-taxonomy recipe's training spectra ({len(train_all)})",
               "chosen_by": f"tablecoverage-levers.json, {table['protocol']}"}
    path = pathlib.Path(path or MODEL_PATH)
    path.write_text(json.dumps(experts, separators=(",", ":")) + "\n")
    return experts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default="outputs", help="folder of the coverage table's saved folds")
    parser.add_argument("--write", action="store_true", help=f"fit the experts and write {MODEL_PATH.name}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.write:
        for row, entry in write_experts(args.output)["rows"].items():
            print(f"{row}: {'CoverageNet x linear' if entry['use'] else 'CoverageNet alone'}, temperature "
                  f"{entry['temperature']} ({entry['fold_accuracy_pct']})")
        print(MODEL_PATH)
        return 0
    print(format_coverage_levers(run_coverage_levers(output=args.output)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
