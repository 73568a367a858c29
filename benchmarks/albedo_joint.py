"""One albedo network for visible and VIS-NIR spectra, trained on both data sets at once (issue #13's joint lever):
:class:`~astrokeras.models.CoverageAlbedoNet` on CoverageNet's masked input, trained on AAED (528 VIS-NIR
asteroids) plus AAED-visible (1291 SMASS II asteroids), scored on each data set's own test folds against the
probability-weighted class prior of the albedo tables.

Protocol, fold by fold (k = 1..5): the test asteroids are the union of AAED's fold k and AAED-visible's fold k
(the albedo tables' folds, so the prior, the forest and AAE-Net of ``albedo_levers.py`` are scored on the very same
asteroids). The network trains on the two training parts less every test asteroid: an asteroid in one table's test
fold never reaches training through the other data set (291 asteroids are in both). Class probabilities and class
priors are each data set's own, out of sample, exactly as the tables compute them (11 classes for AAED, S / C / X /
Other for AAED-visible); the network reads a 15-long class vector ``[P11, P11 grouped into 4]`` for an AAED row and
``[0 * 11, P4]`` for a visible row, and learns the deviation of log10 albedo from the row's own class prior. Every
setting is ``aae-net-albedo``'s (Adam 1e-3, batch 32, Gaussian NLL, early stopping on a 10% validation split
stratified by data set and class, patience 40, up to 400 epochs).

Run: ``ASTROKERAS_DATA_DIR=../shared/data python benchmarks/albedo_joint.py [--quick] [--output DIR]``
(about 25 minutes on 2 cores; ``--taxonomy``: multitask, the network also predicts S / C / X / Other with a
cross-entropy of weight 1, chosen before any run; ``--quick``: 2 folds of few epochs, a pipeline check, not a
measurement).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import pathlib
import time

import numpy as np

from astrokeras.evaluation import mean_std, within_one_sigma
from astrokeras.recipes import aae_net_albedo, aae_net_albedo_visible
from astrokeras.reproduce.albedo_tables import mape
from astrokeras.training.joint_albedo import AlbedoTable, fit_joint_albedo, joint_fold, predict_joint_albedo
from astrokeras.training.recipes import N_SPLITS, SEED

log = logging.getLogger("albedo_joint")
SIGMA = {"joint": "sigma", "single": "single_sigma"}  # each network row's 1-sigma (dex)
RECIPES = {"visnir": aae_net_albedo.RECIPE, "visible": aae_net_albedo_visible.RECIPE}


def bus_table():
    """AAED-visible with its Bus classes as the class information (24 classes: the recipe's ``class_scheme``), and
    the albedo-visible table's folds (stratified by S / C / X / Other)."""
    recipe = aae_net_albedo_visible.RECIPE
    X, albedo, classes, names = recipe.data()
    labels = recipe.input_classes(classes, names)
    bus = dataclasses.replace(recipe, scheme=recipe.input_scheme, data=lambda: (X, albedo, labels, names),
                              class_scheme=None, class_labels=None)
    return AlbedoTable.load(bus), recipe.folds(classes)


def run_joint(quick: bool = False, taxonomy: bool = False, beta: float = 0.0, seeds: int = 1, only=None,
              bus: bool = False) -> dict:
    """Out-of-fold predictions of the joint network on both tables, with the class prior, scored per table.
    ``taxonomy``: multitask, with a second head predicting S / C / X / Other (cross-entropy, weight 1); ``beta``:
    the beta-NLL exponent of :class:`~astrokeras.losses.GaussianNLL`; ``seeds``: an ensemble of that many networks
    per fold (seeds k + 100 m), scored beside its first member; ``only``: ``"visible"`` or ``"visnir"`` to train
    and score on that data set alone (the ablation of the joint data); ``bus``: the visible rows read the Bus
    classes' probabilities and learn from the Bus-class prior (:func:`bus_table`), scored against the 4-class
    prior as in the albedo-visible table (the ``bus_prior`` row is the Bus prior alone)."""
    start = time.perf_counter()
    tables = {key: AlbedoTable.load(recipe) for key, recipe in RECIPES.items() if only in (None, key)}
    folds = {key: t.recipe.folds(t.classes) for key, t in tables.items()}
    four = {}  # the 4-class visible table, whose class prior stays the reference when the network reads Bus classes
    if bus and "visible" in tables:
        four["visible"] = tables["visible"]
        tables["visible"], folds["visible"] = bus_table()
    predicted = {key: {"joint": np.zeros(len(t.albedo)), "prior": np.zeros(len(t.albedo)),
                       "single": np.zeros(len(t.albedo)), "sigma": np.full(len(t.albedo), np.nan),
                       "single_sigma": np.full(len(t.albedo), np.nan), "bus_prior": np.zeros(len(t.albedo))}
                 for key, t in tables.items()}
    config = aae_net_albedo.RECIPE.settings(quick)
    epochs = []
    for k in range(2 if quick else N_SPLITS):
        parts, tests = joint_fold(tables, folds, k, SEED + k)
        tested = set().union(*(tables[key].designations[rows] for key, (rows, _, _) in tests.items()))
        for t, rows, _, _ in parts:  # the protocol's one rule, checked on every fold
            if set(t.designations[rows]) & tested:
                raise AssertionError(f"fold {k + 1}: a test asteroid reached the training rows of {t.recipe.name}")
        for key, (rows, _, o_test) in tests.items():
            predicted[key]["prior"][rows] = 10.0 ** o_test
            if key in four:  # the network's own prior is the Bus one; the reference stays the 4-class prior
                predicted[key]["bus_prior"][rows] = 10.0 ** o_test
                _, (_, o_four), _ = four[key].class_inputs(folds[key][k].train, rows, SEED + k)
                predicted[key]["prior"][rows] = 10.0 ** o_four
        log.info(f"fold {k + 1}: training on {' + '.join(str(len(p[1])) for p in parts)} spectra, "
                 f"{len(tested)} test asteroids left out of every table")
        t0 = time.perf_counter()
        members = {key: [] for key in tests}
        for member in range(seeds):  # member 0 is the single network (seed k); the others differ by seed only
            model, history = fit_joint_albedo(parts, dataclasses.replace(config, seed=SEED + k + 100 * member),
                                              taxonomy=taxonomy, beta=beta)
            epochs.append(len(history.history["loss"]))
            for key, (rows, c_test, o_test) in tests.items():
                t = tables[key]
                members[key].append(predict_joint_albedo(model, t.values[rows], t.mask[rows], c_test, o_test))
        for key, (rows, _, _) in tests.items():
            t = tables[key]
            logs, sigmas = np.log10([m[0] for m in members[key]]), np.array([m[1] for m in members[key]])
            predicted[key]["single"][rows], predicted[key]["single_sigma"][rows] = 10.0 ** logs[0], sigmas[0]
            # the ensemble: mean of the members' log10 albedos; sigma from their mixture (spread of the means added)
            predicted[key]["joint"][rows] = 10.0 ** logs.mean(0)
            predicted[key]["sigma"][rows] = np.sqrt(np.mean(sigmas ** 2, 0) + logs.var(0))
            mae = lambda p: np.mean(np.abs(p[rows] - t.albedo[rows]))  # noqa: E731
            log.info(f"  {key}: joint MAE {mae(predicted[key]['joint']):.4f} (first network "
                     f"{mae(predicted[key]['single']):.4f}), prior {mae(predicted[key]['prior']):.4f}"
                     f" ({time.perf_counter() - t0:.0f} s, epochs {epochs[-seeds:]})")
    result = _scores(tables, folds, predicted, quick, epochs, time.perf_counter() - start, seeds, four)
    variant = (("multitask (taxonomy)" if taxonomy else "albedo only") + (f", beta-NLL {beta:g}" if beta else "")
               + (f", ensemble of {seeds}" if seeds > 1 else "") + (f", trained on {only} only" if only else "")
               + (", visible rows read the Bus classes" if four else ""))
    return {"variant": variant, **result}


def _scores(tables, folds_of, predicted, quick, epochs, seconds, seeds, four=None) -> dict:
    folds = range(len(epochs) // seeds)
    out = {"quick": quick, "folds": len(folds), "epochs": epochs, "seconds": round(seconds, 1), "tables": {}}
    for key, t in tables.items():
        test_of = [f.test for f in folds_of[key]]
        rows = {}
        scored = four.get(key, t) if four else t  # by class: S / C / X / Other when the network read Bus classes
        methods = ("prior",) + (("bus_prior",) if four and key in four else ()) + ("joint",)
        for method in methods + (("single",) if seeds > 1 else ()):
            p = predicted[key][method]
            mae = [np.mean(np.abs(p[test_of[k]] - t.albedo[test_of[k]])) for k in folds]
            pct = [mape(t.albedo[test_of[k]], p[test_of[k]]) for k in folds]
            tested = np.concatenate([test_of[k] for k in folds])
            by_class = {}
            for code, name in enumerate(scored.recipe.scheme.classes):
                sel = tested[scored.classes[tested] == code]
                if len(sel):
                    by_class[name] = {"n": int(len(sel)), "mae": round(float(np.mean(np.abs(p[sel] - t.albedo[sel]))), 4)}
                    if method in SIGMA:
                        by_class[name]["within_1sigma"] = round(within_one_sigma(
                            np.log10(p[sel]), predicted[key][SIGMA[method]][sel], np.log10(t.albedo[sel])), 3)
            (m, s), (q, qs) = mean_std(mae), mean_std(pct)
            rows[method] = {"mae": round(m, 4), "mae_std": round(s, 4), "mape": round(q, 1), "mape_std": round(qs, 1),
                            "by_class": by_class}
            if method in SIGMA:
                rows[method]["within_1sigma"] = round(within_one_sigma(
                    np.log10(p[tested]), predicted[key][SIGMA[method]][tested], np.log10(t.albedo[tested])), 3)
        for row in rows.values():
            row["mae_vs_prior_pct"] = round(100 * (row["mae"] / rows["prior"]["mae"] - 1), 1)
            row["mape_vs_prior_pct"] = round(100 * (row["mape"] / rows["prior"]["mape"] - 1), 1)
        out["tables"][key] = {"recipe": t.recipe.name, "asteroids": int(len(t.albedo)), "rows": rows}
    return out


def format_joint(result: dict) -> str:
    lines = [f"Joint CoverageAlbedoNet, {result['variant']}, {result['folds']} folds" + (" (quick: not a measurement)" if result["quick"]
                                                                   else "")]
    for key, table in result["tables"].items():
        lines.append(f"{table['recipe']} ({table['asteroids']} asteroids)")
        for method, r in table["rows"].items():
            lines.append(f"  {method:<9} MAE {r['mae']:.4f} +- {r['mae_std']:.4f}  MAPE {r['mape']:5.1f} +- "
                         f"{r['mape_std']:.1f}  vs prior {r['mae_vs_prior_pct']:+.1f}% / {r['mape_vs_prior_pct']:+.1f}%"
                         + (f"  within 1 sigma {100 * r['within_1sigma']:.0f}%" if "within_1sigma" in r else "")
                         + "  " + " ".join(f"{c} {v['mae']:.3f}" for c, v in r["by_class"].items()))
    lines.append(f"({result['seconds']:.0f} s; epochs {result['epochs']})")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", default="outputs")
    parser.add_argument("--taxonomy", action="store_true", help="multitask: also predict S / C / X / Other")
    parser.add_argument("--beta", type=float, default=0.0, help="beta-NLL exponent (0: the plain NLL)")
    parser.add_argument("--seeds", type=int, default=1, help="an ensemble of this many networks per fold")
    parser.add_argument("--only", choices=list(RECIPES), help="train and score on one data set alone")
    parser.add_argument("--bus", action="store_true", help="the visible rows read the 24 Bus classes' probabilities")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    output = pathlib.Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    result = run_joint(args.quick, args.taxonomy, args.beta, args.seeds, args.only, args.bus)
    print(format_joint(result), flush=True)
    name = ("albedo_joint" + ("_taxonomy" if args.taxonomy else "") + (f"_beta{args.beta:g}" if args.beta else "")
            + (f"_ensemble{args.seeds}" if args.seeds > 1 else "") + (f"_{args.only}_only" if args.only else "")
            + ("_bus" if args.bus else ""))
    (output / f"{name}.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
