"""The composition blend table (``astrokeras reproduce --table composition-blend``): CompositionNet beside the
Korda-style CNN that beats it, the CNN's own ensemble, their blend, and where the error comes from.

Protocol: the composition table's 5 folds grouped by material, and the validation split carved from each training
part (the split every composition table uses). In each fold:

* CompositionNet: the shipped recipe's member (linear mixtures, space-weathering copies) with each seed of
  :data:`NET_SEEDS`, the composition ensemble table's saved units
  (:mod:`~astrokeras.reproduce.composition_ensemble_folds`: read back, or trained and saved there, so the two tables
  share them); with more than one seed also their :class:`~astrokeras.models.composition_ensemble.CompositionEnsemble`
  (mean of the means, 1-sigma ``sqrt(mean sigma^2 + variance of the means)``), as the shipped preset answers;
* the rebuilt Korda et al. 2023 CNN, seeds :data:`KORDA_SEEDS` (:mod:`~astrokeras.reproduce.composition_blend_folds`),
  alone and as an ensemble (the mean of the seeds; its 1-sigma the spread over the seeds);
* the blend ``w * network + (1 - w) * CNN ensemble`` of the modal fractions and of the chemistry, where the network
  is the CompositionEnsemble (CompositionNet seed 0 when :data:`NET_SEEDS` holds one seed): with ``w = 0.5`` fixed
  before any score was seen; with one ``w`` chosen from :data:`WEIGHTS` on each fold's validation split (OL/OPX/CPX
  RMSE plus chemistry RMSE, as everywhere in the composition tables); and with a ``w`` for the modal fractions and
  another for the chemistry, each chosen on the validation split by its own RMSE (how the shipped preset
  :class:`~astrokeras.models.composition_blend.CompositionBlend` chooses them). A blend's 1-sigma is the network's,
  scaled on the validation split to 68%.

Every row is scored on the same held-out fresh spectra (the CNN has no coverage mask, so no Hayabusa NIRS column),
with the composition table's scores, plus how concentrated the error is: the share of the squared OL/OPX/CPX error
that the worst 5% of the spectra carry, the RMSE without the pure pyroxenes (OPX + CPX >= 0.95: a subset chosen by
label, the samples Korda et al.'s v3 outlier rule is about, ``docs/korda2023.md``), and the worst spectra themselves
(sample, type, labels, answers).

Run: ``astrokeras reproduce --table composition-blend [--folds 1 2]`` (about 40 minutes a fold on 2 cores, 30 of
them CompositionNet's five seeds; each unit is saved as it finishes and reused).

Example
-------
>>> import numpy as np
>>> from astrokeras.reproduce.composition_blend_table import blend, error_concentration
>>> out = blend({"modal": np.array([[1.0, 0.0]])}, {"modal": np.array([[0.0, 1.0]])}, 0.25, keys=("modal",))
>>> out["modal"].tolist()
[[0.25, 0.75]]
>>> blend({"modal": np.ones((1, 1)), "chemistry": np.ones((1, 1))}, {"modal": np.zeros((1, 1)),
...       "chemistry": np.zeros((1, 1))}, {"modal": 0.3, "chemistry": 0.9})["chemistry"].tolist()   # a w per output
[[0.9]]
>>> round(error_concentration(np.array([[0.0], [0.0], [0.0], [1.0]]), np.zeros((4, 1)), share=0.25), 2)
1.0
"""

from __future__ import annotations

import json
import logging
import pathlib
import time

import numpy as np

from astrokeras.datasets.relab_composition import (
    CHEMISTRY,
    MINERALS,
)
from astrokeras.physics.space_weathering import C_S_RANGE
from astrokeras.reproduce import composition_blend_folds as blend_folds
from astrokeras.reproduce import composition_ensemble_folds as ensemble_folds
from astrokeras.reproduce.composition_ensemble_table import mixture
from astrokeras.reproduce.composition_levers import _oc_scores
from astrokeras.reproduce.composition_table import (
    held_out_frame,
    numbered_folds,
    score_method,
)
from astrokeras.reproduce.saved_folds import folds_note, table_store
from astrokeras.training.composition import CompositionConfig, rmse_of, sigma_scales
from astrokeras.training.composition_blend import (
    WEIGHTS,
    blend,
    choose_weights_apart,
    validation_score,
)
from astrokeras.training.korda_baseline import KordaConfig

log = logging.getLogger(__name__)
KORDA_SEEDS = (0, 1, 2, 3, 4)
NET_SEEDS = (0, 1, 2, 3, 4)  # CompositionNet's seeds: the shipped recipe's members; the first is NET's
FIXED_WEIGHT = 0.5
WORST_SHARE = 0.05
PYROXENE_PURE = 0.95  # OPX + CPX at or above this: the "pure pyroxenes" Korda et al.'s v3 outlier rule is about
LOW_CA_WO = 0.15  # a pure CPX with Wo below this is a low-Ca (pigeonite-like) clinopyroxene: spectrally near OPX
NET = "CompositionNet (the shipped recipe's member, seed 0)"
NET_ENSEMBLE = "CompositionEnsemble of {n} (the shipped recipe, seeds {seeds})"
CNN_ENSEMBLE = "Korda et al. 2023 CNN, rebuilt, ensemble of {n} seeds"
FIXED = "blend, w = 0.5 (fixed in advance)"
CHOSEN = "blend, one w chosen on each fold's validation split"
APART = "blend, w for modal and for chemistry chosen apart on validation"


def choose_weight(net: dict, cnn: dict, data, rows, weights=WEIGHTS) -> tuple[float, dict]:
    """``(weight, scores)``: the CompositionNet share of :func:`blend` with the lowest :func:`validation_score` on
    ``rows`` (the first such in ``weights`` on a tie), and every weight's score."""
    scores = {w: round(validation_score(blend(net, cnn, w), data, rows), 5) for w in weights}
    return min(scores, key=scores.get), scores


def error_concentration(predicted, true, share: float = WORST_SHARE) -> float:
    """The share of the summed squared error (over the present labels) that the worst ``share`` of the rows carry."""
    squared = np.nansum((np.asarray(predicted) - np.asarray(true)) ** 2, axis=1)
    count = max(1, round(share * len(squared)))
    total = squared.sum()
    return float(np.sort(squared)[::-1][:count].sum() / total) if total > 0 else 0.0


def worst_spectra(data, modal, rows, count: int = 10) -> list:
    """The ``count`` spectra among ``rows`` with the largest squared OL/OPX/CPX error: sample, type, labels, answer."""
    rows = np.asarray(rows)
    squared = np.nansum((modal[rows, :3] - data.modal[rows, :3]) ** 2, axis=1)
    out = []
    for i in np.argsort(-squared)[:count]:
        r, meta = int(rows[i]), data.meta.iloc[int(rows[i])]
        out.append({"sample": str(meta["SampleID"]), "type": " / ".join(
                        str(meta[c]).strip() for c in ("Type1", "SubType") if str(meta[c]).strip() not in ("", "nan")),
                    "squared_error": round(float(squared[i]), 4),
                    "true": {m: round(float(data.modal[r, k]), 2) for k, m in enumerate(MINERALS)},
                    "predicted": {m: round(float(modal[r, k]), 2) for k, m in enumerate(MINERALS)}})
    return out


def olivine_pyroxene(modal) -> np.ndarray:
    """``[OL, OPX + CPX]`` of modal fractions: the split an OPX / CPX confusion does not touch.

    >>> olivine_pyroxene(np.array([[0.2, 0.5, 0.3, 0.0]])).tolist()
    [[0.2, 0.8]]
    """
    modal = np.asarray(modal, float)
    return np.stack([modal[:, 0], modal[:, 1] + modal[:, 2]], axis=1)


def low_ca_clinopyroxenes(data) -> np.ndarray:
    """The pure clinopyroxenes (CPX >= 0.95) with Wo below :data:`LOW_CA_WO`: pigeonite-like, labelled CPX by their
    crystal system while their spectra resemble orthopyroxene's (korda2023 labels some Wo 0.05 pyroxenes OPX)."""
    wo = np.asarray(data.meta["Wo_CPX"], float)
    return (np.nan_to_num(data.modal[:, 2]) >= PYROXENE_PURE) & np.isfinite(wo) & (wo < LOW_CA_WO)


def _scaled_sigma(sigma_test, sigma_val, pred_val, data, rows, key):
    true = data.modal[rows] if key == "modal" else data.chemistry[rows]
    return sigma_test * sigma_scales(pred_val[key], np.maximum(sigma_val, 1e-4), true)


def _empty(n):
    return {"modal": np.full((n, len(MINERALS)), np.nan), "chemistry": np.full((n, len(CHEMISTRY)), np.nan)}


def run_composition_blend_table(*, output="outputs", quick: bool = False, only_folds=None, seeds=KORDA_SEEDS,
                                net_seeds=NET_SEEDS, echo=log.info) -> dict:
    """The blend table (see the module docstring), written to ``<output>/tablecomposition-blend.json``; ``quick``:
    2 folds, 2 CNN seeds, 2 CompositionNet seeds, 2 epochs (a pipeline check, not a measurement); ``only_folds``:
    those folds."""
    start = time.perf_counter()
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    data, all_folds, used, folds = numbered_folds(only_folds, quick)
    seeds = tuple(seeds[:2]) if quick else tuple(seeds)
    net_seeds = tuple(net_seeds[:2]) if quick else tuple(net_seeds)
    member = CompositionConfig(mixtures="none", epochs=2, patience=2, weathering_share=1.0) if quick \
        else ensemble_folds.MEMBER
    korda = KordaConfig(epochs=2, patience=2) if quick else KordaConfig()
    net_store = table_store(output, "composition-ensemble-table", settings={"member": repr(member),
                                                                             "c_s_range": list(C_S_RANGE)},
                            module=ensemble_folds.__name__, quick=quick)
    cnn_store = table_store(output, "composition-blend", settings={"korda": repr(korda)},
                            module=blend_folds.__name__, quick=quick)
    network = NET if len(net_seeds) == 1 else NET_ENSEMBLE.format(n=len(net_seeds), seeds=list(net_seeds))
    echo(f"composition blend: {len(data)} RELAB spectra, {folds_note(used, len(all_folds))}, CompositionNet seeds "
         f"{list(net_seeds)}, CNN seeds {list(seeds)}; saved units: {net_store.folder}, {cnn_store.folder}")
    n = len(data)
    keys = ("modal", "chemistry")
    names = dict.fromkeys((NET, network, "cnn", FIXED, CHOSEN, APART))
    rows_pred = {name: {**_empty(n), "modal_sigma": np.full((n, 4), np.nan),
                        "chemistry_sigma": np.full((n, 5), np.nan)} for name in names}
    single = {s: _empty(n) for s in seeds}
    per_fold, infos = [], []
    for number, train, test in folds:
        net_units = [net_store.compute(ensemble_folds.unit_name(number, s), lambda: ensemble_folds.member_unit(
            data, number, train, test, s, member, log=echo)) for s in net_seeds]  # noqa: B023 (called at once)
        cnn_units = [cnn_store.compute(blend_folds.unit_name(number, s), lambda: blend_folds.korda_unit(
            data, number, train, test, s, korda, log=echo)) for s in seeds]  # noqa: B023 (called at once)
        infos += [info for _, info in net_units] + [info for _, info in cnn_units]
        validation = blend_folds.validation_split(data, number, train)
        first_test = net_units[0][0]["fresh"]
        net_test = mixture([a["fresh"] for a, _ in net_units])
        net_val = mixture([a["validation"] for a, _ in net_units])
        for s, (arrays, _) in zip(seeds, cnn_units, strict=True):
            for key in keys:
                single[s][key][test] = arrays["test"][key]
        cnn_test = {key: np.mean([a["test"][key] for a, _ in cnn_units], axis=0) for key in keys}
        cnn_val = {key: np.mean([a["validation"][key] for a, _ in cnn_units], axis=0) for key in keys}
        for key in keys:
            spread_test = np.std([a["test"][key] for a, _ in cnn_units], axis=0)
            spread_val = np.std([a["validation"][key] for a, _ in cnn_units], axis=0)
            rows_pred["cnn"][key][test] = cnn_test[key]
            rows_pred["cnn"][f"{key}_sigma"][test] = _scaled_sigma(spread_test, spread_val, cnn_val, data,
                                                                   validation, key)
            rows_pred[NET][key][test] = first_test[key]
            rows_pred[NET][f"{key}_sigma"][test] = first_test[f"{key}_sigma"]
            if network != NET:
                rows_pred[network][key][test] = net_test[key]
                rows_pred[network][f"{key}_sigma"][test] = _scaled_sigma(net_test[f"{key}_sigma"],
                                                                         net_val[f"{key}_sigma"], net_val, data,
                                                                         validation, key)
        weight, scores = choose_weight(net_val, cnn_val, data, validation)
        apart = choose_weights_apart(net_val, cnn_val, data, validation)
        for name, w in ((FIXED, FIXED_WEIGHT), (CHOSEN, weight), (APART, apart)):
            mixed_test, mixed_val = blend(net_test, cnn_test, w), blend(net_val, cnn_val, w)
            for key in keys:
                rows_pred[name][key][test] = mixed_test[key]
                rows_pred[name][f"{key}_sigma"][test] = _scaled_sigma(net_test[f"{key}_sigma"],
                                                                      net_val[f"{key}_sigma"], mixed_val, data,
                                                                      validation, key)
        per_fold.append({"fold": number, "chosen_weight": weight, "validation_scores": scores,
                         "chosen_apart": apart,
                         "cnn_validation_scores": [info["validation_score"] for _, info in cnn_units],
                         "net_validation_scores": [info["validation_score"] for _, info in net_units]})
        echo(f"  fold {number}: w = {weight} chosen on validation (score {scores[weight]:.4f}; {network} alone "
             f"{scores[1.0]:.4f}, CNN ensemble alone {scores[0.0]:.4f}); apart: modal {apart['modal']}, chemistry "
             f"{apart['chemistry']}")
    tested, scored, fold_rows = held_out_frame(data, folds)
    known = np.flatnonzero(tested & data.modal_known)
    rest = known[np.nan_to_num(data.modal[known, 1:3]).sum(axis=1) < PYROXENE_PURE]
    low_ca = low_ca_clinopyroxenes(data)[known]

    def row(method, pred, sigmas=True):
        cell = score_method(scored, pred["modal"][tested], pred["chemistry"][tested],
                            {"modal": pred["modal_sigma"][tested], "chemistry": pred["chemistry_sigma"][tested]}
                            if sigmas else None, fold_rows)
        cell["ordinary_chondrites"] = _oc_scores(data, pred["modal"], pred["chemistry"], np.flatnonzero(tested))
        cell["worst_share"] = round(error_concentration(pred["modal"][known, :3], data.modal[known, :3]), 3)
        squared = np.nansum((pred["modal"][known, :3] - data.modal[known, :3]) ** 2, axis=1)
        cell["low_ca_clinopyroxenes"] = {"n": int(low_ca.sum()),
                                         "error_share": round(float(squared[low_ca].sum() / squared.sum()), 3)}
        cell["olivine_pyroxene_rmse_pp"] = round(100 * rmse_of(olivine_pyroxene(pred["modal"][known]),
                                                              olivine_pyroxene(data.modal[known])), 2)
        cell["without_pure_pyroxenes"] = {"n": len(rest), "modal_rmse_pp": round(100 * rmse_of(
            pred["modal"][rest], data.modal[rest], [0, 1, 2]), 2)}
        return {"method": method, "source": "measured", **cell}

    rows = [{**row(NET, rows_pred[NET]), "net_seeds": [net_seeds[0]]}]
    if network != NET:
        rows.append({**row(network, rows_pred[network]), "net_seeds": list(net_seeds)})
    rows += [{**row(f"Korda et al. 2023 CNN, rebuilt, seed {s}", single[s], sigmas=False), "seeds": [s]}
             for s in seeds]
    rows += [{**row(CNN_ENSEMBLE.format(n=len(seeds)), rows_pred["cnn"]), "seeds": list(seeds)},
             row(FIXED, rows_pred[FIXED]), row(CHOSEN, rows_pred[CHOSEN]), row(APART, rows_pred[APART])]
    singles = [r["subsets"]["all"]["modal_rmse_pp"] for r in rows if len(r.get("seeds", [])) == 1]
    result = {"table": "composition-blend", "quick": quick, "folds": [k + 1 for k in used],
              "of_folds": len(all_folds), "seeds": list(seeds), "net_seeds": list(net_seeds), "network": network,
              "weights": list(WEIGHTS),
              "protocol": (f"RELAB {n} spectra (korda2023), the composition table's {folds_note(used, len(all_folds))}"
                           " grouped by material and its validation splits; CompositionNet: the shipped recipe's "
                           f"member, seeds {list(net_seeds)}; the rebuilt Korda et al. 2023 CNN, seeds {list(seeds)}, "
                           f"and their mean; blends w * {network} + (1 - w) * CNN ensemble; fresh held-out spectra"
                           + (" (quick: 2 folds, 2 seeds, 2 epochs)" if quick else "")),
              "rows": rows, "per_fold": per_fold, "per_unit": infos,
              "cnn_seed_spread_pp": {"mean": round(float(np.mean(singles)), 2), "std": round(float(np.std(singles)), 2),
                                     "range": round(float(np.ptp(singles)), 2)},
              "worst_spectra": {APART: worst_spectra(data, rows_pred[APART]["modal"], known),
                                network: worst_spectra(data, rows_pred[network]["modal"], known)},
              "seconds": round(time.perf_counter() - start, 1)}
    (output / "tablecomposition-blend.json").write_text(json.dumps(result, indent=1))
    return result


def format_composition_blend(result: dict) -> str:
    """The blend table as text."""
    header = (f"{'method':<73} {'all':>6} {'mixt.':>6} {'per fold (all)':>15} {'OC ol/(ol+px)':>14} {'1-sigma':>8} "
              f"{'worst 5%':>9} {'no pure px':>11} {'OL/PX':>6} {'Fa':>5} {'Fs':>5} {'OC Fa':>6} {'OC Fs':>6}   (modal OL/OPX/CPX "
              "RMSE, pp; Fa, Fs of OPX: RMSE, mol%)")
    lines = [f"Composition blend: {result['protocol']}", "", header]
    for row in result["rows"]:
        s, fold = row["subsets"], row["per_fold"]["all"]
        coverage = row.get("coverage_1sigma")
        lines.append(f"{row['method']:<73} {s['all']['modal_rmse_pp']:>6.1f} {s['mixtures']['modal_rmse_pp']:>6.1f} "
                     f"{100 * fold['mean']:>8.1f} +- {100 * fold['std']:<4.1f}"
                     f"{row['ordinary_chondrites']['ol_px_ratio_rmse_pp']:>14.1f} "
                     + (f"{coverage['modal']:>8.3f}" if coverage else f"{'-':>8}") + f" {row['worst_share']:>9.2f}"
                     f" {row['without_pure_pyroxenes']['modal_rmse_pp']:>11.1f} {row['olivine_pyroxene_rmse_pp']:>6.1f}"
                     f" {s['all']['chemistry_pp']['Fa']:>5.1f} {s['all']['chemistry_pp']['Fs_OPX']:>5.1f}"
                     f" {row['ordinary_chondrites']['Fa_rmse_pp']:>6.1f} {row['ordinary_chondrites']['Fs_OPX_rmse_pp']:>6.1f}")
    spread = result["cnn_seed_spread_pp"]
    lines.append(f"spread of the single CNN seeds' RMSE (all): {spread['mean']} +- {spread['std']} "
                 f"(range {spread['range']}) pp")
    lines.append(f"blend = w * {result.get('network', NET)} + (1 - w) * CNN ensemble; w chosen on validation, per "
                 "fold: " + ", ".join(f"fold {f['fold']} {f['chosen_weight']}" for f in result["per_fold"]))
    if all("chosen_apart" in f for f in result["per_fold"]):
        lines.append("w chosen apart on validation, per fold (modal / chemistry): " + ", ".join(
            f"fold {f['fold']} {f['chosen_apart']['modal']} / {f['chosen_apart']['chemistry']}"
            for f in result["per_fold"]))
    low = result["rows"][0]["low_ca_clinopyroxenes"]["n"]
    short = {NET: "CompositionNet", result.get("network", NET): "CompositionEnsemble", FIXED: "blend w = 0.5",
             CHOSEN: "blend w chosen", APART: "blend w apart"}
    lines.append(f"the {low} pure clinopyroxenes with Wo < {LOW_CA_WO} (pigeonite-like) carry, of the squared error: "
                 + ", ".join(f"{short.get(r['method'], r['method'].split(', ')[-1])} "
                             f"{100 * r['low_ca_clinopyroxenes']['error_share']:.0f}%" for r in result["rows"]))
    lines.append("worst 5%: the share of the summed squared OL/OPX/CPX error carried by the worst 5% of the spectra; "
                 f"no pure px: the RMSE without the spectra of OPX + CPX >= {PYROXENE_PURE} "
                 f"(n = {result['rows'][0]['without_pure_pyroxenes']['n']}; a subset by label, not by error); OL/PX: the RMSE of "
                 "[OL, OPX + CPX], blind to an OPX / CPX confusion")
    for method, worst in result["worst_spectra"].items():
        lines += ["", f"The worst spectra of '{method}' (pooled over folds; OL / OPX / CPX / PLG):"]
        for w in worst:
            true = " / ".join(f"{v:.2f}" for v in w["true"].values())
            pred = " / ".join(f"{v:.2f}" for v in w["predicted"].values())
            lines.append(f"  {w['sample']:<14} {w['type'][:34]:<34} true {true}  answer {pred}  "
                         f"(squared error {w['squared_error']:.2f})")
    lines.append(f"({result['seconds']:.0f} s)")
    return "\n".join(lines)

