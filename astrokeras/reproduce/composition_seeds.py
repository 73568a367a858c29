"""How much the shipped composition answer hangs on the seed: the ``composition-net-mineralogy`` recipe trained on
every spectrum with seeds 0-4 (each model saved under ``<output>/folds/composition-seeds/`` and reused), and each
model's Itokawa (mean over the 18,695 Hayabusa NIRS spectra, OL / OPX / CPX renormalised) and Eros (its
ground-based VIS-NIR spectrum) answers; then the same for the mean of the models (an ensemble).

The same seed gives the same model on one machine (bitwise: Keras seeds, NumPy and the tf.data shuffle all follow
``CompositionConfig.seed``; checked by a test), so the spread here is the seed's alone.

Run: ``python -m astrokeras.reproduce.composition_seeds [--seeds 0 1 2 3 4] [--output outputs]``

Example
-------
>>> from astrokeras.reproduce.composition_seeds import spread_of
>>> spread_of([{"OL": 0.6}, {"OL": 0.7}], "OL")
{'mean': 65.0, 'std': 5.0, 'range': 10.0}
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import pathlib
import time

import numpy as np

from astrokeras import datasets
from astrokeras.datasets.relab_composition import VISNIR_GRID, composition_data
from astrokeras.recipes import composition_net_mineralogy
from astrokeras.reproduce.composition_table import _asteroid_inputs, _three
from astrokeras.reproduce.saved_folds import table_store
from astrokeras.training.composition import predict_composition, train_composition_model

SEEDS = (0, 1, 2, 3, 4)
THREE = ("OL", "OPX", "CPX")


def asteroid_outputs(model) -> dict:
    """Itokawa's mean OL / OPX / CPX (renormalised) and Eros's modal and ol/(ol+px), as arrays."""
    itokawa = datasets.load_itokawa()
    out = predict_composition(model, _asteroid_inputs(itokawa.wavelength, itokawa.reflectance, VISNIR_GRID))
    three = _three(out["modal"])
    busdemeo = datasets.load_busdemeo()
    row = int(np.flatnonzero(busdemeo.meta["designation"].astype(str).to_numpy() == "433")[0])
    eros = predict_composition(model, _asteroid_inputs(busdemeo.wavelength, busdemeo.reflectance[row:row + 1],
                                                       VISNIR_GRID))
    return {"itokawa_three": three.mean(axis=0), "itokawa_sigma": out["modal_sigma"][:, :3].mean(axis=0),
            "eros_modal": eros["modal"][0], "eros_sigma": eros["modal_sigma"][0]}


def _answers(arrays) -> dict:
    three = arrays["itokawa_three"]
    eros = arrays["eros_modal"]
    return {"itokawa": {m: round(float(three[k]), 4) for k, m in enumerate(THREE)},
            "eros": {m: round(float(eros[k]), 4) for k, m in enumerate(THREE)},
            "eros_ol_px": round(float(eros[0] / max(eros[:3].sum(), 1e-9)), 4)}


def spread_of(answers: list, key: str) -> dict:
    """Mean, std and max-min of one fraction over the seeds, in percentage points."""
    values = 100 * np.array([a[key] for a in answers])
    return {"mean": round(float(values.mean()), 1), "std": round(float(values.std()), 1),
            "range": round(float(values.max() - values.min()), 1)}


def run_composition_seeds(seeds=SEEDS, output="outputs", log=print) -> dict:
    """Train (or reuse) one model per seed; return each seed's and the ensemble's answers with the spread."""
    config = composition_net_mineralogy.RECIPE.config
    data = composition_data()
    store = table_store(output, "composition-seeds", settings={"config": dataclasses.asdict(config)},
                        module="astrokeras.reproduce.composition_seeds")
    rows, stacked = [], []
    for seed in seeds:
        def work(seed=seed):
            log(f"composition seeds: training seed {seed}")
            model, card = train_composition_model(data, dataclasses.replace(config, seed=seed))
            arrays = asteroid_outputs(model)
            trained = card["training"]
            return arrays, {"seed": seed, "validation_score": trained["validation_score"],
                            "epochs_run": trained["epochs_run"], "best_epoch": trained["best_epoch"]}
        start = time.perf_counter()
        arrays, info = store.compute(f"seed{seed}", work)
        log(f"composition seeds: seed {seed} done ({time.perf_counter() - start:.0f} s)")
        stacked.append(arrays)
        rows.append({"seed": seed, "validation_score": info.get("validation_score"),
                     "best_epoch": info.get("best_epoch"), **_answers(arrays)})
    mean = {k: np.mean([a[k] for a in stacked], axis=0) for k in stacked[0]}
    ensemble = _answers(mean)
    itokawa = [r["itokawa"] for r in rows]
    eros = [r["eros"] for r in rows]
    result = {"table": "composition-seeds", "seeds": list(seeds), "rows": rows, "ensemble": ensemble,
              "spread_pp": {"itokawa": {m: spread_of(itokawa, m) for m in THREE},
                            "eros": {m: spread_of(eros, m) for m in THREE},
                            "eros_ol_px": spread_of(rows, "eros_ol_px")},
              "laboratory_itokawa_pct": {"OL": 75.2, "OPX": 21.5, "CPX": 3.3},
              "recipe": {"mixtures": config.mixtures, "weathering_share": config.weathering_share}}
    path = pathlib.Path(output) / "composition_seeds.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    return result


def format_composition_seeds(result: dict) -> str:
    """The per-seed and ensemble answers as text."""
    recipe = result["recipe"]
    lines = [(f"CompositionNet (recipe, mixtures {recipe['mixtures']}, space-weathering copies "
              f"{recipe.get('weathering_share', 0.0)}) trained on every spectrum with seeds "
              f"{result['seeds']}: Itokawa OL/OPX/CPX (%), Eros OL/OPX/CPX (%) and ol/(ol+px)")]
    for r in result["rows"] + [{"seed": "mean of models", **result["ensemble"]}]:
        lines.append(f"  seed {r['seed']!s:<15} Itokawa " + " / ".join(f"{100 * r['itokawa'][m]:5.1f}" for m in THREE)
                     + "   Eros " + " / ".join(f"{100 * r['eros'][m]:5.1f}" for m in THREE)
                     + f"   ol/(ol+px) {r['eros_ol_px']:.3f}")
    s = result["spread_pp"]
    lines.append("  spread over seeds (std / max-min, pp): Itokawa " + ", ".join(
        f"{m} {s['itokawa'][m]['std']} / {s['itokawa'][m]['range']}" for m in THREE) + "; Eros " + ", ".join(
        f"{m} {s['eros'][m]['std']} / {s['eros'][m]['range']}" for m in THREE)
        + f"; Eros ol/(ol+px) {s['eros_ol_px']['std']} / {s['eros_ol_px']['range']}")
    lab = result["laboratory_itokawa_pct"]
    lines.append(f"  Itokawa returned samples: OL {lab['OL']} / OPX {lab['OPX']} / CPX {lab['CPX']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--output", default="outputs")
    args = parser.parse_args(argv)
    from astrokeras.console import log_to_stderr, quiet_tensorflow

    quiet_tensorflow()
    log_to_stderr()  # each training's per-epoch progress (loss, best epoch, time left)
    print(format_composition_seeds(run_composition_seeds(tuple(args.seeds), args.output)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
