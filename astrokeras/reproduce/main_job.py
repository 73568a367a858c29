"""The main job (``astrokeras reproduce`` / ``make run``): every paper table on honest folds, the presets
re-trained on all the data, their SavedModel and TFLite exports, the Gaia DR3 survey, and a Markdown report.

``quick=True`` trains fewer epochs and fewer methods (a smoke run of the whole pipeline, about ten minutes on
2 cores); its figures are not the measured ones of the README.

Example
-------
``astrokeras reproduce --quick --output outputs/quick`` then read ``outputs/quick/report.md``
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import pathlib
import platform
import time

from astrokeras.export import export_savedmodel, to_tflite
from astrokeras.models import load_preset
from astrokeras.presets import preset_cards
from astrokeras.recipes import RECIPES
from astrokeras.reproduce import albedo_tables
from astrokeras.reproduce.albedo_tables import format_albedo_table
from astrokeras.reproduce.composition_blend_table import (
    format_composition_blend,
    run_composition_blend_table,
)
from astrokeras.reproduce.composition_coverage_table import (
    format_composition_coverage,
    run_composition_coverage_table,
)
from astrokeras.reproduce.composition_ensemble_table import (
    format_composition_ensemble,
    run_composition_ensemble_table,
)
from astrokeras.reproduce.composition_levers import (
    format_composition_levers,
    run_composition_levers,
)
from astrokeras.reproduce.composition_table import (
    format_composition_table,
    run_composition_table,
)
from astrokeras.reproduce.coverage_ensemble_levers import (
    format_coverage_ensemble_levers,
    run_coverage_ensemble_levers,
)
from astrokeras.reproduce.coverage_levers import (
    format_coverage_levers,
    run_coverage_levers,
    write_experts,
)
from astrokeras.reproduce.coverage_table import (
    format_coverage_table,
    run_coverage_table,
)
from astrokeras.reproduce.coverage_training_levers import (
    format_coverage_training_levers,
    run_coverage_training_levers,
)
from astrokeras.reproduce.fine_classes import (
    format_fine_classes_table,
    run_fine_classes_table,
)
from astrokeras.reproduce.fine_classes import write_models as write_fine_class_models
from astrokeras.reproduce.presets import preset_code_modules, train_presets
from astrokeras.reproduce.results_page import TITLES, saved_compute, write_results_page
from astrokeras.reproduce.saved_folds import code_key, table_store
from astrokeras.reproduce.settings_table import (
    format_settings_table,
    run_settings_table,
)
from astrokeras.reproduce.taxonomy_tables import format_table, run_table, run_table11
from astrokeras.reproduce.unmixing_tables import (
    format_unmixing_table,
    run_unmixing_table,
)
from astrokeras.survey.gaia import format_survey, survey_gaia

log = logging.getLogger(__name__)

ALBEDO_TABLES = albedo_tables.TABLES
UNMIXING_TABLES = ("8", "korda", "12")
ALL_TABLES = tuple(TITLES)  # every table, in the order the main job runs them


def run_tables(tables, *, quick=False, ensemble=1, output="outputs", methods=None, folds=None):
    """Yield the result of each table in ``tables`` as it finishes (9, 10 and 13 share one run). Every fold is
    saved under ``<output>/folds/`` and reused when nothing changed; ``folds`` (numbered from 1, e.g. ``(4, 5)``):
    the fold tables (coverage, coverage-training, coverage-ensemble, fine-classes, composition, composition-levers,
    composition-ensemble, composition-blend, composition-coverage, 5, 7, 9, 10, 13, albedo-visible) run and print those folds only."""
    warm_code_keys()
    done = set()
    for table in tables:
        if table in done:
            continue
        if table in ALBEDO_TABLES:
            wanted = [t for t in tables if t in ALBEDO_TABLES]
            batch = albedo_tables.run_tables(wanted, quick=quick, output=output, only_folds=folds)
        elif table == "11":
            batch = [run_table11(quick=quick, output=output)]
        elif table in UNMIXING_TABLES:
            batch = [_whole_table(output, table, "astrokeras.reproduce.unmixing_tables", quick,
                                  lambda: run_unmixing_table(table, quick=quick, output=output))]
        elif table == "coverage":
            batch = [run_coverage_table(quick=quick, output=output, only_folds=folds)]
        elif table == "coverage-levers":
            batch = [run_coverage_levers(output=output, quick=quick)]
        elif table == "coverage-training":
            batch = [run_coverage_training_levers(output=output, quick=quick, only_folds=folds)]
        elif table == "coverage-ensemble":
            batch = [run_coverage_ensemble_levers(output=output, quick=quick, only_folds=folds)]
        elif table == "fine-classes":
            batch = [run_fine_classes_table(quick=quick, output=output, only_folds=folds)]
        elif table == "settings":
            batch = [_whole_table(output, table, "astrokeras.reproduce.settings_table", quick,
                                  lambda: run_settings_table(quick=quick, output=output))]
        elif table == "composition":
            batch = [run_composition_table(quick=quick, output=output, log=log.info, only_folds=folds)]
        elif table == "composition-levers":
            batch = [run_composition_levers(output=output, quick=quick, only_folds=folds)]
        elif table == "composition-ensemble":
            batch = [run_composition_ensemble_table(output=output, quick=quick, only_folds=folds)]
        elif table == "composition-blend":
            batch = [run_composition_blend_table(output=output, quick=quick, only_folds=folds)]
        elif table == "composition-coverage":
            batch = [run_composition_coverage_table(output=output, quick=quick, only_folds=folds)]
        else:
            batch = [run_table(table, quick=quick, ensemble=ensemble, output=output, methods=methods,
                               only_folds=folds)]
        for result in batch:
            done.add(result["table"])
            yield result


TABLE_MODULES = ("astrokeras.reproduce.settings_table", "astrokeras.reproduce.coverage_table",
                 "astrokeras.reproduce.fine_classes", "astrokeras.reproduce.coverage_levers",
                 "astrokeras.reproduce.coverage_training_levers", "astrokeras.reproduce.coverage_ensemble_levers",
                 "astrokeras.reproduce.composition_table", "astrokeras.reproduce.composition_lever_folds",
                 "astrokeras.reproduce.composition_ensemble_folds", "astrokeras.training.composition_ensemble",
                 "astrokeras.reproduce.composition_blend_folds", "astrokeras.reproduce.composition_coverage_folds",
                 "astrokeras.reproduce.taxonomy_tables",
                 "astrokeras.reproduce.albedo_tables", "astrokeras.reproduce.unmixing_tables")


def warm_code_keys() -> None:
    """Read the code key of every table and preset now, when the run starts (see
    :func:`~astrokeras.reproduce.saved_folds.code_key`)."""
    for module in TABLE_MODULES:
        code_key((module,))
    for name in RECIPES:
        code_key(preset_code_modules(name))


def _whole_table(output, table: str, module: str, quick: bool, run) -> dict:
    """A table without folds (settings, 8, korda, 12), saved whole under ``<output>/folds/<table>/`` and read back
    when its settings, data and code are unchanged (its JSON is written again either way)."""
    store = table_store(output, f"table{table}", settings={"table": table}, module=module, quick=quick)
    _, result = store.compute("table", lambda: ({}, run()))
    path = pathlib.Path(output) / f"table{table}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    return result


def format_result(result: dict) -> str:
    """The text table of any reproduced table."""
    if result["table"] in ALBEDO_TABLES:
        return format_albedo_table(result)
    if result["table"] in UNMIXING_TABLES:
        return format_unmixing_table(result)
    if result["table"] == "coverage":
        return format_coverage_table(result)
    if result["table"] == "settings":
        return format_settings_table(result)
    if result["table"] == "coverage-levers":
        return format_coverage_levers(result)
    if result["table"] == "coverage-training":
        return format_coverage_training_levers(result)
    if result["table"] == "coverage-ensemble":
        return format_coverage_ensemble_levers(result)
    if result["table"] == "fine-classes":
        return format_fine_classes_table(result)
    if result["table"] == "composition":
        return format_composition_table(result)
    if result["table"] == "composition-levers":
        return format_composition_levers(result)
    if result["table"] == "composition-ensemble":
        return format_composition_ensemble(result)
    if result["table"] == "composition-blend":
        return format_composition_blend(result)
    if result["table"] == "composition-coverage":
        return format_composition_coverage(result)
    return format_table(result)


def write_results(output, path=None, *, quick=False) -> pathlib.Path:
    """The results page (:mod:`astrokeras.reproduce.results_page`) of every table whose JSON is in ``output``."""
    return write_results_page(output, path or pathlib.Path(output) / "results.md", tables=ALL_TABLES,
                              format_result=format_result, quick=quick)


def export_presets(presets_dir, output) -> list:
    """SavedModel + TFLite (float32, dynamic-range) of every preset in ``presets_dir``; returns their sizes."""
    rows = []
    for name, card in preset_cards(presets_dir).items():
        model, _ = load_preset(name, presets_dir)
        saved = export_savedmodel(model, pathlib.Path(output) / name / "savedmodel" / "1")
        row = {"preset": name, "keras_bytes": card["bytes"],
               "savedmodel_bytes": sum(f.stat().st_size for f in saved.rglob("*") if f.is_file())}
        for quantize in ("none", "dynamic"):
            content = to_tflite(saved, quantize)
            (pathlib.Path(output) / name / f"model_{quantize}.tflite").write_bytes(content)
            row[f"tflite_{quantize}_bytes"] = len(content)
        rows.append(row)
        log.info(f"  exported {name}: SavedModel {row['savedmodel_bytes'] / 1024:.0f} KiB, TFLite float32 "
            f"{row['tflite_none_bytes'] / 1024:.0f} KiB, dynamic {row['tflite_dynamic_bytes'] / 1024:.0f} KiB")
    return rows


def write_report(path, *, results, presets, exports, survey, seconds, quick) -> pathlib.Path:
    """The Markdown report of a main-job run."""
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# astrokeras reproduce{' --quick' if quick else ''}", "",
             f"{when}; {os.cpu_count()} CPU(s), {platform.machine()}, Python {platform.python_version()}; "
             f"{seconds['total'] / 60:.1f} min in all" + (" (quick: fewer epochs and methods; not the measured "
                                                          "figures)" if quick else "") + ".", "",
             "Every figure comes from spectra the model never saw (5 stratified folds, seed 0, the same for every "
             "method; augmentation inside the training part only).", "", "## Tables", ""]
    for result in results:
        lines += [f"### Table {result['table']}", "", "```text", format_result(result), "```", ""]
        if result.get("figure"):
            lines += [f"![Table {result['table']}]({pathlib.Path(result['figure']).name})", ""]
    lines += ["## Presets (trained on all the data; metrics from the folds above)", "",
              "| preset | answers | bytes | metrics |", "|---|---|---|---|"]
    for name, card in presets.items():
        metrics = card.get("metrics") or {}
        shown = ", ".join(f"{k} {v}" for k, v in metrics.items() if k in ("acc", "ap", "mae", "rmse", "from"))
        lines.append(f"| {name} | {card['answers']} | {card['bytes']} | {shown or '-'} |")
    lines += ["", "## Exports", "", "| preset | .keras | SavedModel | TFLite float32 | TFLite dynamic |",
              "|---|---|---|---|---|"]
    lines += [f"| {r['preset']} | {r['keras_bytes']} | {r['savedmodel_bytes']} | {r['tflite_none_bytes']} | "
              f"{r['tflite_dynamic_bytes']} |" for r in exports]
    if survey:
        lines += ["", "## Gaia DR3 survey", "", "```text", format_survey(survey), "```", "",
                  "![class fractions](gaia/gaia_class_fractions.png)", ""]
    lines += ["", "## Seconds per stage", "",
              "This run's seconds, and the compute its saved folds hold (summed over the runs that filled them).", "",
              "| stage | s (this run) | s (saved folds) |", "|---|---|---|"]
    for stage, value in seconds.items():
        tables = [t for t in stage.replace("table ", "").replace("tables ", "").split()] if "table" in stage else []
        saved = sum(saved_compute(pathlib.Path(path).parent, t, quick)[0] for t in tables) if tables else None
        lines.append(f"| {stage} | {value:.0f} | {'-' if saved is None else f'{saved:.0f}'} |")
    path = pathlib.Path(path)
    path.write_text("\n".join(lines) + "\n")
    return path


def main_job(output="outputs", *, quick=False, ensemble=1, echo=print, results_page=None) -> dict:
    """Run everything; returns ``{"results", "presets", "exports", "survey", "seconds", "report"}``. Every table
    reuses its saved folds (``<output>/folds/``), the presets their saved training; ``results_page``: where the
    page of every table goes (default ``<output>/results.md``; ``make run`` writes ``docs/results.md``)."""
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    seconds, start = {}, time.perf_counter()
    results, t = [], time.perf_counter()
    for result in run_tables(ALL_TABLES, quick=quick, ensemble=ensemble, output=output):
        results.append(result)
        took, t = time.perf_counter() - t, time.perf_counter()  # this run's wall time (a reused table: seconds)
        if result["table"] not in ("10", "13"):  # 9, 10 and 13 share one albedo run: count its seconds once
            seconds["tables 9 10 13" if result["table"] == "9" else f"table {result['table']}"] = took
        echo(format_result(result) + "\n")
        write_results(output, results_page, quick=quick)  # after every table: a run cut short still leaves a page
    t = time.perf_counter()
    log.info("Presets: re-training on all the data")
    presets = train_presets(output / "presets", quick=quick, metrics_from=output, saved=output)
    write_fine_class_models(output / "presets" / "fine-classes.json")
    try:  # the experts' choice needs the levers table on every fold of the coverage table
        write_experts(output, output / "presets" / "coverage-experts.json")
    except RuntimeError as error:
        log.info(f"Coverage experts not written: {error}")
    seconds["presets"] = time.perf_counter() - t
    t = time.perf_counter()
    exports = export_presets(output / "presets", output / "exports")
    seconds["exports"] = time.perf_counter() - t
    t = time.perf_counter()
    survey = survey_gaia(output / "gaia", presets=output / "presets")
    seconds["gaia survey"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - start
    report = write_report(output / "report.md", results=results, presets=presets, exports=exports, survey=survey,
                          seconds=seconds, quick=quick)
    (output / "main_job.json").write_text(json.dumps({"seconds": seconds, "exports": exports, "quick": quick},
                                                     indent=1))
    page = write_results(output, results_page, quick=quick)
    echo(f"report: {report} ({seconds['total'] / 60:.1f} min); every table: {page}")
    return {"results": results, "presets": presets, "exports": exports, "survey": survey, "seconds": seconds,
            "report": str(report)}
