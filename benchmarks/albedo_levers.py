"""What each lever gives the albedo, on the albedo tables' own folds (issue #13): band features (the 0.7 um band, the
UV drop, the visible slope, the onset of the 1 um band) added to the random forest, and a mean of AAE-Net and the
random forest in log10, against the probability-weighted class prior, for visible (AAED-visible) and VIS-NIR (AAED)
input.

Protocol: the recipes' 5 stratified folds by asteroid (seed 0); inside each fold the class probabilities are out of
sample (the tables' PCA + logistic regression), the same for every method; every setting is the recipes' (nothing
is chosen on a test fold). Scores: MAE and MAPE of linear albedo, mean +- std over folds, and per class.

The out-of-fold predictions come from :func:`astrokeras.reproduce.albedo_tables.run_albedo` (the tables' own
loop), given the forest with and without the band features as its regressors.

The visible recipe reads the 24 Bus classes' probabilities (its ``class_scheme``); ``--four-class`` runs it as it
was before, on S / C / X / Other probabilities (the 2026-11-25 measurement). ``--class-choice`` only prints the
choice of class information on validation data (20% of each training part, no test row read) for both recipes:
the visible recipe's Bus classes against S / C / X / Other, and on VIS-NIR the full Bus-DeMeo classes against the
recipe's 11 (a minute).

Run: ``ASTROKERAS_DATA_DIR=../shared/data python benchmarks/albedo_levers.py [--quick] [--four-class]
[--class-choice] [--output DIR]`` (about 35 minutes on 2 cores; ``--quick``: few epochs, a pipeline check, not a
measurement). The joint network on both data sets, with and without multitask training, is
``benchmarks/albedo_joint.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import pathlib
import time

import numpy as np
from astrokeras.recipes import aae_net_albedo, aae_net_albedo_visible
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from astrokeras.datasets.albedos import load_albedos
from astrokeras.evaluation import mean_std
from astrokeras.models.albedo_baselines import REGRESSORS
from astrokeras.reproduce.albedo_tables import PRIOR, class_information_on_validation, mape, run_albedo
from astrokeras.schemes.taxonomy import BUS_DEMEO

AAE, FOREST, FOREST_BANDS, MEAN = ("AAE-Net (log10, NLL)", "random forest", "random forest + band features",
                                   "mean of AAE-Net and random forest (log10)")
SHOWN = {PRIOR: "class prior (P-weighted)", FOREST: FOREST, FOREST_BANDS: FOREST_BANDS, AAE: "AAE-Net (log10)",
         MEAN: MEAN}


def _window(grid, X, centre, half=0.015):
    """Mean reflectance of each spectrum within ``centre +- half`` um (the nearest band when the window is empty)."""
    inside = np.abs(grid - centre) <= half + 1e-9
    if not inside.any():
        inside = np.abs(grid - centre) == np.abs(grid - centre).min()
    return X[:, inside].mean(axis=1)


def band_features(grid, X) -> np.ndarray:
    """Per spectrum (normalised at 0.55 um): the UV drop R(0.45)/R(0.55), the 0.55-0.85 um slope, the depth of the
    0.7 um band below the straight continuum from 0.55 to 0.85 um, and R(0.90)/R(0.75) (the 1 um band's onset)."""
    grid = np.asarray(grid, float)
    r45, r55, r70 = _window(grid, X, 0.45), _window(grid, X, 0.55), _window(grid, X, 0.70)
    r75, r85, r90 = _window(grid, X, 0.75), _window(grid, X, 0.85), _window(grid, X, 0.90)
    continuum_70 = r55 + (r85 - r55) * (0.70 - 0.55) / (0.85 - 0.55)
    return np.column_stack([r45 / r55, (r85 - r55) / 0.30, 1.0 - r70 / continuum_70, r90 / r75])


def with_band_features(grid, regressor=REGRESSORS["Random forest"]):
    """A regressor factory ``(bands, seed)`` that appends :func:`band_features` of the spectrum columns (the first
    ``bands``) to the inputs of ``regressor``."""
    def factory(bands, seed):
        append = FunctionTransformer(lambda A: np.hstack([A, band_features(grid, A[:, :bands])]))
        return Pipeline([("band_features", append), ("regressor", regressor(bands, seed))])
    return factory


def busdemeo_classes(designations):
    """The Bus-DeMeo class (suffixes stripped, :data:`~astrokeras.schemes.taxonomy.BUS_DEMEO` order) of AAED asteroids."""
    meta = load_albedos().meta.drop_duplicates("designation").set_index("designation")
    labels, kept = BUS_DEMEO.encode(meta.loc[list(designations), "bus_demeo"])
    if not kept.all():
        raise ValueError("an AAED asteroid without a Bus-DeMeo class")
    return labels


def class_choice() -> dict:
    """The class information each recipe could read, scored on validation data (see the module docstring)."""
    visnir = dataclasses.replace(aae_net_albedo.RECIPE, class_scheme=BUS_DEMEO, class_labels=busdemeo_classes)
    return {"visible": class_information_on_validation(aae_net_albedo_visible.RECIPE),
            "visnir": class_information_on_validation(visnir)}


def run_levers(recipe, quick: bool = False) -> dict:
    """Out-of-fold predictions of every lever on ``recipe``'s data and folds; the scores as a dict."""
    start = time.perf_counter()
    run = run_albedo(quick=quick, recipe=recipe, linear=False,
                     regressors={FOREST: REGRESSORS["Random forest"], FOREST_BANDS: with_band_features(recipe.grid)})
    albedo, classes, folds, predicted = run["albedo"], run["classes"], run["folds"], run["predictions"]
    predicted[MEAN] = 10.0 ** ((np.log10(predicted[AAE]) + np.log10(predicted[FOREST])) / 2)
    tested = np.concatenate([f.test for f in folds])
    out = {"recipe": recipe.name, "asteroids": int(len(tested)), "folds": len(folds), "quick": quick, "rows": []}
    for method, name in SHOWN.items():
        values = predicted[method]
        mae = [np.mean(np.abs(values[f.test] - albedo[f.test])) for f in folds]
        pct = [mape(albedo[f.test], values[f.test]) for f in folds]
        by_class = {c: round(float(np.mean(np.abs(values[tested][classes[tested] == k] - albedo[tested][classes[tested] == k]))), 4)
                    for k, c in enumerate(recipe.scheme.classes) if np.any(classes[tested] == k)}
        (m, s), (p, ps) = mean_std(mae), mean_std(pct)
        out["rows"].append({"method": name, "mae": round(m, 4), "mae_std": round(s, 4), "mape": round(p, 1),
                            "mape_std": round(ps, 1), "mae_by_class": by_class})
    prior = out["rows"][0]
    for row in out["rows"]:
        row["mae_vs_prior_pct"] = round(100 * (row["mae"] / prior["mae"] - 1), 1)
        row["mape_vs_prior_pct"] = round(100 * (row["mape"] / prior["mape"] - 1), 1)
    out["seconds"] = round(time.perf_counter() - start, 1)
    return out


def format_levers(result: dict) -> str:
    lines = [f"{result['recipe']}: {result['asteroids']} asteroids, {result['folds']} folds by asteroid"
             + (" (quick: not a measurement)" if result["quick"] else ""),
             f"{'method':<44} {'MAE':>16} {'MAPE %':>12} {'vs prior':>16}  MAE by class"]
    for r in result["rows"]:
        lines.append(f"{r['method']:<44} {r['mae']:.4f} +- {r['mae_std']:.4f} {r['mape']:>5.1f} +- {r['mape_std']:<4.1f}"
                     f" {r['mae_vs_prior_pct']:>+6.1f}% / {r['mape_vs_prior_pct']:>+6.1f}%  "
                     + " ".join(f"{k} {v:.3f}" for k, v in r["mae_by_class"].items()))
    lines.append(f"({result['seconds']:.0f} s)")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", default="outputs")
    parser.add_argument("--only", choices=["visible", "visnir"])
    parser.add_argument("--four-class", action="store_true", help="the visible recipe on S / C / X / Other input")
    parser.add_argument("--class-choice", action="store_true", help="only the class information on validation")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")  # run_albedo's progress, a line per fold
    output = pathlib.Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    if args.class_choice:
        result = class_choice()
        print(json.dumps(result, indent=1), flush=True)
        (output / "albedo_class_choice.json").write_text(json.dumps(result, indent=1))
        return 0
    visible = aae_net_albedo_visible.RECIPE
    if args.four_class:
        visible = dataclasses.replace(visible, class_scheme=None, class_labels=None)
    recipes = {"visible": visible, "visnir": aae_net_albedo.RECIPE}
    results = {}
    for key, recipe in recipes.items():
        if args.only and key != args.only:
            continue
        results[key] = run_levers(recipe, args.quick)
        print(format_levers(results[key]), flush=True)
        suffix = "_four_class" if args.four_class and key == "visible" else ""
        (output / f"albedo_levers_{key}{suffix}.json").write_text(json.dumps(results[key], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
