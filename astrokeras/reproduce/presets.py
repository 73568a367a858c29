"""Re-create the pretrained models that ship with the package (``astrokeras train presets``) from their recipes.

Each preset is its recipe (``training/<name>.py``) trained on every labelled spectrum of its data set (early
stopping on a validation share carved from them), saved small with a float32 TFLite copy. Its card carries honest
metrics: the cross-validated figures of ``astrokeras reproduce`` (read from ``metrics_from``, the folder of the
table JSONs). A preset's own training data never scores it.

Example
-------
``astrokeras train presets --metrics-from outputs`` (about 20 minutes on 2 cores; ``--quick``: about 3)
"""

from __future__ import annotations

import datetime
import json
import logging
import pathlib

from astrokeras.datasets.fetching import sha256_of
from astrokeras.export.preset_files import save_small
from astrokeras.presets import CARDS_FILE, PRETRAINED_DIR
from astrokeras.recipes import RECIPE_MODULES, RECIPES
from astrokeras.reproduce.saved_folds import table_store

log = logging.getLogger(__name__)

# Where each preset's honest metrics come from: (table, method row) of the reproduce JSONs.
METRIC_SOURCES = {"asc-net-visible-4class": ("5", "ASC-Net"), "asc-net-visnir-11class": ("7", "ASC-Net"),
                  "aae-net-albedo": ("9", "AAE-Net (log10, NLL)"),
                  "aae-net-albedo-visible": ("albedo-visible", "AAE-Net (log10, NLL)"),
                  "ae-trans-olivine-pyroxene": ("korda", "AE-trans (trained on Simulated1)"),
                  # the blend, measured with a CompositionEnsemble of the recipe's seeds 0-4, as the preset has
                  "composition-net-mineralogy": ("composition-blend",
                                                 "blend, w for modal and for chemistry chosen apart on validation")}


# the composition coverage table's rows behind the composition preset's accuracy by wavelength window
WINDOW_SOURCES = {"composition-net-mineralogy": "composition-coverage"}


def window_metrics(directory, table: str = "composition-coverage") -> dict | None:
    """``{window: accuracy}`` from the composition coverage table's JSON in ``directory`` (None when absent or run
    on some folds only): per window, the row of the model the blend preset answers with there (the blend where the
    window covers its core, the network elsewhere), its modal RMSE (all, true mixtures), Fa RMSE and 1-sigma
    coverage, and the method named."""
    if directory is None or not (path := pathlib.Path(directory) / f"table{table}.json").exists():
        return None
    found = json.loads(path.read_text())
    if len(found.get("folds", [])) != found.get("of_folds"):
        return None
    from astrokeras.reproduce.composition_coverage_table import BLEND, NET
    from astrokeras.training.composition_blend import CORE_UM

    out = {}
    for window, (start, stop) in found["windows"].items():
        method = BLEND if start <= CORE_UM[0] + 1e-6 and stop >= CORE_UM[1] - 1e-6 else NET
        row = next(r for r in found["rows"] if r["window"] == window and r["method"] == method)
        s = row["subsets"]
        out[window] = {"method": method, "modal_rmse_pp": s["all"]["modal_rmse_pp"],
                       "mixtures_modal_rmse_pp": s["mixtures"]["modal_rmse_pp"],
                       "Fa_rmse_mol_pct": s["all"]["chemistry_pp"]["Fa"],
                       "coverage_1sigma": (row.get("coverage_1sigma") or {}).get("modal"),
                       "from": f"table {table}, {found['protocol']}"}
    return out


def refresh_metrics(directory, metrics_from) -> dict:
    """Update the presets' metrics in ``directory/presets.json`` from the table JSONs in ``metrics_from``
    (after a later reproduce run) without re-training; returns the cards."""
    path = pathlib.Path(directory) / CARDS_FILE
    cards = json.loads(path.read_text())
    for name, (table, method) in METRIC_SOURCES.items():
        row = table_row(metrics_from, table, method)
        if name in cards and row is not None:
            cards[name]["metrics"] = row
    for name, table in WINDOW_SOURCES.items():
        found = window_metrics(metrics_from, table)
        if name in cards and found is not None:
            cards[name]["window_metrics"] = found
    path.write_text(json.dumps(cards, indent=1))
    return cards


def table_row(directory, table, method):
    """The measured row of ``method`` in ``table<N>.json`` under ``directory`` (None when absent)."""
    if directory is None:
        return None
    path = pathlib.Path(directory) / f"table{table}.json"
    if not path.exists():
        path = path.with_name(f"{table}.json")  # the composition table writes composition.json
    if not path.exists():
        return None
    table_json = json.loads(path.read_text())
    if len(table_json.get("folds", [])) != table_json.get("of_folds", len(table_json.get("folds", []))):
        return None  # a run of some folds only (--folds) is no preset metric
    for row in table_json["rows"]:
        if row.get("method") == method and row.get("source") == "measured":
            return {k: v for k, v in row.items() if k not in ("method", "source")} | {"from": f"table {table}"}
    return None


def member_store(recipe, saved, quick: bool) -> dict:
    """``{"store": ...}`` for an ensemble recipe given the main job's output folder ``saved``: its members' weights
    are kept under ``<saved>/folds/composition-ensemble/`` as each finishes, keyed by the ensemble's training code;
    ``{}`` otherwise."""
    if saved is None or not hasattr(recipe, "seeds"):
        return {}
    return {"store": table_store(saved, "composition-ensemble", settings={"recipe": recipe.name}, quick=quick,
                                 module="astrokeras.training.composition_ensemble")}


def preset_code_modules(name: str) -> tuple:
    """The modules whose code makes preset ``name``: its recipe (with everything it imports), how presets are
    saved small, and this module."""
    return (RECIPE_MODULES[name], "astrokeras.export.preset_files", __name__)


def train_presets(output=PRETRAINED_DIR, *, quick: bool = False, metrics_from=None, only=None,
                  saved=None) -> dict:
    """Train the presets (all, or the names in ``only``) into ``output`` and update its ``presets.json``.

    ``saved``: the main job's output folder; each preset's training is recorded under its ``folds/presets/`` with its
    key
    (its recipe's code and everything it imports, the data, the libraries); a preset whose file is in ``output``
    and whose key matches is not trained again (its metrics are still refreshed from ``metrics_from``)."""
    unknown = sorted(set(only or ()) - set(RECIPES))
    if unknown:
        raise ValueError(f"unknown preset(s) {unknown}; known: {sorted(RECIPES)}")
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    cards_path = output / CARDS_FILE
    cards = json.loads(cards_path.read_text()) if cards_path.exists() else {}
    for name, recipe in RECIPES.items():
        if only is not None and name not in only:
            continue
        store = None if saved is None else table_store(saved, "presets", settings={"preset": name}, quick=quick,
                                                       module=preset_code_modules(name))
        found = store.load(name) if store is not None and (output / f"{name}.keras").exists() else None
        if found is not None and found[1].get("sha256") != sha256_of(output / f"{name}.keras"):
            found = None  # the file was replaced since (e.g. by `astrokeras train presets --quick`)
        if found is not None and name in cards:
            log.info(f"{name}: reused ({output / (name + '.keras')}, trained {store.info(name)['finished']})")
            card = cards[name]
        else:
            log.info(f"{name}: training its recipe ({recipe.training_data})")
            model, card = recipe.train(quick=quick, **member_store(recipe, saved, quick))
            card = {"name": name, "file": f"{name}.keras", "tflite": f"{name}.tflite",
                    "date": datetime.date.today().isoformat(), **card}
            card["bytes"] = save_small(model, output / card["file"])
            if store is not None:
                store.save(name, {}, {"bytes": card["bytes"], "sha256": sha256_of(output / card["file"])},
                           seconds=card["seconds"])
            log.info(f"  {name}: {card['bytes'] / 1024:.0f} KiB, {card['seconds']:.0f} s")
        card["metrics"] = table_row(metrics_from, *METRIC_SOURCES[name]) if name in METRIC_SOURCES else None
        if name in WINDOW_SOURCES:
            card["window_metrics"] = window_metrics(metrics_from, WINDOW_SOURCES[name])
        cards[name] = card
        cards_path.write_text(json.dumps(cards, indent=1))
    return cards
