"""The paper's classification tables as commands: Table 5 (4-class, SMASS II), Table 7 (11-class, VIS-NIR),
Table 11 (top-2 classes of named asteroids, out of fold).

ASC-Net's rows train the shipped presets' own recipes (``training/asc_net_visible_4class.py``,
``training/asc_net_visnir_11class.py``) on each fold: the table and the preset come from one definition.

Example
-------
>>> from astrokeras.reproduce.taxonomy_tables import TASKS
>>> TASKS["5"].recipe.name, TASKS["7"].scheme.name
('asc-net-visible-4class', '11-class')
"""

from __future__ import annotations

import dataclasses
import json
import logging
import pathlib
import time

import numpy as np

from astrokeras.evaluation.figures import confusion_png
from astrokeras.evaluation.folds import Fold
from astrokeras.models.baselines import KERAS_BASELINES, SKLEARN_BASELINES
from astrokeras.recipes import asc_net_visible_4class, asc_net_visnir_11class
from astrokeras.reproduce.paper import PAPER
from astrokeras.reproduce.saved_folds import chosen_folds, folds_note, table_store
from astrokeras.schemes.taxonomy import TaxonomyScheme
from astrokeras.spectra.augmentation import augment_pca_noise
from astrokeras.training import TrainConfig
from astrokeras.training.cross_validation import KerasMethod, SklearnMethod, evaluate
from astrokeras.training.recipes import SEED, ClassifierRecipe

log = logging.getLogger(__name__)
TABLE11_ASTEROIDS = {"1": "Ceres", "101955": "Bennu", "25143": "Itokawa", "433": "Eros", "22": "Kalliope",
                     "64": "Angelina"}


@dataclasses.dataclass(frozen=True)
class Task:
    """A classification table: its recipe (data, folds, ASC-Net settings) and how the table describes it."""

    table: str
    recipe: ClassifierRecipe
    protocol: str

    @property
    def scheme(self) -> TaxonomyScheme:
        return self.recipe.scheme

    def load(self):
        """``(X, y, designations)`` of the recipe's data."""
        return self.recipe.data()


TASKS = {
    "5": Task("5", asc_net_visible_4class.RECIPE, "SMASS II (Bus classes from PDS taxonomy10), 4 classes S/C/X/Other, "
              "1334 spectra, 49 bands 0.44-0.92 um; 5 stratified folds (seed 0), every method on the same folds"),
    "7": Task("7", asc_net_visnir_11class.RECIPE, "korda2023 VIS-NIR (DeMeo 2009 + Binzel 2019), 11 classes (paper "
              "Table 6), 586 spectra, 201 bands 0.45-2.45 um step 0.01; 5 stratified folds (seed 0), every method "
              "on the same folds"),
}


def methods_for(task: Task, quick: bool, ensemble: int = 1) -> list:
    """ASC-Net (the task's recipe), an optional ensemble row, and the baselines (fewer when ``quick``)."""
    methods = [task.recipe.method(quick)]
    if ensemble > 1:
        methods.append(task.recipe.method(quick, ensemble=ensemble, name=f"ASC-Net ensemble x{ensemble}"))
    methods += [SklearnMethod(name, factory) for name, factory in SKLEARN_BASELINES.items()
                if not quick or name == "PCA+SVM"]
    if not quick:
        config = TrainConfig(epochs=300, learning_rate=1e-3, patience=30, min_epochs=30, verbose=0)
        methods += [KerasMethod(name, build, config) for name, build in KERAS_BASELINES.items()]
    return methods


def paper_protocol(task: Task, X, y, *, quick: bool, repeats: int = 5, per_class_test: int = 60,
                   per_class_train: int = 2000, store=None, only: list[int] | None = None):
    """The paper's own protocol, honestly: ``per_class_test`` spectra per class held out first, the rest
    PCA-augmented to ``per_class_train`` per class (inside the training part), repeated with ``repeats`` seeds.

    The augmented training set is about 6x larger than a plain fold, so ASC-Net trains for the paper's own
    120 epochs (patience 20) rather than 300: each epoch already holds 6x more steps. ``store``: where each
    repeat's predictions are saved; ``only``: the 0-based repeats to run (default: all)."""
    classes = len(task.scheme.classes)
    folds = []
    rng = np.random.default_rng(SEED)
    for repeat in range(repeats):
        test = np.concatenate([rng.choice(np.flatnonzero(y == c), per_class_test, replace=False)
                               for c in range(classes)])
        folds.append(Fold(repeat, np.setdiff1d(np.arange(y.size), test), np.sort(test)))
    augment = lambda Xa, ya: augment_pca_noise(Xa, ya, per_class_train, seed=SEED)  # noqa: E731
    method = task.recipe.method(quick, name="ASC-Net (paper protocol)", augment=augment,
                                epochs=None if quick else 120, patience=None if quick else 20)
    chosen = folds if only is None else [folds[k] for k in only]
    return evaluate(X, y, classes, chosen, [method], store=store)[method.name]


def run_table(table: str, *, quick: bool = False, ensemble: int = 1, output: str | pathlib.Path = "outputs",
              methods: list | None = None, only_folds: tuple[int, ...] | None = None) -> dict:
    """Run Table 5 or 7: every method on the same folds; returns the JSON-ready result and writes the figure.

    ``ensemble`` > 1 adds a row for an ensemble of that many ASC-Nets (averaged probabilities). ASC-Net's
    out-of-fold probabilities are kept in ``table<N>_oof.npz`` (Table 11 reads them from Table 7's).
    ``methods`` (names) re-runs only those methods, on the same folds, and replaces their rows in the
    ``table<N>.json`` already in ``output`` (e.g. after fixing one baseline). Each method's predictions on each
    fold are saved under ``<output>/folds/table<N>/`` and reused by a later run with the same settings, data and
    code; ``only_folds`` (numbered from 1) runs and prints those folds only.
    """
    task = TASKS[table]
    start = time.perf_counter()
    X, y, designations = task.load()
    classes = len(task.scheme.classes)
    all_folds = task.recipe.folds(y)
    used = chosen_folds(len(all_folds), only_folds)
    folds = [all_folds[k] for k in used]
    store = fold_store(table, output, quick)
    log.info(f"Table {table}: {len(y)} spectra x {X.shape[1]} bands, {classes} classes, "
             f"{folds_note(used, len(all_folds))}; saved folds: {store.folder}")
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    if methods:
        if only_folds:
            raise ValueError("--methods re-runs methods on every fold of a whole table: give it without --folds")
        return _rerun_methods(task, X, y, folds, quick, ensemble, methods, output, start)
    results = evaluate(X, y, classes, folds, methods_for(task, quick, ensemble), seed=SEED, store=store)
    oof = results["ASC-Net"].predictions
    if len(folds) == len(all_folds):  # Table 11 reads every asteroid's out-of-fold probabilities
        np.savez(output / f"table{table}_oof.npz", designations=designations.astype(str), y=y, quick=quick,
                 probabilities=np.stack([np.asarray(oof[i], dtype="float32") for i in range(len(y))]))
    rows = [scores.row(name) for name, scores in results.items()]
    if table == "5" and not quick:
        rows.append(paper_protocol(task, X, y, quick=quick, store=store, only=used).row("ASC-Net (paper protocol)"))
        rows[-1]["protocol"] = "60 test spectra per class held out, the rest PCA-augmented to 2000 per class; 5 repeats"
    for method, figures in PAPER.get(table, {}).items():
        rows.append({"method": method, "source": "paper", **figures, "acc_std": None, "ap_std": None})
    figure = confusion_png(results["ASC-Net"].confusion, list(task.scheme.classes),
                           f"Table {table}: ASC-Net, out-of-fold predictions ({len(y)} spectra)",
                           output / f"table{table}_confusion.png")
    protocol = task.protocol + ("" if len(folds) == len(all_folds) else
                                f"; scored on {folds_note(used, len(all_folds))}")
    result = {"table": table, "protocol": protocol + (" (quick: fewer epochs, fewer methods)" if quick else ""),
              "folds": [k + 1 for k in used], "of_folds": len(all_folds),
              "seconds": round(time.perf_counter() - start, 1), "rows": rows, "figure": str(figure)}
    (output / f"table{table}.json").write_text(json.dumps(result, indent=1))
    return result


def _rerun_methods(task, X, y, folds, quick, ensemble, names, output, start) -> dict:
    path = output / f"table{task.table}.json"
    if not path.exists():
        raise ValueError(f"--methods updates an earlier run, but {path} does not exist: run the whole table first")
    result = json.loads(path.read_text())
    available = methods_for(task, quick, ensemble)
    chosen = [m for m in available if m.name in names]
    if len(chosen) != len(names):
        known = [m.name for m in available]
        raise ValueError(f"unknown method(s) {sorted(set(names) - {m.name for m in chosen})}; known: {known}")
    store = fold_store(task.table, output, quick, reuse=False)  # these methods train again, and are saved again
    fresh = {name: scores.row(name) for name, scores in
             evaluate(X, y, len(task.scheme.classes), folds, chosen, seed=SEED, store=store).items()}
    result["rows"] = [fresh.get(r["method"], r) if r["source"] == "measured" else r for r in result["rows"]]
    result["rows"] += [row for name, row in fresh.items() if name not in {r["method"] for r in result["rows"]}]
    result["seconds_rerun"] = round(time.perf_counter() - start, 1)
    path.write_text(json.dumps(result, indent=1))
    return result


def fold_store(table: str, output, quick: bool, reuse: bool = True):
    """Where Table 5's or 7's per-fold predictions are saved (one unit per method and fold)."""
    return table_store(output, f"table{table}", settings={"table": table, "seed": SEED}, module=__name__, quick=quick,
                       reuse=reuse)


def run_table11(*, quick: bool = False, output: str | pathlib.Path = "outputs") -> dict:
    """Top-2 class probabilities of Ceres, Bennu, Itokawa, Eros, Kalliope and Angelina (11-class ASC-Net), each
    from the Table 7 fold whose training part excludes that asteroid."""
    start = time.perf_counter()
    task = TASKS["7"]
    X, y, designations = task.load()
    output = pathlib.Path(output)
    wanted = {int(np.flatnonzero(designations == number)[0]): name for number, name in TABLE11_ASTEROIDS.items()}
    needed = [f for f in task.recipe.folds(y) if set(wanted) & set(f.test.tolist())]
    log.info(f"Table 11: ASC-Net of the {len(needed)} Table 7 folds that hold the named asteroids (Table 7's saved "
             "folds when they are current, else trained and saved)")
    probabilities = evaluate(X, y, len(task.scheme.classes), needed, [task.recipe.method(quick)],
                             seed=SEED, store=fold_store("7", output, quick))["ASC-Net"].predictions
    rows = []
    for index, name in wanted.items():
        p = np.asarray(probabilities[index])
        top = np.argsort(p)[::-1][:2]
        rows.append({"asteroid": name, "number": designations[index], "true": task.scheme.classes[y[index]],
                     "top1": task.scheme.classes[top[0]], "p1": round(float(p[top[0]]), 4),
                     "top2": task.scheme.classes[top[1]], "p2": round(float(p[top[1]]), 4)})
    result = {"table": "11", "protocol": "out-of-fold 11-class ASC-Net probabilities (Table 7 folds)",
              "seconds": round(time.perf_counter() - start, 1), "rows": rows}
    output.mkdir(parents=True, exist_ok=True)
    (output / "table11.json").write_text(json.dumps(result, indent=1))
    return result


def format_table(result: dict) -> str:
    """Paper / baselines / ours side by side, in percent."""
    lines = [f"Table {result['table']}: {result['protocol']}"]
    if result["table"] == "11":
        lines.append(f"{'asteroid':<10} {'number':>7} {'true':>5}  top-1        top-2")
        for r in result["rows"]:
            lines.append(f"{r['asteroid']:<10} {r['number']:>7} {r['true']:>5}  {r['top1']:<3} {100 * r['p1']:5.1f}%"
                         f"   {r['top2']:<3} {100 * r['p2']:5.1f}%")
    else:
        lines.append(f"{'method':<28} {'source':<9} {'accuracy (%)':>15} {'AP (%)':>15} {'s/fold':>7}")
        pct = lambda v, s: "-" if v is None else (f"{100 * v:.1f}" + ("" if s is None else f" +- {100 * s:.1f}"))  # noqa: E731
        for r in result["rows"]:
            lines.append(f"{r['method']:<28} {r['source']:<9} {pct(r['acc'], r['acc_std']):>15} "
                         f"{pct(r['ap'], r['ap_std']):>15} {r.get('seconds_per_fold', ''):>7}")
    lines.append(f"({result['seconds']:.0f} s)")
    return "\n".join(lines)
