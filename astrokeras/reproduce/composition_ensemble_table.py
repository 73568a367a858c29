"""The composition ensemble table (``astrokeras reproduce --table composition-ensemble``): how much CompositionNet's
answer hangs on its seed, on the composition table's folds and on the asteroids, and what the shipped ensemble
(:class:`~astrokeras.models.composition_ensemble.CompositionEnsemble`, the ``composition-net-mineralogy`` preset)
does about it.

Protocol: the composition table's 5 folds grouped by material and the levers table's validation split of each
fold. The shipped recipe's network is trained once per seed (:data:`SEEDS`) on the same rows
(:mod:`~astrokeras.reproduce.composition_ensemble_folds`); each is scored alone on the held-out spectra (fresh,
and weathered then cut to 0.82-2.08 um as Itokawa is read), and so is the ensemble of the first K seeds: the mean
of the members, 1-sigma ``sqrt(mean sigma^2 + variance of the means)`` scaled on the fold's validation spectra to
68% (no test spectrum chooses anything). The spread over seeds is the standard deviation of the single members'
RMSE. The asteroid rows come from the members of the shipped ``composition-net-mineralogy`` preset: the recipe's
ensemble trained on every spectrum (re-create it with ``astrokeras train presets``).

Run: ``astrokeras reproduce --table composition-ensemble [--folds 1 2]`` (about 80 minutes on 2 cores for 5
folds x 5 seeds; each fold and seed is saved as it finishes and reused, seed by seed, so that a cut run leaves
whole seeds).

Example
-------
>>> import numpy as np
>>> from astrokeras.reproduce.composition_ensemble_table import mixture
>>> out = mixture([{"modal": np.array([[0.2]]), "modal_sigma": np.array([[0.1]])},
...                {"modal": np.array([[0.4]]), "modal_sigma": np.array([[0.1]])}], ("modal",))
>>> round(float(out["modal"][0, 0]), 3), round(float(out["modal_sigma"][0, 0]), 4)
(0.3, 0.1414)
"""

from __future__ import annotations

import json
import logging
import pathlib
import time

import numpy as np

from astrokeras.datasets.relab_composition import (
    CHEMISTRY,
)
from astrokeras.physics.space_weathering import C_S_RANGE
from astrokeras.reproduce import composition_ensemble_folds as ensemble_folds
from astrokeras.reproduce.composition_lever_folds import KEYS
from astrokeras.reproduce.composition_levers import _oc_scores
from astrokeras.reproduce.composition_seeds import asteroid_outputs
from astrokeras.reproduce.composition_table import (
    LAB_ITOKAWA,
    _ratio,
    held_out_frame,
    numbered_folds,
    score_method,
)
from astrokeras.reproduce.saved_folds import folds_note, table_store
from astrokeras.training.composition import (
    CompositionConfig,
    sigma_scales,
)

log = logging.getLogger(__name__)
SEEDS = (0, 1, 2, 3, 4)
SECOND_SEEDS = (5, 6, 7, 8, 9)  # a second ensemble of the same recipe: how far two ensembles of five differ
CONDITIONS = ("fresh", "weathered_nirs")  # the table's columns: laboratory spectra, and read as Itokawa is
THREE = ("OL", "OPX", "CPX")
PRESET = "composition-net-mineralogy"
KORDA = "Korda"  # the composition table's Korda-style CNN row (same folds), shown for reference


def mixture(parts: list, keys=("modal", "chemistry")) -> dict:
    """The ensemble of members' predictions: mean of the means, ``sqrt(mean sigma^2 + variance of the means)``."""
    out = {}
    for key in keys:
        means = np.stack([p[key] for p in parts])
        sigmas = np.stack([p[f"{key}_sigma"] for p in parts])
        out[key] = means.mean(axis=0)
        out[f"{key}_sigma"] = np.sqrt((sigmas ** 2).mean(axis=0) + means.var(axis=0))
    return out


def _calibrated(test: dict, validation: dict, data, rows) -> dict:
    """``test`` with its sigmas scaled so that 68% of the validation residuals fall within one sigma."""
    out = dict(test)
    for key, true in (("modal", data.modal[rows]), ("chemistry", data.chemistry[rows])):
        out[f"{key}_sigma"] = test[f"{key}_sigma"] * sigma_scales(validation[key], validation[f"{key}_sigma"], true)
    return out


def _scored(data, pred: dict, tested, scored, fold_rows) -> dict:
    cell = score_method(scored, pred["modal"][tested], pred["chemistry"][tested],
                        {"modal": pred["modal_sigma"][tested], "chemistry": pred["chemistry_sigma"][tested]},
                        fold_rows)
    cell["ordinary_chondrites"] = _oc_scores(data, pred["modal"], pred["chemistry"], np.flatnonzero(tested))
    return cell


def _korda_row(output) -> dict | None:
    path = pathlib.Path(output) / "composition.json"
    if not path.exists():
        return None
    table = json.loads(path.read_text())
    row = next((r for r in table["rows"] if KORDA in r.get("method", "") and r.get("source") == "measured"), None)
    if row is None:
        return None
    return {"method": row["method"], "folds": table.get("folds"),
            "modal_rmse_pp": {k: v["modal_rmse_pp"] for k, v in row["subsets"].items()},
            "per_fold": row.get("per_fold", {}).get("all")}


def _asteroid_answers(model) -> dict:
    """Itokawa's mean OL / OPX / CPX and their mean 1-sigma, and Eros's ol/(ol+px) (as the seeds table reads them:
    :func:`~astrokeras.reproduce.composition_seeds.asteroid_outputs`)."""
    arrays = asteroid_outputs(model)
    eros = arrays["eros_modal"]
    return {"itokawa": {m: round(float(arrays["itokawa_three"][k]), 4) for k, m in enumerate(THREE)},
            "itokawa_sigma": {m: round(float(arrays["itokawa_sigma"][k]), 4) for k, m in enumerate(THREE)},
            "eros_ol_px": round(float(_ratio(eros[None])[0]), 4)}


def _ensemble_answers(ensemble, seeds) -> tuple[list, dict]:
    """``(members, whole)``: :func:`_asteroid_answers` of each member (with its seed) and of the ensemble."""
    members = [{"seed": s, **_asteroid_answers(m)} for s, m in zip(seeds, ensemble.members, strict=True)]
    return members, _asteroid_answers(ensemble)


def _spread(values) -> dict:
    values = 100 * np.asarray(values, float)
    return {"mean": round(float(values.mean()), 1), "std": round(float(values.std()), 1),
            "range": round(float(values.max() - values.min()), 1)}


def asteroid_rows(presets_dir=None, echo=log.info) -> dict:
    """Itokawa and Eros from each member of the shipped ``composition-net-mineralogy`` preset (the recipe's
    ensemble trained on every spectrum) and from the ensemble."""
    from astrokeras.models.preset_loading import load_preset

    echo("composition ensemble: Itokawa and Eros from each member of the shipped preset")
    ensemble, card = load_preset(PRESET, presets_dir)
    seeds = card["training"]["seeds"]
    members, whole = _ensemble_answers(ensemble, seeds)
    return {"preset": PRESET, "trained": card["date"], "seeds": seeds, "members": members, "ensemble": whole, "validation_score": card["training"]["validation_score"],
            "member_validation_scores": [m["validation_score"] for m in card["training"]["members"]],
            "spread_pp": {"itokawa": {m: _spread([a["itokawa"][m] for a in members]) for m in THREE},
                          "eros_ol_px": _spread([a["eros_ol_px"] for a in members])},
            "ensemble_std_estimate_pp": {m: round(_spread([a["itokawa"][m] for a in members])["std"]
                                                  / np.sqrt(len(members)), 1) for m in THREE}}


def second_ensemble_rows(output, first: dict, seeds=SECOND_SEEDS, echo=log.info) -> dict:
    """Itokawa and Eros from a second ensemble of the shipped recipe (seeds ``seeds``, the same data and validation
    split), its members saved under ``<output>/folds/composition-ensemble-second/`` and reused; and how far it
    lands from the shipped ensemble ``first`` (an :func:`asteroid_rows` result): the ensemble's own seed spread."""
    from astrokeras.recipes import RECIPES
    from astrokeras.training.composition_ensemble import fit_composition_ensemble

    recipe = RECIPES[PRESET]
    echo(f"composition ensemble: a second ensemble of the recipe, seeds {list(seeds)} (saved members are reused)")
    store = table_store(output, "composition-ensemble-second", settings={"recipe": recipe.name, "seeds": list(seeds)},
                        module="astrokeras.training.composition_ensemble")
    data = recipe.member.data()
    ensemble, info = fit_composition_ensemble(data, np.arange(len(data)), recipe.member.config, seeds, store=store)
    members, whole = _ensemble_answers(ensemble, seeds)
    return {"seeds": list(seeds), "members": members, "ensemble": whole, "validation_score": info["validation_score"],
            "member_validation_scores": [m["validation_score"] for m in info["members"]],
            "difference_pp": {"itokawa": {m: round(100 * abs(whole["itokawa"][m] - first["ensemble"]["itokawa"][m]), 1)
                                          for m in THREE},
                              "eros_ol_px": round(100 * abs(whole["eros_ol_px"] - first["ensemble"]["eros_ol_px"]), 1)},
            "ten_members_pp": {"itokawa": {m: _spread([a["itokawa"][m] for a in members + first["members"]])
                                           for m in THREE},
                               "eros_ol_px": _spread([a["eros_ol_px"] for a in members + first["members"]])}}


def run_composition_ensemble_table(*, output="outputs", quick: bool = False, only_folds=None, seeds=SEEDS,
                                   second: bool = True, echo=log.info) -> dict:
    """The ensemble table (see the module docstring), written to ``<output>/tablecomposition-ensemble.json``;
    ``quick``: 2 folds, 2 seeds, 2 epochs (a pipeline check, not a measurement); ``only_folds``: those folds;
    ``second``: also train (or read back) the second ensemble of the recipe on every spectrum (about 30 minutes)."""
    start = time.perf_counter()
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    data, all_folds, used, folds = numbered_folds(only_folds, quick)
    seeds = tuple(seeds[:2]) if quick else tuple(seeds)
    member = CompositionConfig(mixtures="none", epochs=2, patience=2, weathering_share=1.0) if quick \
        else ensemble_folds.MEMBER
    store = table_store(output, "composition-ensemble-table", settings={"member": repr(member),
                                                                         "c_s_range": list(C_S_RANGE)},
                        module=ensemble_folds.__name__, quick=quick)
    echo(f"composition ensemble: {len(data)} RELAB spectra, {folds_note(used, len(all_folds))}, seeds "
         f"{list(seeds)}; saved units: {store.folder}")
    n = len(data)
    shape = {key: (n, 4 if key.startswith("modal") else len(CHEMISTRY)) for key in KEYS}
    single = {s: {c: {key: np.full(shape[key], np.nan) for key in KEYS} for c in CONDITIONS} for s in seeds}
    validation = {s: {} for s in seeds}
    infos = []
    for seed in seeds:  # seed by seed, so that a cut run leaves whole seeds
        for number, train, test in folds:
            arrays, info = store.compute(ensemble_folds.unit_name(number, seed), lambda: ensemble_folds.member_unit(
                data, number, train, test, seed, member, log=echo))  # noqa: B023 (called at once)
            infos.append(info)
            for condition in CONDITIONS:
                for key in KEYS:
                    single[seed][condition][key][test] = arrays[condition][key]
            validation[seed][number] = arrays["validation"]
    tested, scored, fold_rows = held_out_frame(data, folds)
    rows = []
    for seed in seeds:
        rows.append({"method": f"CompositionNet, seed {seed}", "source": "measured", "seeds": [seed],
                     "conditions": {c: _scored(data, single[seed][c], tested, scored, fold_rows)
                                    for c in CONDITIONS}})
    sizes = sorted({k for k in (3, len(seeds)) if 1 < k <= len(seeds)})
    for size in sizes:
        members = seeds[:size]
        conditions = {}
        for condition in CONDITIONS:
            pred = {key: np.full(shape[key], np.nan) for key in KEYS}
            for number, train, test in folds:
                part = mixture([{key: single[s][condition][key][test] for key in KEYS} for s in members])
                val = mixture([validation[s][number] for s in members])
                part = _calibrated(part, val, data, ensemble_folds.validation_rows(data, number, train))
                for key in KEYS:
                    pred[key][test] = part[key]
            conditions[condition] = _scored(data, pred, tested, scored, fold_rows)
        rows.append({"method": f"CompositionEnsemble of {size} (seeds {list(members)})", "source": "measured",
                     "seeds": list(members), "conditions": conditions})
    for row in rows:
        row.update({key: row["conditions"]["fresh"][key] for key in ("subsets", "coverage_1sigma", "per_fold")})
    singles = [r for r in rows if len(r["seeds"]) == 1]
    spread = {c: {subset: _spread([r["conditions"][c]["subsets"][subset]["modal_rmse_pp"] / 100 for r in singles])
                  for subset in ("all", "mixtures")} for c in CONDITIONS}
    result = {"table": "composition-ensemble", "quick": quick, "folds": [k + 1 for k in used],
              "of_folds": len(all_folds), "seeds": list(seeds),
              "protocol": (f"RELAB {n} spectra (korda2023), the composition table's {folds_note(used, len(all_folds))}"
                           " grouped by material, the levers table's validation splits; the shipped recipe trained "
                           f"once per seed {list(seeds)}; held-out spectra fresh, and weathered (C_S uniform in "
                           f"{C_S_RANGE[0]}..{C_S_RANGE[1]} um) then cut to 0.82-2.08 um; ensemble 1-sigma scaled on "
                           "each fold's validation spectra" + (" (quick: 2 folds, 2 seeds, 2 epochs)" if quick else "")),
              "rows": rows, "spread_over_seeds_pp": spread, "per_unit": infos, "korda_cnn": _korda_row(output),
              "asteroids": asteroid_rows(echo=echo), "laboratory_itokawa": LAB_ITOKAWA}
    if second and not quick:
        result["second_ensemble"] = second_ensemble_rows(output, result["asteroids"], echo=echo)
    result["seconds"] = round(time.perf_counter() - start, 1)
    (output / "tablecomposition-ensemble.json").write_text(json.dumps(result, indent=1))
    return result


def format_composition_ensemble(result: dict) -> str:
    """The ensemble table as text."""
    header = (f"{'method':<49} {'condition':<15} {'all':>6} {'mixt.':>6} {'per fold (all)':>15} "
              f"{'OC ol/(ol+px)':>14} {'1-sigma':>8}   (modal OL/OPX/CPX RMSE, pp)")
    lines = [f"Composition ensemble: {result['protocol']}", "", header]
    for row in result["rows"]:
        for condition, cell in row["conditions"].items():
            s, fold = cell["subsets"], cell["per_fold"]["all"]
            lines.append(f"{row['method']:<49} {condition:<15} {s['all']['modal_rmse_pp']:>6.1f} "
                         f"{s['mixtures']['modal_rmse_pp']:>6.1f} {100 * fold['mean']:>8.1f} +- {100 * fold['std']:<4.1f}"
                         f"{cell['ordinary_chondrites']['ol_px_ratio_rmse_pp']:>14.1f} "
                         f"{cell['coverage_1sigma']['modal']:>8.3f}")
    for condition, subsets in result["spread_over_seeds_pp"].items():
        lines.append(f"spread of the single seeds' RMSE ({condition}): " + ", ".join(
            f"{k} {v['mean']} +- {v['std']} (range {v['range']})" for k, v in subsets.items()))
    korda = result.get("korda_cnn")
    if korda:
        lines.append(f"for reference, the composition table's row {korda['method']!r}: all "
                     f"{korda['modal_rmse_pp']['all']}, mixtures {korda['modal_rmse_pp']['mixtures']} pp")
    a = result["asteroids"]
    lab = result["laboratory_itokawa"]
    lines += ["", (f"Asteroids, the shipped preset {a['preset']} ({a['trained']}; the recipe trained on every spectrum, "
                   f"seeds {a['seeds']}); Itokawa's samples OL {100 * lab['OL']:.1f} / OPX {100 * lab['OPX']:.1f} / CPX {100 * lab['CPX']:.1f} %")]
    for m in a["members"] + [{"seed": "preset", **a["ensemble"]}]:
        it = m["itokawa"]
        lines.append(f"  {'seed ' + str(m['seed']) if m['seed'] != 'preset' else 'the preset':<14} Itokawa OL {100 * it['OL']:5.1f} / OPX {100 * it['OPX']:5.1f} / CPX "
                     f"{100 * it['CPX']:5.1f} (1-sigma " + " / ".join(f"{100 * m['itokawa_sigma'][k]:.0f}" for k in THREE)
                     + f");  Eros ol/(ol+px) {m['eros_ol_px']:.3f}")
    s = a["spread_pp"]
    lines.append("  spread over the members (std / range, pp): Itokawa " + ", ".join(
        f"{m} {s['itokawa'][m]['std']} / {s['itokawa'][m]['range']}" for m in THREE)
        + f"; Eros ol/(ol+px) {s['eros_ol_px']['std']} / {s['eros_ol_px']['range']}")
    lines.append("  (the preset's own answer: its ensemble alone on Itokawa's partial coverage; a CompositionBlend "
                 "preset blends its CNNs in on Eros, which covers its window)")
    lines.append(f"  expected std of a {len(a['members'])}-member ensemble's Itokawa answer (member std / sqrt(n), an "
                 "estimate): " + ", ".join(f"{m} {v}" for m, v in a["ensemble_std_estimate_pp"].items()))
    second = result.get("second_ensemble")
    if second:
        lines += ["", (f"A second ensemble of the same recipe, seeds {second['seeds']} (validation score "
                       f"{second['validation_score']}; the shipped one {a['validation_score']}):")]
        for m in second["members"] + [{"seed": "ensemble", **second["ensemble"]}]:
            it = m["itokawa"]
            lines.append(f"  seed {m['seed']!s:<9} Itokawa OL {100 * it['OL']:5.1f} / OPX {100 * it['OPX']:5.1f} / "
                         f"CPX {100 * it['CPX']:5.1f};  Eros ol/(ol+px) {m['eros_ol_px']:.3f}")
        d = second["difference_pp"]
        lines.append("  the two ensembles differ by (pp): Itokawa " + ", ".join(f"{m} {d['itokawa'][m]}" for m in THREE)
                     + f"; Eros ol/(ol+px) {d['eros_ol_px']}")
        t = second["ten_members_pp"]
        lines.append("  spread over all ten members (std / range, pp): Itokawa " + ", ".join(
            f"{m} {t['itokawa'][m]['std']} / {t['itokawa'][m]['range']}" for m in THREE)
            + f"; Eros ol/(ol+px) {t['eros_ol_px']['std']} / {t['eros_ol_px']['range']}")
    lines.append(f"({result['seconds']:.0f} s)")
    return "\n".join(lines)


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default="outputs")
    parser.add_argument("--folds", type=int, nargs="*")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(format_composition_ensemble(run_composition_ensemble_table(
        output=args.output, quick=args.quick, only_folds=args.folds, seeds=tuple(args.seeds))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
