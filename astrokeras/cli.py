"""The ``astrokeras`` command line.

The top of the import layers: it may use every part of the package. Each command imports what it needs when it
runs (not at start-up), so ``astrokeras analyze`` starts without loading TensorFlow.

Example
-------
``astrokeras data info`` prints every data set with counts and where it was found; ``--json`` for scripts.
``astrokeras reproduce --table 5 --json`` runs the paper's Table 5 on honest folds (progress on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys

from astrokeras.console import log_to_stderr, quiet_tensorflow
from astrokeras.train_options import add_train_arguments

USAGE_ERROR = 2


def _data_info(args) -> int:
    from astrokeras.datasets.info import dataset_summaries, format_summary

    rows = []
    for row in dataset_summaries():
        rows.append(row)
        if not args.json:
            print(format_summary(row), flush=True)
    if args.json:
        print(json.dumps({"datasets": rows}, indent=1))
    return 0


def _reproduce(args) -> int:
    from astrokeras.reproduce.main_job import (
        format_result,
        main_job,
        run_tables,
        write_results,
    )

    args.output = args.output or ("outputs/quick" if args.quick else "outputs")

    if args.folds and not args.table:
        args.parser.error("--folds works with --table (e.g. --table coverage --folds 4 5)")
    if not args.table and not args.methods:
        # The main job: every table, presets, exports, the Gaia survey, report.md.
        job = main_job(args.output, quick=args.quick, ensemble=args.ensemble,
                       echo=(lambda text: None) if args.json else print, results_page=_results_path(args))
        if args.json:
            print(json.dumps({"tables": job["results"], "seconds": job["seconds"], "report": job["report"]},
                             indent=1))
        return 0
    if args.methods and not args.table:
        args.parser.error("--methods needs --table 5 or --table 7")
    results = []
    for result in run_tables(args.table, quick=args.quick, ensemble=args.ensemble, output=args.output,
                             methods=args.methods, folds=args.folds):
        results.append(result)
        if not args.json:
            print(format_result(result) + "\n", flush=True)
    write_results(args.output, _results_path(args), quick=args.quick)
    if args.json:
        print(json.dumps(results[0] if len(results) == 1 else {"tables": results}, indent=1))
    return 0


def _results_path(args):
    """``--results`` (e.g. docs/results.md), except for a quick run, whose page stays in its output folder."""
    if args.results and args.quick:
        logging.getLogger("astrokeras").info(f"--quick: the results page goes to {args.output}/results.md, not "
                                             f"{args.results} (a smoke run never replaces measured figures)")
        return None
    return args.results


def _train(args) -> int:
    if args.name == "presets":
        from astrokeras.presets import PRETRAINED_DIR
        from astrokeras.reproduce.presets import refresh_metrics, train_presets

        if args.metrics_only:
            if not args.metrics_from:
                args.parser.error("train presets --metrics-only needs --metrics-from DIR")
            cards = refresh_metrics(args.output or PRETRAINED_DIR, args.metrics_from)
            print(json.dumps({name: card.get("metrics") for name, card in cards.items()}, indent=1))
            return 0
        cards = train_presets(args.output or PRETRAINED_DIR, quick=args.quick, metrics_from=args.metrics_from,
                              only=args.only)
        print(f"presets in {args.output or PRETRAINED_DIR}: {', '.join(sorted(cards))}")
        return 0
    from astrokeras.recipes import RECIPES
    from astrokeras.training.recipes import train_from_arguments

    if args.name not in RECIPES:
        args.parser.error(f"unknown recipe {args.name!r}: give 'presets' or one of {', '.join(sorted(RECIPES))}")
    if not args.output:
        args.parser.error(f"train {args.name}: --output MODEL.keras is required")
    path = train_from_arguments(RECIPES[args.name], args)
    print(f"saved {path} (and {path.with_suffix('.json')})")
    return 0


def _preset_named(name: str, presets_dir=None) -> str | None:
    """The preset that ``name`` names: a preset name, or the path of a preset's own ``.keras`` file; else None."""
    import pathlib

    from astrokeras.presets import preset_cards, preset_path

    cards = preset_cards(presets_dir)
    if name in cards:
        return name
    path = pathlib.Path(name)
    for preset in cards:
        known = preset_path(preset, presets_dir)
        if path.name == known.name and path.resolve() == known.resolve():
            return preset
    return None


def _export(args) -> int:
    import pathlib

    if args.serving:
        from astrokeras.export.serving import write_serving_layout

        if args.models or args.to or args.report:
            args.parser.error("--serving DIR exports the shipped presets: give no MODEL, --to or --report with it")
        layout = write_serving_layout(args.presets, args.serving, chain=args.chain, overwrite=args.overwrite)
        print(json.dumps(layout, indent=1, default=str) if args.json else
              f"wrote the TF Serving layout in {args.serving} (serve it: docker compose -f export/docker-compose.yml up)")
        return 0
    if not args.models:
        args.parser.error("give a MODEL.keras or PRESET (or 'aae-net' / 'ae-trans' with --report), or --serving DIR")
    if args.report:
        from astrokeras.export.parity import (
            format_report,
            parity_report,
            train_heldout_regressor,
        )

        reports = []
        for model in args.models:
            preset = _preset_named(model, args.presets)
            if preset:  # a shipped preset: every variant against the Keras preset on real spectra
                from astrokeras.export.preset_report import (
                    format_preset_report,
                    preset_report,
                )

                report = preset_report(preset, pathlib.Path(args.output) / preset, args.presets,
                                       echo=lambda line: print(line, file=sys.stderr, flush=True))
                reports.append(report)
                if not args.json:
                    print(format_preset_report(report) + "\n", flush=True)
                continue
            if model in ("aae-net", "ae-trans"):  # train the held-out model first
                path = pathlib.Path(args.output) / f"{model.replace('-', '_')}_heldout.keras"
                model = train_heldout_regressor(model, path, quick=args.quick)
            elif not pathlib.Path(model).with_suffix(".json").is_file():
                args.parser.error(f"--report: {model} needs its card {pathlib.Path(model).with_suffix('.json')} "
                                  "(written by `astrokeras train <recipe> --holdout-fold K`), or give 'aae-net' / "
                                  "'ae-trans'")
            report = parity_report(model, pathlib.Path(args.output) / pathlib.Path(model).stem)
            reports.append(report)
            if not args.json:
                print(format_report(report) + "\n", flush=True)
        if args.json:
            print(json.dumps(reports[0] if len(reports) == 1 else {"reports": reports}, indent=1))
        return 0
    from astrokeras.export import export_savedmodel, to_tflite
    from astrokeras.export.parity import training_spectra
    from astrokeras.models.preset_model import load_keras_file
    from astrokeras.presets import preset_cards, preset_path

    if len(args.models) != 1 or not args.to:
        args.parser.error("give one MODEL.keras or PRESET and --to savedmodel|tflite (or --report)")
    preset = _preset_named(args.models[0], args.presets)
    model_path = preset_path(preset, args.presets) if preset else pathlib.Path(args.models[0])
    if not model_path.is_file():
        args.parser.error(f"{args.models[0]}: no such file and no such preset (presets: "
                          f"{', '.join(sorted(preset_cards(args.presets)))})")
    if not preset and args.quantize == "int8" and not model_path.with_suffix(".json").is_file():
        args.parser.error(f"{model_path}: int8 needs the model's card {model_path.with_suffix('.json')} (its recipe "
                          "names the calibration spectra), or give a preset name")
    if args.grid:
        if not preset:
            args.parser.error("--grid needs a preset name (coverage-net-taxonomy or composition-net-mineralogy)")
        if args.to != "tflite":
            args.parser.error("--grid writes a TFLite file: give --to tflite")
        from astrokeras.export.instrument_grid import export_fixed_grid

        print(f"{preset} on {args.grid}: converting and checking on real spectra (about 20 s)", file=sys.stderr,
              flush=True)
        try:
            card = export_fixed_grid(preset, args.grid, args.quantize, pathlib.Path(args.output) / preset,
                                     args.presets, args.tables)
        except ValueError as error:
            args.parser.error(str(error))
        print(json.dumps(card, indent=1) if args.json else
              f"wrote {pathlib.Path(args.output) / preset / card['file']} ({card['bytes']} bytes; input: "
              f"{len(card['input']['wavelengths_um'])} reflectances, covering {card['covered_bands']} of the grid)\n"
              f"against encode + the Keras preset: {card['agreement_with_keras']}\n"
              f"held-out accuracy at this coverage: {card['accuracy_at_coverage']}\n"
              f"peak memory of one call: {card['peak_memory_kib']:.0f} KiB")
        return 0
    model = load_keras_file(str(model_path))
    target = pathlib.Path(args.output) / model_path.stem
    if args.to == "tflite" and args.quantize == "int8":  # keeps masked scores and logs in an int8 range
        from astrokeras.export.int8_form import int8_form

        model = int8_form(model)
    saved = export_savedmodel(model, target / "savedmodel" / "1")
    if args.to == "savedmodel":
        print(f"wrote {saved} (serve {target / 'savedmodel'} with TF Serving; signature serving_default)")
        return 0
    representative = None
    if args.quantize == "int8" and preset:
        from astrokeras.export.preset_inputs import preset_inputs

        representative = preset_inputs(preset, args.presets)
        if len(representative) == 1:
            representative = representative["spectrum"]
    elif args.quantize == "int8":
        representative = training_spectra(json.loads(model_path.with_suffix(".json").read_text()))
    path = target / f"model_{args.quantize}.tflite"
    path.write_bytes(to_tflite(saved, args.quantize, representative))
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    if preset:
        from astrokeras.export.preset_inputs import agreement_warning, preset_agreement

        found = preset_agreement(preset, path.read_bytes(), args.presets)
        print("against the Keras preset on real spectra: " + ", ".join(f"{k} {v}" for k, v in found.items()))
        warning = agreement_warning(found)
        if warning:
            print(f"WARNING: {warning}", file=sys.stderr)
    return 0


def _analyze(args) -> int:
    import pathlib

    from astrokeras.analysis import analyze, analyze_file, format_analysis
    from astrokeras.presets import PresetError
    from astrokeras.spectra import SpectrumError

    if not args.files and not args.asteroid:
        args.parser.error("give spectrum FILEs or --asteroid DESIGNATION")
    from astrokeras.datasets import DataIntegrityError, DataUnavailableError

    entries, results, failed = [], [], 0
    for path in [*_expand_folders(args.files), *[f"asteroid:{a}" for a in args.asteroid or []]]:
        try:
            with contextlib.redirect_stdout(sys.stderr):  # stdout carries the results only (no "Downloading...")
                if path.startswith("asteroid:"):
                    from astrokeras.catalogue import catalogue_spectrum

                    result = analyze(None, catalogue_spectrum(path.split(":", 1)[1], args.source),
                                     presets=args.presets)
                    path = path.split(":", 1)[1].replace(" ", "_")
                else:
                    result = analyze_file(path, args.unit, presets=args.presets)
        except (SpectrumError, PresetError, DataUnavailableError, DataIntegrityError) as error:
            print(f"astrokeras: error: {error}", file=sys.stderr)
            entries.append({"file": path.removeprefix("asteroid:"), "error": str(error)})
            failed += 1
            continue
        except Exception as error:  # a bug of ours: say so, and go on with the other files
            message = (f"{path}: unexpected {type(error).__name__}: {error} (a bug in astrokeras: please report it "
                       "with the file)")
            print(f"astrokeras: error: {message}", file=sys.stderr)
            entries.append({"file": path.removeprefix("asteroid:"), "error": message})
            failed += 1
            continue
        results.append(result)
        entries.append({"file": path, **result.to_dict()})
        if args.plot:
            from astrokeras.analysis_plot import analysis_png

            figure = analysis_png(result, pathlib.Path(args.plot) / f"{pathlib.Path(path).stem}.png")
            print(f"wrote {figure}", file=sys.stderr)
        if not (args.json or args.csv):
            print(format_analysis(result) + "\n", flush=True)
    if args.json:
        print(json.dumps(entries, indent=1, allow_nan=False))
    if args.csv:
        _print_csv(results)
    return 2 if failed else 0


def _expand_folders(paths) -> list:
    """Each folder among ``paths`` replaced by the files inside it, at any depth, sorted (hidden ones skipped)."""
    import pathlib

    out = []
    for path in paths:
        folder = pathlib.Path(path)
        if folder.is_dir():
            inside = sorted(str(f) for f in folder.rglob("*") if f.is_file() and not any(
                part.startswith(".") for part in f.relative_to(folder).parts))
            if not inside:
                print(f"astrokeras: warning: {folder}: an empty folder", file=sys.stderr)
            out += inside
        else:
            out.append(path)
    return out


BAND_COLUMNS = ("band_i_centre_um", "band_ii_centre_um", "bar", "gaffey_subtypes", "dunn_ol_px")

ANALOGUE_COLUMNS = ("analogue_scheme", "analogue", "analogue_probability", "analogue_probabilities")


def _analogue_cells(analogue: dict | None) -> list:
    """The meteorite analogue in :data:`ANALOGUE_COLUMNS` (probabilities as ``H:0.04 L:0.25 LL:0.71``)."""
    if not analogue or analogue["class"] is None:
        return [analogue["scheme"] if analogue else "", "", "", ""]
    p = analogue["probabilities"]
    return [analogue["scheme"], analogue["class"], p[analogue["class"]], " ".join(f"{c}:{v}" for c, v in p.items())]


def _print_csv(results) -> None:
    import csv

    writer = csv.writer(sys.stdout)
    if not results:
        return
    classes_11, classes_4 = results[0].classes_11, results[0].classes_4
    components = sorted({k for r in results if r.composition for k in r.composition})
    chemistry = sorted({k for r in results if r.chemistry for k in r.chemistry})
    writer.writerow(["name", "coverage_used", "classifier", "scheme", "top_class", "class_busdemeo", "class_bus",
                     "class_demeo2009",
                     *[f"p_{c}" for c in classes_11],
                     *[f"p4_{c}" for c in classes_4], "out_of_distribution", "albedo", "albedo_low", "albedo_high",
                     *components, *[f"{c}_sigma" for c in components], *chemistry, *[f"{c}_sigma" for c in chemistry],
                     *BAND_COLUMNS, *ANALOGUE_COLUMNS, "notes", "warnings"])
    for r in results:
        low, high = r.albedo_1sigma or ("", "")
        band = r.band_parameters if r.band_parameters and "error" not in r.band_parameters else {}
        writer.writerow([r.name, r.coverage_used, r.classifier, r.scheme, r.top_class, r.top_class_busdemeo or "",
                         r.top_class_bus or "", r.class_demeo2009 or "", *r.probabilities_11,
                         *r.probabilities_4, int(r.out_of_distribution), "" if r.albedo is None else r.albedo, low,
                         high, *[(r.composition or {}).get(k, "") for k in components],
                         *[(r.composition_1sigma or {}).get(k, "") for k in components],
                         *[(r.chemistry or {}).get(k, "") for k in chemistry],
                         *[(r.chemistry_1sigma or {}).get(k, "") for k in chemistry],
                         *[" ".join(band[k]) if k == "gaffey_subtypes" and k in band else band.get(k, "")
                           for k in BAND_COLUMNS], *_analogue_cells(r.meteorite_analogue), "; ".join(r.notes),
                         "; ".join(r.warnings)])


def _survey(args) -> int:
    from astrokeras.survey.gaia import format_survey, parse_shard, survey_gaia

    if args.shard:
        try:
            parse_shard(args.shard)
        except ValueError as error:
            args.parser.error(str(error))
    summary = survey_gaia(args.output, batch_size=args.batch_size, shard=args.shard)
    print(json.dumps(summary, indent=1) if args.json else format_survey(summary))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (each sub-parser knows its command's function)."""
    parser = argparse.ArgumentParser(prog="astrokeras", description="Asteroid spectra -> class, albedo, composition.")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, function, **kwargs):
        sub = commands.add_parser(name, **kwargs)
        sub.set_defaults(func=function, parser=sub)
        return sub

    data = commands.add_parser("data", help="the real data sets")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    info = data_commands.add_parser("info", help="each data set: where it was found, counts, class tallies")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(func=_data_info, parser=info)

    reproduce = command("reproduce", _reproduce, help="the paper's tables on the real data, honest folds")
    from astrokeras.reproduce.results_page import TITLES  # the tables' one list (standard library only: fast)

    reproduce.add_argument("--table", nargs="+", choices=list(TITLES),
                           help="one or more tables; without --table: the main job (every table, presets, exports, "
                                "the Gaia survey, report.md)")
    reproduce.add_argument("--quick", action="store_true", help="fewer epochs and methods (minutes, not hours)")
    reproduce.add_argument("--json", action="store_true", help="print JSON (one object per table)")
    reproduce.add_argument("--ensemble", type=int, default=1, help="add a row for an ensemble of K ASC-Nets")
    reproduce.add_argument("--output", help="folder for the tables' JSON, figures, saved folds and report "
                                            "(default: outputs; outputs/quick with --quick)")
    reproduce.add_argument("--results", metavar="PATH", help="also write the page of every table here (make run: "
                                                             "docs/results.md); default OUTPUT/results.md")
    reproduce.add_argument("--folds", type=int, nargs="+", metavar="K",
                           help="run and print only these of the 5 folds (e.g. --folds 4 5); each fold is saved "
                                "under OUTPUT/folds/ and reused, so a later run without --folds trains only the "
                                "missing ones")
    reproduce.add_argument("--methods", nargs="+", metavar="NAME",
                           help="Tables 5/7: re-run only these methods and update their rows in the earlier JSON")

    train = command("train", _train, help="train a recipe's network (training/<recipe>.py) or re-create the presets")
    train.add_argument("name", metavar="RECIPE|presets",
                       help="a recipe (e.g. asc-net-visible-4class; see training/) or 'presets' (all shipped models)")
    add_train_arguments(train, output_required=False)
    train.add_argument("--metrics-from", metavar="DIR", help="presets: folder of the reproduce table JSONs")
    train.add_argument("--only", nargs="+", metavar="PRESET", help="presets: re-create only these")
    train.add_argument("--metrics-only", action="store_true",
                       help="presets: only update the cards' metrics from --metrics-from (no training)")

    export = command("export", _export, help="SavedModel (TF Serving) and TFLite exports, parity report")
    export.add_argument("models", nargs="*", metavar="MODEL.keras|PRESET",
                        help="a preset name (e.g. coverage-net-taxonomy) or a .keras file (with its .json card); for "
                             "--report also 'aae-net' or 'ae-trans', which trains that network with data held out first")
    export.add_argument("--to", choices=["savedmodel", "tflite"])
    export.add_argument("--quantize", choices=["none", "float16", "dynamic", "int8"], default="none")
    export.add_argument("--report", action="store_true", help="every variant: size, agreement, held-out accuracy")
    export.add_argument("--json", action="store_true")
    export.add_argument("--quick", action="store_true", help="--report aae-net/ae-trans: few epochs (smoke run)")
    export.add_argument("--output", default="exports", help="folder for the exported files (default: exports)")
    export.add_argument("--grid", metavar="START:STOP:N|PROFILE", help="a fixed-input model for an instrument: N "
                        "wavelengths START-STOP um, or a profile (hayabusa-nirs, gaia-dr3), with the grid and mask "
                        "baked in (coverage-masked presets, --to tflite)")
    export.add_argument("--tables", default="outputs", help="--grid: folder of the saved tables of `astrokeras "
                        "reproduce` whose held-out figures go on the card (default: outputs)")
    export.add_argument("--serving", metavar="DIR", help="write the presets' TF Serving layout, edge files and "
                        "models.config into DIR (export/models is what export/docker-compose.yml mounts)")
    export.add_argument("--chain", choices=["analyze", "paper"], default="analyze",
                        help="--serving: analyze's networks (default: coverage_net, aae_net, aae_net_visible, "
                             "composition_net) or the paper's (asc_net, aae_net, ae_trans)")
    export.add_argument("--presets", metavar="DIR", help="presets other than the shipped ones (a PRESET name, "
                                                          "--serving)")
    export.add_argument("--overwrite", action="store_true", help="--serving: replace an existing model version")

    analyze = command("analyze", _analyze, help="class, albedo and composition of spectrum files (pretrained)")
    analyze.add_argument("files", nargs="*", metavar="FILE", help="spectrum files: archive text files, CSV, ECSV, FITS")
    analyze.add_argument("--asteroid", nargs="+", metavar="DESIGNATION",
                         help="analyze published spectra from the registered data sets (e.g. 433 4 25143)")
    analyze.add_argument("--source", default="busdemeo", choices=["busdemeo", "smass2"],
                         help="--asteroid: VIS-NIR korda2023/Bus-DeMeo (default) or visible SMASS II")
    analyze.add_argument("--unit", default="auto", choices=["auto", "um", "nm", "angstrom"], help="wavelength unit")
    output = analyze.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON list (errors as entries with 'error')")
    output.add_argument("--csv", action="store_true", help="print one CSV row per analysed spectrum")
    analyze.add_argument("--plot", metavar="DIR", help="write DIR/<file>.png: spectrum vs class template")
    analyze.add_argument("--presets", metavar="DIR", help="pretrained models other than the shipped ones")

    survey = command("survey", _survey, help="classify a whole survey (Gaia DR3) with CoverageNet at its bands")
    survey.add_argument("survey", choices=["gaia"], help="gaia: Gaia DR3, 60518 asteroids")
    survey.add_argument("--output", default="outputs/gaia", help="folder for the table, summary and figures")
    survey.add_argument("--batch-size", type=int, default=4096)
    survey.add_argument("--shard", metavar="I/N", help="classify every N-th asteroid from the I-th (scale-out)")
    survey.add_argument("--json", action="store_true", help="print the summary as JSON")
    return parser


def main(argv=None) -> int:
    """Run the command in ``argv`` (default: ``sys.argv[1:]``); returns the exit code (2: bad input or usage)."""
    args = build_parser().parse_args(argv)
    log_to_stderr()
    if args.func in (_reproduce, _train, _export):  # the commands that train or convert: TensorFlow, quietly
        quiet_tensorflow()
    from astrokeras.datasets import DataIntegrityError, DataUnavailableError
    from astrokeras.spectra import SpectrumError

    try:
        return args.func(args)
    except (DataUnavailableError, DataIntegrityError, SpectrumError) as error:
        print(f"astrokeras: error: {error}", file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
