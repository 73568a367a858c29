"""The composition levers table (``astrokeras reproduce --table composition-levers``): what a lever does to
CompositionNet on the composition table's folds, on laboratory spectra as they are and space-weathered, and on the
asteroids.

Lever measured: **space-weathering copies** (:mod:`astrokeras.physics.space_weathering`): every training spectrum,
real or simulated, added again with a Brunetto et al. 2006 continuum ``exp(C_S / lambda)``, ``C_S`` uniform in
-0.4..0 um. Asteroids are redder than laboratory powders, and a network that reads the continuum as mineralogy
reads a weathered ordinary chondrite as a pyroxenite; Dunn et al. 2010's band-area ratio, measured on the
continuum-removed bands, does not.

Protocol: the composition table's 5 folds grouped by material and its validation split; every lever trains on the
same rows with the shipped recipe's settings otherwise. Held-out spectra are scored fresh, weathered (one ``C_S``
draw per spectrum, the same for every lever) and weathered then cut to Hayabusa NIRS's 0.82-2.08 um. A lever is
kept when, averaged over the folds, it lowers the validation score on weathered validation spectra and raises it
on fresh ones by less than :data:`FRESH_TOLERANCE` (relative): validation splits only, never a test score. The
asteroid rows come from each lever trained on every spectrum: Itokawa (Hayabusa NIRS) against the returned
samples, Eros against Dunn's band-area ratio, and the share of korda2023's S- and Q-types whose ol/(ol+px) falls
in the range of the RELAB ordinary chondrites.

Run: ``astrokeras reproduce --table composition-levers [--folds 1 2]`` (40 minutes on 2 cores for 5 folds; each
fold is saved as it finishes and reused).

Example
-------
>>> from astrokeras.reproduce.composition_levers import kept
>>> kept({"validation_score": 0.20, "validation_score_weathered": 0.30},
...      {"validation_score": 0.205, "validation_score_weathered": 0.22})
True
"""

from __future__ import annotations

import json
import logging
import pathlib
import time

import numpy as np

from astrokeras import datasets
from astrokeras.datasets.relab_composition import (
    CHEMISTRY,
)
from astrokeras.physics.band_parameters import (
    band_parameters_many,
    dunn_olivine_fraction,
)
from astrokeras.physics.space_weathering import C_S_RANGE, weathered
from astrokeras.reproduce import composition_lever_folds as lever_folds
from astrokeras.reproduce.composition_table import (
    LAB_ITOKAWA,
    S_CLASSES,
    _analogue_ranges,
    _asteroid_inputs,
    _in_ranges,
    _pp,
    _ratio,
    _three,
    held_out_frame,
    numbered_folds,
    score_method,
)
from astrokeras.reproduce.saved_folds import folds_note, table_store
from astrokeras.training.composition import (
    CompositionConfig,
    predict_composition,
    rmse_of,
)

log = logging.getLogger(__name__)
FRESH_TOLERANCE = 0.05
BASELINE = "baseline"
# Row names; a preset card reads its metrics from the row named like its recipe (reproduce.presets.METRIC_SOURCES).
METHODS = {"baseline": "CompositionNet, linear mixtures (the recipe until 2026-12-07)",
           "weathering": "CompositionNet, linear mixtures + space-weathering copies"}


def kept(baseline: dict, lever: dict) -> bool:
    """Whether a lever is kept, from mean validation scores (lower is better): better on weathered validation
    spectra, and no more than :data:`FRESH_TOLERANCE` worse on fresh ones."""
    return bool(lever["validation_score_weathered"] < baseline["validation_score_weathered"]
                and lever["validation_score"] <= baseline["validation_score"] * (1 + FRESH_TOLERANCE))


def _quick_levers():
    quick = CompositionConfig(mixtures="none", epochs=2, patience=2)
    return {"baseline": quick, "weathering": CompositionConfig(mixtures="none", epochs=2, patience=2,
                                                             weathering_share=1.0)}


def _ordinary_chondrites(data):
    subtype = data.meta["SubType"].astype(str).str.strip()
    return subtype.str.fullmatch(r"(H|L|LL)\d").to_numpy() & data.modal_known


def _oc_scores(data, modal, chemistry, rows) -> dict:
    """ol/(ol+px), Fa and Fs(OPX) RMSE (pp) on the ordinary chondrites among ``rows``."""
    keep = np.zeros(len(data), bool)
    keep[rows] = True
    keep &= _ordinary_chondrites(data)
    true = _ratio(np.nan_to_num(data.modal))
    return {"n": int(keep.sum()),
            "ol_px_ratio_rmse_pp": _pp(rmse_of(_ratio(modal)[keep, None], true[keep, None])),
            "Fa_rmse_pp": _pp(rmse_of(chemistry[keep, :1], data.chemistry[keep, :1])),
            "Fs_OPX_rmse_pp": _pp(rmse_of(chemistry[keep, 1:2], data.chemistry[keep, 1:2]))}


def _dunn_row(data, folds) -> dict:
    """Dunn et al. 2010's ol/(ol+px) from our band-area ratio on the ordinary chondrites, fresh and weathered with
    the folds' own ``C_S`` draws."""
    out = {}
    oc = _ordinary_chondrites(data)
    true = _ratio(np.nan_to_num(data.modal))
    for condition in ("fresh", "weathered"):
        estimate = np.full(len(data), np.nan)
        for number, _, test in folds:
            spectra = data.spectra[test] if condition == "fresh" else weathered(
                data.grid, data.spectra[test], lever_folds.fold_c_s(len(test), 1000 + number - 1))
            params, _ = band_parameters_many(data.grid, spectra)
            estimate[test] = dunn_olivine_fraction(np.array([p.bar if p and p.bar is not None else np.nan
                                                             for p in params]))
        keep = oc & np.isfinite(estimate)
        out[condition] = {"n": int(keep.sum()),
                          "ol_px_ratio_rmse_pp": _pp(rmse_of(estimate[keep, None], true[keep, None]))}
    return out


def _asteroids(model, data) -> dict:
    """Itokawa's mean OL/OPX/CPX, Eros's ol/(ol+px) and the S/Q-types' ol/(ol+px) against the chondrites' range."""
    itokawa = datasets.load_itokawa()
    three = _three(predict_composition(model, _asteroid_inputs(itokawa.wavelength, itokawa.reflectance,
                                                               data.grid))["modal"])
    busdemeo = datasets.load_busdemeo()
    out = predict_composition(model, _asteroid_inputs(busdemeo.wavelength, busdemeo.reflectance, data.grid))
    ratio = _ratio(out["modal"])
    base = busdemeo.meta["base_class"].astype(str).to_numpy()
    designation = busdemeo.meta["designation"].astype(str).to_numpy()
    ranges = _analogue_ranges(data)
    result = {"itokawa": {m: round(float(three[:, k].mean()), 4) for k, m in enumerate(("OL", "OPX", "CPX"))},
              "itokawa_difference_pp": {m: _pp(three[:, k].mean() - LAB_ITOKAWA[m])
                                        for k, m in enumerate(("OL", "OPX", "CPX"))}}
    eros = np.flatnonzero(designation == "433")
    if eros.size:
        result["eros_ol_px"] = round(float(ratio[eros[0]]), 4)
    s_types = np.isin(base, S_CLASSES + ("Q",))
    result["s_and_q_types"] = {"n": int(s_types.sum()), "median_ol_px": round(float(np.median(ratio[s_types])), 3),
                               **_in_ranges(ratio[s_types], ranges)}
    return result


def run_composition_levers(*, output="outputs", quick: bool = False, only_folds=None, echo=log.info) -> dict:
    """The levers table (see the module docstring), written to ``<output>/tablecomposition-levers.json``;
    ``quick``: 2 folds, 2 epochs (a pipeline check, not a measurement); ``only_folds``: those folds only."""
    start = time.perf_counter()
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    data, all_folds, used, folds = numbered_folds(only_folds, quick)
    levers = _quick_levers() if quick else lever_folds.LEVERS
    store = table_store(output, "composition-levers", settings={"levers": {k: repr(v) for k, v in levers.items()},
                                                                 "c_s_range": list(C_S_RANGE)},
                        module=lever_folds.__name__, quick=quick)
    echo(f"composition levers: {len(data)} RELAB spectra, {folds_note(used, len(all_folds))}, levers "
         f"{list(levers)}; saved folds: {store.folder}")
    n = len(data)
    pred = {lever: {c: {key: np.full((n, 4 if key.startswith("modal") else len(CHEMISTRY)), np.nan)
                        for key in lever_folds.KEYS} for c in lever_folds.CONDITIONS} for lever in levers}
    infos = []
    for number, train, test in folds:
        arrays, info = store.compute(f"fold{number}", lambda: lever_folds.fold_unit(
            data, number, train, test, levers, log=echo))  # noqa: B023 (called at once)
        infos.append(info)
        for lever in levers:
            for condition in lever_folds.CONDITIONS:
                for key in lever_folds.KEYS:
                    pred[lever][condition][key][test] = arrays[lever][condition][key]
    tested, scored, fold_rows = held_out_frame(data, folds)
    rows = []
    for lever in levers:
        validation = {key: round(float(np.mean([i["levers"][lever][key] for i in infos])), 5)
                      for key in ("validation_score", "validation_score_weathered")}
        row = {"method": METHODS.get(lever, f"CompositionNet, {lever}"), "source": "measured", "lever": lever,
               "validation": validation, "conditions": {}}
        for condition in lever_folds.CONDITIONS:
            p = pred[lever][condition]
            cell = score_method(scored, p["modal"][tested], p["chemistry"][tested],
                                {"modal": p["modal_sigma"][tested], "chemistry": p["chemistry_sigma"][tested]},
                                fold_rows)
            cell["ordinary_chondrites"] = _oc_scores(data, p["modal"], p["chemistry"], np.flatnonzero(tested))
            row["conditions"][condition] = cell
        row.update({key: row["conditions"]["fresh"][key] for key in ("subsets", "coverage_1sigma", "per_fold")})
        rows.append(row)
    base = next(r for r in rows if r["lever"] == BASELINE)["validation"]
    for row in rows:
        row["kept"] = None if row["lever"] == BASELINE else kept(base, row["validation"])
    asteroids = {}
    for lever, config in levers.items():
        model, _ = lever_folds.all_spectra_model(store, data, lever, config, log=echo)
        asteroids[lever] = _asteroids(model, data)
    result = {"table": "composition-levers", "quick": quick, "folds": [k + 1 for k in used],
              "of_folds": len(all_folds),
              "protocol": (f"RELAB {n} spectra (korda2023), the composition table's "
                           f"{folds_note(used, len(all_folds))} grouped by material and validation split; held-out "
                           f"spectra fresh, weathered (Brunetto et al. 2006, C_S uniform in {C_S_RANGE[0]}.."
                           f"{C_S_RANGE[1]} um, one draw per spectrum) and weathered cut to 0.82-2.08 um; a lever is "
                           "kept by its mean validation scores only" + (" (quick: 2 folds, 2 epochs)" if quick else "")),
              "rows": rows, "per_fold": infos, "dunn_ordinary_chondrites": _dunn_row(data, folds),
              "asteroids": asteroids, "laboratory_itokawa": LAB_ITOKAWA,
              "seconds": round(time.perf_counter() - start, 1)}
    (output / "tablecomposition-levers.json").write_text(json.dumps(result, indent=1))
    return result


def format_composition_levers(result: dict) -> str:
    """The levers table as text."""
    lines = [f"Composition levers: {result['protocol']}", "",
             (f"{'lever':<12} {'condition':<16} {'all':>6} {'mixt.':>6} {'per fold (all)':>15} {'chem.':>6} "
              f"{'OC ol/(ol+px)':>14} {'OC Fa':>6} {'1-sigma':>8}   (RMSE, pp)")]
    for row in result["rows"]:
        for condition, cell in row["conditions"].items():
            s = cell["subsets"]
            chem = [v for v in s["all"]["chemistry_pp"].values() if v is not None]
            fold = cell["per_fold"]["all"]
            oc = cell["ordinary_chondrites"]
            lines.append(f"{row['lever']:<12} {condition:<16} {s['all']['modal_rmse_pp']:>6.1f} "
                         f"{s['mixtures']['modal_rmse_pp']:>6.1f} {100 * fold['mean']:>8.1f} +- {100 * fold['std']:<4.1f}"
                         f"{np.sqrt(np.mean(np.square(chem))):>6.1f} {oc['ol_px_ratio_rmse_pp']:>14.1f} "
                         f"{oc['Fa_rmse_pp']:>6.1f} {cell['coverage_1sigma']['modal']:>8.3f}")
    dunn = result["dunn_ordinary_chondrites"]
    lines.append("Dunn et al. 2010 (BAR) on the same ordinary chondrites, ol/(ol+px): " + ", ".join(
        f"{c} {v['ol_px_ratio_rmse_pp']} pp (n={v['n']})" for c, v in dunn.items()))
    lines.append("")
    lines.append("Validation scores (mean over folds; OL/OPX/CPX + chemistry RMSE, fractions; lower is better):")
    for row in result["rows"]:
        v = row["validation"]
        verdict = "" if row["kept"] is None else ("  -> kept" if row["kept"] else "  -> not kept")
        lines.append(f"  {row['lever']:<12} fresh {v['validation_score']:.4f}, weathered "
                     f"{v['validation_score_weathered']:.4f}{verdict}")
    lines.append("")
    lab = result["laboratory_itokawa"]
    lines.append(f"Asteroids (each lever trained on every spectrum); Itokawa's samples: OL {100 * lab['OL']:.1f}, "
                 f"OPX {100 * lab['OPX']:.1f}, CPX {100 * lab['CPX']:.1f} %")
    for lever, a in result["asteroids"].items():
        it = a["itokawa"]
        s = a["s_and_q_types"]
        lines.append(f"  {lever:<12} Itokawa OL {100 * it['OL']:.1f} / OPX {100 * it['OPX']:.1f} / CPX "
                     f"{100 * it['CPX']:.1f}; Eros ol/(ol+px) {a.get('eros_ol_px')}; S and Q-types (n={s['n']}): "
                     f"median ol/(ol+px) {s['median_ol_px']}, in an ordinary-chondrite range "
                     f"{100 * s['any ordinary chondrite']:.0f}%")
    lines.append(f"({result['seconds']:.0f} s)")
    return "\n".join(lines)


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default="outputs")
    parser.add_argument("--folds", type=int, nargs="*")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(format_composition_levers(run_composition_levers(output=args.output, quick=args.quick,
                                                           only_folds=args.folds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
