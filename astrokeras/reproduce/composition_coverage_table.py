"""The composition coverage table (``astrokeras reproduce --table composition-coverage``): what the composition
models answer on the wavelength windows archive files really have, on held-out spectra.

Protocol: the composition table's 5 folds grouped by material and the levers table's validation split of each fold
(:mod:`~astrokeras.reproduce.composition_coverage_folds`: one CompositionNet, the shipped recipe's member with seed
0, and one rebuilt Korda et al. 2023 CNN with seed 0 per fold). The held-out fresh spectra are cut to each window of
:data:`~astrokeras.reproduce.composition_coverage_folds.WINDOWS` and scored with the composition table's scores:

* CompositionNet reads the window through its mask (it was trained on the full grid and on 0.82-2.08 um only);
* the CNN, on the windows that hold 0.55 um, reads the spectrum with its uncovered end bands filled by the nearest
  covered value;
* their blend, ``w * network + (1 - w) * CNN`` with a share for the modal fractions and one for the chemistry chosen
  on the fold's validation split at full coverage (the shipped blend's rule), 1-sigma the network's scaled there.

A second network per fold (:mod:`~astrokeras.reproduce.composition_window_folds`) differs from the first only by
SpeX-window copies in its training spectra (:mod:`~astrokeras.training.composition_windows`); whether they are kept is
decided on the validation splits alone (:func:`spex_decision`), and its held-out rows then say what they cost or gain.
One network's error moves by about 0.4 pp between seeds, as much as the lever's effect, so both networks are trained
again with seed 1 (:mod:`~astrokeras.reproduce.composition_window_seeds`, :data:`EXTRA_SEEDS`) and the rule is also
read over both seeds.

So the table says how far each model falls as the window shrinks, and whether the blend, which the shipped preset
uses only on the full grid, would still help on a spectrum that misses an end by a few bands. One seed per model (two
for the lever): the single models, not the shipped ensembles (the blend table measures those at full coverage).

Run: ``astrokeras reproduce --table composition-coverage [--folds 1 2]`` (about 30 minutes a fold on 2 cores: the
network and the CNN, the network with SpeX-window copies, then both networks with seed 1; each unit is saved as it
finishes and reused).

Example
-------
>>> from astrokeras.reproduce.composition_coverage_table import WINDOWS, CNN_WINDOWS
>>> list(WINDOWS)[0], CNN_WINDOWS
('0.45-2.45', ('0.45-2.45', '0.47-2.45', '0.50-2.40'))
"""

from __future__ import annotations

import json
import logging
import pathlib
import time

import keras
import numpy as np

from astrokeras.reproduce import composition_coverage_folds as coverage_folds
from astrokeras.reproduce import composition_window_folds as window_folds
from astrokeras.reproduce import composition_window_seeds as window_seeds
from astrokeras.reproduce.composition_blend_table import _empty, _scaled_sigma
from astrokeras.reproduce.composition_coverage_folds import CNN_WINDOWS, WINDOWS
from astrokeras.reproduce.composition_levers import _oc_scores
from astrokeras.reproduce.composition_table import (
    held_out_frame,
    numbered_folds,
    score_method,
)
from astrokeras.reproduce.saved_folds import folds_note, table_store
from astrokeras.training.composition import CompositionConfig, rmse_of
from astrokeras.training.composition_blend import blend, choose_weights_apart
from astrokeras.training.korda_baseline import KordaConfig

log = logging.getLogger(__name__)
NET = "CompositionNet (seed 0)"
SPEX = "CompositionNet (seed 0) + SpeX-window copies"
EXTRA_SEEDS = (1,)
SPEX_WINDOWS = ("0.68-2.45", "0.78-2.45", "0.85-2.45")
GUARDED = ("0.45-2.45", "0.82-2.08")
MARGIN = 0.005
CNN = "Korda-style CNN (seed 0), ends filled"
BLEND = "blend, shares chosen apart on validation"
KEYS = ("modal", "chemistry")


def _sigmas(n):
    return {"modal_sigma": np.full((n, 4), np.nan), "chemistry_sigma": np.full((n, 5), np.nan)}


def net_name(seed: int, copies: bool) -> str:
    """The row name of the network of ``seed``, with or without SpeX-window ``copies``.

    >>> net_name(0, False) == NET, net_name(0, True) == SPEX, net_name(1, True)
    (True, True, 'CompositionNet (seed 1) + SpeX-window copies')
    """
    return f"CompositionNet (seed {seed})" + (" + SpeX-window copies" if copies else "")


def _saved_net_on_windows(folder, number: int, data, rows) -> dict:
    """The coverage unit's saved network of fold ``number`` on ``rows`` cut to each window."""
    path = pathlib.Path(folder) / f"{coverage_folds.unit_name(number)}-net.keras"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the coverage table saves its networks beside its units; delete "
                                f"{coverage_folds.unit_name(number)}.npz and .json there to train that fold again")
    return window_folds.window_predictions(keras.saving.load_model(path), data, rows)


def _validation_score(predicted: dict, data, rows) -> float:
    """The composition selection score (modal OL/OPX/CPX RMSE plus chemistry RMSE, fractions) on ``rows``."""
    return (rmse_of(predicted["modal"], data.modal[rows], [0, 1, 2])
            + rmse_of(predicted["chemistry"], data.chemistry[rows]))


def spex_decision(scores: list) -> dict:
    """Whether the SpeX-window copies are kept, from the validation scores alone (``scores``: one record per fold and
    window with the score of :data:`NET` and of :data:`SPEX`). The rule, fixed before the first run: kept when the
    mean over folds of the score, averaged over :data:`SPEX_WINDOWS`, falls by at least :data:`MARGIN` and that of
    each of :data:`GUARDED` (the full grid, NIRS) rises by no more than :data:`MARGIN`.

    >>> rows = [{"window": w, NET: 0.20, SPEX: 0.19 if w in SPEX_WINDOWS else 0.202} for w in WINDOWS]
    >>> d = spex_decision(rows); d["kept"], round(d["gain_spex_windows"], 3), round(d["worst_guarded_rise"], 3)
    (True, 0.01, 0.002)
    """
    means = {window: {method: float(np.mean([r[method] for r in scores if r["window"] == window]))
                      for method in (NET, SPEX)} for window in WINDOWS}
    gain = float(np.mean([means[w][NET] - means[w][SPEX] for w in SPEX_WINDOWS]))
    rise = float(max(means[w][SPEX] - means[w][NET] for w in GUARDED))
    return {"validation": means, "gain_spex_windows": gain, "worst_guarded_rise": rise,
            "kept": bool(gain >= MARGIN and rise <= MARGIN),
            "rule": (f"kept if the mean validation score (modal RMSE + chemistry RMSE) over {', '.join(SPEX_WINDOWS)} "
                     f"um falls by >= {MARGIN} and neither {' nor '.join(GUARDED)} um rises by more than {MARGIN}")}


def _add_pair(pred: dict, scores: list, number: int, seed: int, pair: dict, data, test, validation):
    """Write the held-out answers (fold ``number``) of ``seed``'s networks without (``pair["plain"]``) and with (``pair["spex"]``)
    SpeX-window copies into ``pred``, and their validation scores per window into ``scores``."""
    for window in WINDOWS:
        for name, copies in (("plain", False), ("spex", True)):
            for key in (*KEYS, "modal_sigma", "chemistry_sigma"):
                pred[(net_name(seed, copies), window)][key][test] = pair[name]["net"][window][key]
        scores.append({"fold": number, "seed": seed, "window": window, **{
            label: _validation_score(pair[name]["validation"][window], data, validation)
            for label, name in ((NET, "plain"), (SPEX, "spex"))}})


def run_composition_coverage_table(*, output="outputs", quick: bool = False, only_folds=None,
                                   extra_seeds=EXTRA_SEEDS, echo=log.info) -> dict:
    """The coverage table (see the module docstring), written to ``<output>/tablecomposition-coverage.json``;
    ``quick``: 2 folds, 2 epochs (a pipeline check, not a measurement); ``only_folds``: those folds;
    ``extra_seeds``: the seeds beyond 0 of the SpeX-window lever (both networks, paired units)."""
    start = time.perf_counter()
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    data, all_folds, used, folds = numbered_folds(only_folds, quick)
    member = CompositionConfig(mixtures="none", epochs=2, patience=2, weathering_share=1.0) if quick \
        else coverage_folds.MEMBER
    korda = KordaConfig(epochs=2, patience=2) if quick else KordaConfig()
    store = table_store(output, "composition-coverage", settings={"member": repr(member), "korda": repr(korda),
                                                                  "windows": WINDOWS},
                        module=coverage_folds.__name__, quick=quick)
    echo(f"composition coverage: {len(data)} RELAB spectra, {folds_note(used, len(all_folds))}, windows "
         f"{', '.join(WINDOWS)}; saved units: {store.folder}")
    n = len(data)
    spex_store = table_store(output, "composition-coverage-spex",
                             settings={"member": repr(member), "share": window_folds.SHARE, "windows": WINDOWS},
                             module=window_folds.__name__, quick=quick)
    seeds_store = table_store(output, "composition-coverage-spex-seeds",
                              settings={"member": repr(member), "share": window_folds.SHARE, "windows": WINDOWS},
                              module=window_seeds.__name__, quick=quick)
    nets = tuple(net_name(seed, copies) for seed in (0, *extra_seeds) for copies in (False, True))
    pred = {(model, window): {**_empty(n), **_sigmas(n)} for window in WINDOWS
            for model in ((*nets, CNN, BLEND) if window in CNN_WINDOWS else nets)}
    per_fold, infos, validation_scores = [], [], []
    for number, train, test in folds:
        arrays, info = store.compute(coverage_folds.unit_name(number), lambda: coverage_folds.coverage_unit(
            data, number, train, test, member, korda, folder=store.folder, log=echo))  # noqa: B023 (called at once)
        spex, spex_info = spex_store.compute(window_folds.unit_name(number), lambda: window_folds.window_unit(
            data, number, train, test, member, log=echo))  # noqa: B023 (called at once)
        infos.append({**info, "spex": spex_info})
        validation = coverage_folds.validation_rows(data, number, train)
        plain = {"net": arrays["net"], "validation": _saved_net_on_windows(store.folder, number, data, validation)}
        _add_pair(pred, validation_scores, number, 0, {"plain": plain, "spex": spex}, data, test, validation)
        net_val, cnn_val = arrays["validation"]["net"], arrays["validation"]["cnn"]
        shares = choose_weights_apart(net_val, cnn_val, data, validation)
        blend_val = blend(net_val, cnn_val, shares)
        per_fold.append({"fold": number, "chosen_apart": shares})
        for window in WINDOWS:
            net = arrays["net"][window]
            if window not in CNN_WINDOWS:
                continue
            mixed = blend(net, arrays["cnn"][window], shares)
            for key in KEYS:
                pred[(CNN, window)][key][test] = arrays["cnn"][window][key]
                pred[(BLEND, window)][key][test] = mixed[key]
                pred[(BLEND, window)][f"{key}_sigma"][test] = _scaled_sigma(
                    net[f"{key}_sigma"], net_val[f"{key}_sigma"], blend_val, data, validation, key)
        echo(f"  fold {number}: blend shares chosen on validation: modal {shares['modal']}, chemistry "
             f"{shares['chemistry']}")
    for seed in extra_seeds:
        for number, train, test in folds:
            pair, pair_info = seeds_store.compute(window_seeds.seed_unit_name(number, seed), lambda: (
                window_seeds.paired_unit(data, number, train, test, seed, member, log=echo)))  # noqa: B023
            infos.append({"extra_seed": pair_info})
            _add_pair(pred, validation_scores, number, seed, pair, data, test,
                      coverage_folds.validation_rows(data, number, train))
    tested, scored, fold_rows = held_out_frame(data, folds)
    rows = []
    for (model, window), p in pred.items():
        sigmas = None if model == CNN else {"modal": p["modal_sigma"][tested],
                                            "chemistry": p["chemistry_sigma"][tested]}
        cell = score_method(scored, p["modal"][tested], p["chemistry"][tested], sigmas, fold_rows)
        cell["ordinary_chondrites"] = _oc_scores(data, p["modal"], p["chemistry"], np.flatnonzero(tested))
        rows.append({"method": model, "window": window, "source": "measured", **cell})
    result = {"table": "composition-coverage", "quick": quick, "folds": [k + 1 for k in used],
              "of_folds": len(all_folds), "windows": {k: list(v) for k, v in WINDOWS.items()},
              "protocol": (f"RELAB {n} spectra (korda2023), the composition table's {folds_note(used, len(all_folds))}"
                           " grouped by material and its validation splits; CompositionNet (the shipped recipe's "
                           "member, seed 0) and the rebuilt Korda et al. 2023 CNN (seed 0) per fold; fresh held-out "
                           "spectra cut to each window" + (" (quick: 2 folds, 2 epochs)" if quick else "")),
              "rows": rows, "per_fold": per_fold, "per_unit": infos, "spex_lever": {
                  **spex_decision([r for r in validation_scores if r["seed"] == 0]), "seeds": [0, *extra_seeds],
                  "over_seeds": spex_decision(validation_scores)},
              "seconds": round(time.perf_counter() - start, 1)}
    (output / "tablecomposition-coverage.json").write_text(json.dumps(result, indent=1))
    return result


def format_composition_coverage(result: dict) -> str:
    """The coverage table as text."""
    lines = [f"Composition coverage: {result['protocol']}", "",
             (f"{'window (um)':<11} {'method':<40} {'all':>6} {'mixt.':>6} {'OC ol/(ol+px)':>14} {'Fa':>5} {'Fs':>5} "
              f"{'OC Fa':>6} {'OC Fs':>6} {'1-sigma':>8}   (modal OL/OPX/CPX RMSE, pp; Fa, Fs of OPX: RMSE, mol%)")]
    for row in result["rows"]:
        s, oc, coverage = row["subsets"], row["ordinary_chondrites"], row.get("coverage_1sigma")
        lines.append(f"{row['window']:<11} {row['method']:<40} {s['all']['modal_rmse_pp']:>6.1f} "
                     f"{s['mixtures']['modal_rmse_pp']:>6.1f} {oc['ol_px_ratio_rmse_pp']:>14.1f} "
                     f"{s['all']['chemistry_pp']['Fa']:>5.1f} {s['all']['chemistry_pp']['Fs_OPX']:>5.1f} "
                     f"{oc['Fa_rmse_pp']:>6.1f} {oc['Fs_OPX_rmse_pp']:>6.1f} "
                     + (f"{coverage['modal']:>8.3f}" if coverage else f"{'-':>8}"))
    lines.append("blend shares chosen on each fold's validation split (modal / chemistry): " + ", ".join(
        f"fold {f['fold']} {f['chosen_apart']['modal']} / {f['chosen_apart']['chemistry']}" for f in result["per_fold"]))
    lever = result.get("spex_lever")
    if lever:
        lines.append(f"SpeX-window copies: {lever['rule']}")
        seeds = lever.get("seeds", [0])
        parts = [("seed 0 (the rule as fixed)", lever)] + ([(f"seeds {seeds}", lever["over_seeds"])]
                                                           if len(seeds) > 1 else [])
        for label, part in parts:
            lines.append(f"  {label}, validation score (modal + chemistry RMSE), mean over folds, without / with: "
                         + "; ".join(f"{w} {v[NET]:.4f} / {v[SPEX]:.4f}" for w, v in part["validation"].items()))
            lines.append(f"    gain on the SpeX windows {part['gain_spex_windows']:+.4f}, worst rise on the guarded "
                         f"windows {part['worst_guarded_rise']:+.4f}: the rule says {'keep' if part['kept'] else 'drop'}")
        held = {(r["method"], r["window"]): r["subsets"]["all"]["modal_rmse_pp"] for r in result["rows"]}
        lines.append(f"  held out, modal RMSE all (pp), mean over seeds {seeds}, without / with: " + "; ".join(
            f"{w} {np.mean([held[(net_name(s, False), w)] for s in seeds]):.1f} / "
            f"{np.mean([held[(net_name(s, True), w)] for s in seeds]):.1f}" for w in result["windows"]))
    lines.append(f"({result['seconds']:.0f} s)")
    return "\n".join(lines)
