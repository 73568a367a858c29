"""The paper's albedo tables as commands: Table 9 (MAE, MAPE), Table 10 (by type S, C, X), Table 13 (named
asteroids), all from one out-of-fold run on the AAED; and ``albedo-visible``, the same run on AAED-visible
(SMASS II visible spectra, S / C / X / Other).

Protocol: the AAED asteroids with an 11-class label, on the 0.01 um grid (201 bands), or the AAED-visible ones
on SMASS II's 49 bands; 5 stratified folds by asteroid (seed 0). Inside each fold the class information is itself
out-of-sample: a PCA + logistic-regression classifier gives the training asteroids cross-validated class
probabilities and the test asteroids probabilities from a model fitted on the training fold. Every method sees
the same folds and the same class probabilities. The reference every method must beat is the class prior
weighted by those probabilities, ``10 ** (P @ class means of log10 albedo)``: AAE-Net's own starting point.

On AAED-visible the methods read the probabilities of the 24 Bus classes (the recipe's ``class_scheme``, chosen
on validation data: :func:`class_information_on_validation`), while the folds, the class prior row and the
class-mean rule stay S / C / X / Other; the Bus-class prior is a row of its own. Tables 9 and ``albedo-visible``
also print how far the catalogue is from itself (:func:`~astrokeras.datasets.albedos.catalogue_scatter`).

Example
-------
>>> from astrokeras.reproduce.albedo_tables import mape
>>> round(mape([0.1, 0.2], [0.11, 0.18]), 1)
10.0
"""

from __future__ import annotations

import dataclasses
import json
import logging
import pathlib
import time

import numpy as np
from sklearn.model_selection import train_test_split

from astrokeras.datasets.albedos import catalogue_rows, catalogue_scatter
from astrokeras.evaluation import mean_std, within_one_sigma
from astrokeras.models.albedo_baselines import REGRESSORS
from astrokeras.recipes import aae_net_albedo, aae_net_albedo_visible
from astrokeras.reproduce.saved_folds import chosen_folds, folds_note, table_store
from astrokeras.training.albedo import class_prior, class_probabilities
from astrokeras.training.recipes import SEED

log = logging.getLogger(__name__)
TABLE13_ASTEROIDS = {"1": "Ceres", "101955": "Bennu", "25143": "Itokawa", "433": "Eros"}
# Geometric albedos measured with a known shape and size (spacecraft or a shape-model thermal fit), to read the
# catalogue values against. The catalogue (Mahlke+2022 median, then SpitzerNEOs) stays the training target: 12 of
# its 805 asteroids with several rows hold two rows exactly a factor 2 apart (Itokawa 0.570 / 0.285, Eros 0.270 /
# 0.135, Ceres 0.034 / 0.017), and the file does not say which is right, so no row is edited by hand.
REFERENCE_ALBEDOS = {
    "1": {"albedo": 0.090, "source": "Li et al. 2006, Icarus 182, 143 (HST): 0.090 +- 0.003"},
    "101955": {"albedo": 0.044, "source": "Lauretta et al. 2019, Nature 568, 55 (OSIRIS-REx): 0.044 +- 0.002"},
    "25143": {"albedo": 0.29, "source": "Mueller et al. 2014, PASJ 66, 52 (thermophysical model on the Hayabusa "
                                        "shape): 0.29 +- 0.02"},
}
PAPER = {"9": {"AAE-Net": {"mae": 0.0441}}, "10": {"AAE-Net": {"S": 0.0410}}}
TYPES = ("S", "C", "X")
PRIOR = "Class prior (P-weighted, log10)"
TABLES = ("9", "10", "13", "albedo-visible")


def mape(true, predicted) -> float:
    """Mean absolute percentage error, in percent."""
    true, predicted = np.asarray(true, float), np.asarray(predicted, float)
    return float(100.0 * np.mean(np.abs(predicted - true) / true))


@dataclasses.dataclass
class AAENetMethod:
    """AAE-Net (the preset's recipe) trained on one fold; ``target`` ``log10`` (Gaussian NLL, with a 1-sigma) or
    ``linear`` (L1)."""

    name: str
    target: str
    quick: bool
    recipe: object = aae_net_albedo.RECIPE

    def fit_predict(self, X, a, P, X_test, P_test, c_train, seed):
        model, prior = self.recipe.fit(X, a, P, c_train, quick=self.quick, target=self.target, seed=seed)
        return self.recipe.predict(model, prior, X_test, P_test, self.target)


def run_albedo(*, quick: bool = False, recipe=aae_net_albedo.RECIPE, linear: bool = True, regressors=None,
               output=None, only_folds: tuple[int, ...] | None = None) -> dict:
    """Out-of-fold albedo predictions of every method; returns ``{method: predictions}`` and the data.
    ``linear``: also train AAE-Net with the paper's linear target and L1 loss (not with ``quick``).
    ``regressors``: ``{name: factory(bands, seed)}`` fitted on the spectrum and the class probabilities, predicting
    log10 albedo (default: every Table 9 regressor; with ``quick``, the random forest only).
    ``output``: save each fold's predictions under ``<output>/folds/albedo-<recipe>/`` as it finishes and reuse
    them on a later run with the same settings, data and code; ``only_folds`` (numbered from 1): those folds only."""
    start = time.perf_counter()
    X, albedo, classes, designations = recipe.data()
    all_folds = recipe.folds(classes)
    used = chosen_folds(len(all_folds), only_folds)
    folds = [all_folds[k] for k in used]
    num_classes = len(recipe.scheme.classes)
    labels, num_labels = recipe.input_classes(classes, designations), len(recipe.input_scheme.classes)
    finer = recipe.class_labels is not None  # the methods read a finer scheme's probabilities than the folds' one
    log.info(f"Albedo ({recipe.name}): {len(albedo)} asteroids x {X.shape[1]} bands, "
             f"{folds_note(used, len(all_folds))} by asteroid"
             + (f"; class information: {recipe.input_scheme.name} probabilities" if finer else ""))
    methods = [AAENetMethod("AAE-Net (log10, NLL)", "log10", quick, recipe)]
    if linear and not quick:
        methods.append(AAENetMethod("AAE-Net (linear, L1)", "linear", quick, recipe))
    if regressors is None:
        regressors = {"Random forest": REGRESSORS["Random forest"]} if quick else REGRESSORS
    priors = [PRIOR, "Class-mean rule"] + ([fine_prior_name(recipe)] if finer else [])
    names = priors + [m.name for m in methods] + list(regressors)
    store = None if output is None else table_store(
        output, f"albedo-{recipe.name}", settings={"recipe": recipe.name, "methods": names}, module=__name__,
        quick=quick)
    predictions = {name: np.full(len(albedo), np.nan) for name in names}
    sigma = np.full(len(albedo), np.nan)
    seconds = {name: [] for name in predictions}
    accuracy, fine_accuracy = [], []
    for fold in folds:
        tr, te = fold.train, fold.test

        def work():
            out, took = {}, {}
            P_train, P_test = class_probabilities(X[tr], classes[tr], X[te], SEED + fold.index, num_classes)
            info = {"class_accuracy": float(np.mean(P_test.argmax(1) == classes[te]))}
            out[PRIOR] = 10.0 ** (P_test @ class_prior(np.log10(albedo[tr]), classes[tr], num_classes))
            out["Class-mean rule"] = class_prior(albedo[tr], classes[tr], num_classes)[P_test.argmax(1)]
            if finer:  # every method below reads the finer scheme's out-of-sample probabilities instead
                P_train, P_test = class_probabilities(X[tr], labels[tr], X[te], SEED + fold.index, num_labels)
                info["fine_class_accuracy"] = float(np.mean(P_test.argmax(1) == labels[te]))
                out[fine_prior_name(recipe)] = 10.0 ** (P_test @ class_prior(np.log10(albedo[tr]), labels[tr],
                                                                             num_labels))
            fold_sigma = np.full(len(te), np.nan)
            for method in methods:
                t = time.perf_counter()
                out[method.name], s = method.fit_predict(X[tr], albedo[tr], P_train, X[te], P_test, labels[tr],
                                                         SEED + fold.index)
                if s is not None:
                    fold_sigma = s
                took[method.name] = time.perf_counter() - t
            features_train, features_test = np.hstack([X[tr], P_train]), np.hstack([X[te], P_test])
            for name, factory in regressors.items():
                t = time.perf_counter()
                model = factory(X.shape[1], SEED + fold.index).fit(features_train, np.log10(albedo[tr]))
                out[name] = 10.0 ** model.predict(features_test)
                took[name] = time.perf_counter() - t
            return {"predictions": out, "sigma": fold_sigma}, {**info, "seconds": took}

        arrays, info = store.compute(f"fold{fold.index + 1}", work) if store is not None else work()
        for name in names:
            predictions[name][te] = arrays["predictions"][name]
            if name in info["seconds"]:
                seconds[name].append(info["seconds"][name])
        sigma[te] = arrays["sigma"]
        accuracy.append(info["class_accuracy"])
        if finer:
            fine_accuracy.append(info["fine_class_accuracy"])
        aae = predictions[methods[0].name][te]
        log.info(f"  fold {fold.index + 1}/{len(all_folds)}: AAE-Net MAE {np.mean(np.abs(aae - albedo[te])):.4f}, "
                 f"P-weighted class prior {np.mean(np.abs(predictions[PRIOR][te] - albedo[te])):.4f}")
    return {"albedo": albedo, "classes": classes, "designations": designations, "folds": folds,
            "folds_note": folds_note(used, len(all_folds)), "fold_numbers": [k + 1 for k in used],
            "of_folds": len(all_folds),
            "predictions": predictions, "sigma": sigma, "seconds": seconds, "recipe": recipe,
            "class_accuracy": mean_std(accuracy), "fine_class_accuracy": mean_std(fine_accuracy) if finer else None,
            "class_information": class_information_on_validation(recipe, (X, albedo, classes, labels)) if finer
            else None,
            "catalogue_scatter": catalogue_scatter(designations),
            "elapsed": time.perf_counter() - start, "quick": quick}


def class_information_on_validation(recipe, data=None) -> dict:
    """The choice of the class information (``recipe.scheme`` or the finer ``recipe.class_scheme``), made on
    validation data: in each fold's training part, 20% carved (stratified, seed 1), class probabilities from a model
    fitted on the other 80%, and the class prior of each scheme scored on the 20% (MAE, MAPE); mean over the folds.
    No test row is read. ``data``: ``(X, albedo, classes, labels)`` already read (default: ``recipe.data()``)."""
    if data is None:
        X, albedo, classes, designations = recipe.data()
        data = X, albedo, classes, recipe.input_classes(classes, designations)
    X, albedo, classes, labels = data
    scores = {recipe.scheme.name: [], recipe.input_scheme.name: []}
    for fold in recipe.folds(classes):
        fit, val = train_test_split(fold.train, test_size=0.2, stratify=classes[fold.train], random_state=1)
        for scheme, y in ((recipe.scheme, classes), (recipe.input_scheme, labels)):
            n = len(scheme.classes)
            _, P = class_probabilities(X[fit], y[fit], X[val], SEED + fold.index, n)
            predicted = 10.0 ** (P @ class_prior(np.log10(albedo[fit]), y[fit], n))
            scores[scheme.name].append((np.mean(np.abs(predicted - albedo[val])), mape(albedo[val], predicted)))
    out = {name: {"validation_mae": round(float(np.mean([s[0] for s in v])), 4),
                  "validation_mape": round(float(np.mean([s[1] for s in v])), 2)} for name, v in scores.items()}
    return {"candidates": out, "chosen": recipe.input_scheme.name,
            "best_on_validation": min(out, key=lambda k: out[k]["validation_mae"])}


def fine_prior_name(recipe) -> str:
    """The table row of the class prior weighted by a finer scheme's probabilities (``recipe.class_scheme``)."""
    return f"Class prior (P-weighted, {recipe.input_scheme.name} classes)"


def _per_fold(run, method, rows_of=lambda fold: fold.test):
    albedo, predicted = run["albedo"], run["predictions"][method]
    mae, pct = [], []
    for fold in run["folds"]:
        rows = rows_of(fold)
        if len(rows):
            mae.append(np.mean(np.abs(predicted[rows] - albedo[rows])))
            pct.append(mape(albedo[rows], predicted[rows]))
    return mae, pct


def _type_scores(run, method, code) -> dict:
    """MAE (mean +- std over folds), MAPE and the 1-sigma coverage of one method on the asteroids of one class."""
    mae, pct = _per_fold(run, method, lambda f: f.test[run["classes"][f.test] == code])
    (m, s), (p, _) = mean_std(mae), mean_std(pct)
    return {"mae": round(m, 4), "mae_std": round(s, 4), "mape": round(p, 2),
            **_coverage(run, method, run["classes"] == code)}


def _coverage(run, method, rows=None) -> dict:
    """``{"within_1sigma": share}`` for the method that predicts a sigma (AAE-Net, log10), else nothing."""
    if not method.startswith("AAE-Net (log10") or np.all(np.isnan(run["sigma"])):
        return {}
    rows = np.ones(len(run["albedo"]), bool) if rows is None else rows
    return {"within_1sigma": round(within_one_sigma(np.log10(run["predictions"][method][rows]), run["sigma"][rows],
                                                    np.log10(run["albedo"][rows])), 3)}


def _protocol(run) -> str:
    recipe, (acc, acc_std) = run["recipe"], run["class_accuracy"]
    return (f"{recipe.training_data}, {len(run['albedo'])} asteroids with a {len(recipe.scheme.classes)}-class "
            f"label, {len(recipe.grid)} bands; 5 stratified folds by asteroid (seed 0; {run['folds_note']} scored); class probabilities out of "
            f"sample (PCA + logistic regression, {100 * acc:.1f} +- {100 * acc_std:.1f}% accurate on the test "
            "folds) for every method" + _finer(run) + (" (quick)" if run["quick"] else ""))


def _finer(run) -> str:
    if not run.get("fine_class_accuracy"):
        return ""
    recipe, (acc, acc_std) = run["recipe"], run["fine_class_accuracy"]
    return (f"; AAE-Net and the regressors read the {len(recipe.input_scheme.classes)} {recipe.input_scheme.name} "
            f"classes' probabilities instead (the same model, {100 * acc:.1f} +- {100 * acc_std:.1f}% accurate), "
            f"the class prior and class-mean rule rows stay {len(recipe.scheme.classes)}-class")


def _overall_row(run, method) -> dict:
    mae, pct = _per_fold(run, method)
    (m, s), (p, ps) = mean_std(mae), mean_std(pct)
    return {"method": method, "source": "measured", "mae": round(m, 4), "mae_std": round(s, 4),
            "mape": round(p, 2), "mape_std": round(ps, 2), **_coverage(run, method),
            "seconds_per_fold": round(float(np.mean(run["seconds"][method])), 1) if run["seconds"][method] else 0.0}


def table(run: dict, number: str) -> dict:
    """The JSON of Table 9, 10, 13 or ``albedo-visible`` from one :func:`run_albedo`."""
    scheme = list(run["recipe"].scheme.classes)
    rows = []
    if number == "9":
        rows = [_overall_row(run, method) for method in run["predictions"]]
        rows += [{"method": k, "source": "paper", **v} for k, v in PAPER["9"].items()]
    elif number == "10":
        for method in run["predictions"]:
            row = {"method": method, "source": "measured"}
            for kind in TYPES:
                scores = _type_scores(run, method, scheme.index(kind))
                row.update({kind: scores["mae"], f"{kind}_std": scores["mae_std"], f"{kind}_mape": scores["mape"]})
                if "within_1sigma" in scores:
                    row[f"{kind}_within_1sigma"] = scores["within_1sigma"]
            rows.append(row)
        rows += [{"method": k, "source": "paper", **v} for k, v in PAPER["10"].items()]
    elif number == "albedo-visible":
        for method in run["predictions"]:
            row = _overall_row(run, method)
            row["by_class"] = {kind: {"n": int(np.sum(run["classes"] == code)), **_type_scores(run, method, code)}
                               for code, kind in enumerate(scheme)}
            rows.append(row)
        prior = next(r for r in rows if r["method"] == PRIOR)
        for row in rows:
            row["mae_vs_prior_pct"] = round(100 * (row["mae"] / prior["mae"] - 1), 1)
            row["mape_vs_prior_pct"] = round(100 * (row["mape"] / prior["mape"] - 1), 1)
    else:
        method = next(iter(m for m in run["predictions"] if m.startswith("AAE-Net")))
        catalogue = catalogue_rows(TABLE13_ASTEROIDS)  # the files read once for the four asteroids
        for number_, name in TABLE13_ASTEROIDS.items():
            hits = np.flatnonzero((run["designations"] == number_) & np.isfinite(run["predictions"][method]))
            if not hits.size:  # not in the data, or in a fold this run did not score
                continue
            i = hits[0]
            rows.append({"asteroid": name, "number": number_, "catalogue": round(float(run["albedo"][i]), 4),
                         "predicted": round(float(run["predictions"][method][i]), 4),
                         "sigma_dex": None if np.isnan(run["sigma"][i]) else round(float(run["sigma"][i]), 3),
                         "class_mean_rule": round(float(run["predictions"]["Class-mean rule"][i]), 4),
                         "class_prior": round(float(run["predictions"][PRIOR][i]), 4),
                         "catalogue_rows": catalogue[number_],
                         "reference": REFERENCE_ALBEDOS.get(number_)})
    result = {"table": number, "protocol": _protocol(run), "folds": run["fold_numbers"], "of_folds": run["of_folds"],
              "seconds": round(run["elapsed"], 1), "rows": rows}
    if run.get("class_information") and number in ("9", "albedo-visible"):
        result["class_information"] = run["class_information"]
    if number in ("9", "albedo-visible"):
        result["catalogue_scatter"] = run["catalogue_scatter"]
    return result


def format_albedo_table(result: dict) -> str:
    """The text table of Table 9, 10, 13 or ``albedo-visible``."""
    lines = [f"Table {result['table']}: {result['protocol']}"]
    if result["table"] in ("9", "albedo-visible"):
        classes = list(result["rows"][0].get("by_class", {}))
        lines.append(f"{'method':<38} {'source':<9} {'MAE':>16} {'MAPE (%)':>14} {'in 1-sigma':>10}"
                     + "".join(f" {'MAE ' + k:>10}" for k in classes)
                     + (f" {'MAE vs prior':>12} {'MAPE vs prior':>13}" if classes else ""))
        for r in result["rows"]:
            mae = f"{r['mae']:.4f}" + (f" +- {r['mae_std']:.4f}" if "mae_std" in r else "")
            pct = f"{r['mape']:.1f} +- {r['mape_std']:.1f}" if "mape" in r else "-"
            inside = f"{100 * r['within_1sigma']:.0f}%" if "within_1sigma" in r else "-"
            line = f"{r['method']:<38} {r['source']:<9} {mae:>16} {pct:>14} {inside:>10}"
            line += "".join(f" {r['by_class'][k]['mae']:>10.4f}" for k in classes)
            if classes:
                line += f" {r['mae_vs_prior_pct']:>+11.1f}% {r['mape_vs_prior_pct']:>+12.1f}%"
            lines.append(line)
    elif result["table"] == "10":
        lines.append(f"{'method':<32} {'source':<9} " + " ".join(f"{'MAE ' + k:>16}" for k in TYPES))
        for r in result["rows"]:
            cells = [(f"{r[k]:.4f}" + (f" +- {r[k + '_std']:.4f}" if k + "_std" in r else "")) if k in r else "-"
                     for k in TYPES]
            lines.append(f"{r['method']:<32} {r['source']:<9} " + " ".join(f"{c:>16}" for c in cells))
    else:
        lines.append(f"{'asteroid':<9} {'catalogue':>9} {'AAE-Net':>8} {'1-sigma':>16} {'class prior':>11} "
                     f"{'class-mean':>10} {'reference':>9}  catalogue rows (Mahlke+2022; SpitzerNEOs)")
        for r in result["rows"]:
            s = r["sigma_dex"]
            if s is None:
                band = "-"
            elif s > 1.0:  # more than a factor of ten either way: say so rather than print a meaningless range
                band = f"sigma {s:.1f} dex"
            else:
                band = f"{r['predicted'] / 10 ** s:.3f}-{r['predicted'] * 10 ** s:.3f}"
            reference = r.get("reference") or {}
            rows = r.get("catalogue_rows") or {}
            lines.append(f"{r['asteroid']:<9} {r['catalogue']:>9.3f} {r['predicted']:>8.3f} {band:>16} "
                         f"{r['class_prior']:>11.3f} {r['class_mean_rule']:>10.3f} "
                         f"{reference.get('albedo', float('nan')):>9.3f}  {rows.get('mahlke2022', [])}; "
                         f"{rows.get('spitzerneos', [])}")
        lines += [f"  reference {r['asteroid']}: {r['reference']['source']}" for r in result["rows"] if r.get("reference")]
        lines.append("  The catalogue (median of the rows) is the training target; it is not edited by hand (see "
                     "REFERENCE_ALBEDOS in astrokeras/reproduce/albedo_tables.py)")
    scatter = result.get("catalogue_scatter") or {}
    if scatter.get("asteroids"):
        lines.append(f"the catalogue against itself: two Mahlke+2022 rows of one asteroid differ by MAE "
                     f"{scatter['mae']:.4f}, MAPE {scatter['mape']:.1f}% ({scatter['asteroids']} of these asteroids "
                     f"have two or more rows; one row scatters by {scatter['row_sigma_dex']:.3f} dex)")
    if "class_information" in result:
        choice = result["class_information"]
        lines.append("class information, chosen on validation (20% of each training part): " + ", ".join(
            f"{name} prior MAE {v['validation_mae']:.4f} / MAPE {v['validation_mape']:.1f}%"
            for name, v in choice["candidates"].items()) + f"; best {choice['best_on_validation']}, used "
            f"{choice['chosen']}")
    lines.append(f"({result['seconds']:.0f} s for the shared out-of-fold run)")
    return "\n".join(lines)


def run_tables(numbers, *, quick=False, output="outputs", recipe=aae_net_albedo.RECIPE,
               visible_recipe=aae_net_albedo_visible.RECIPE, only_folds=None) -> list:
    """Run the shared albedo pass once (and the AAED-visible pass for ``albedo-visible``) and return the requested
    tables, also written as JSON to ``output`` (``table9.json``, ..., ``tablealbedo-visible.json``)."""
    unknown = sorted(set(numbers) - set(TABLES))
    if unknown:
        raise ValueError(f"unknown albedo table(s) {unknown}; known: {list(TABLES)}")
    runs = {}
    if set(numbers) & {"9", "10", "13"}:
        runs["aaed"] = run_albedo(quick=quick, recipe=recipe, output=output, only_folds=only_folds)
    if "albedo-visible" in numbers:
        runs["visible"] = run_albedo(quick=quick, recipe=visible_recipe, linear=False, output=output,
                                     only_folds=only_folds)
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    results = []
    for number in numbers:
        result = table(runs["visible" if number == "albedo-visible" else "aaed"], number)
        (output / f"table{number}.json").write_text(json.dumps(result, indent=1))
        results.append(result)
    return results
