"""The ``astrokeras`` command line.

Example
-------
``astrokeras data info`` prints every data set with counts and where it was found; ``--json`` for scripts.
``astrokeras reproduce --table 5 --json`` runs the paper's Table 5 on honest folds (progress on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys


def _data_info(args) -> int:
    from astrokeras.data_info import dataset_summaries, format_summary

    rows = []
    for row in dataset_summaries():
        rows.append(row)
        if not args.json:
            print(format_summary(row), flush=True)
    if args.json:
        print(json.dumps({"datasets": rows}, indent=1))
    return 0


def _reproduce(args) -> int:
    from astrokeras.reproduce.main_job import format_result, main_job, run_tables

    if not args.table and not args.methods:
        # The main job: every table, presets, exports, the Gaia survey, report.md.
        job = main_job(args.output, quick=args.quick, ensemble=args.ensemble,
                       echo=(lambda text: None) if args.json else print)
        if args.json:
            print(json.dumps({"tables": job["results"], "seconds": job["seconds"], "report": job["report"]},
                             indent=1))
        return 0
    if args.methods and not args.table:
        raise SystemExit("astrokeras reproduce: --methods needs --table 5 or --table 7")
    results = []
    for result in run_tables(args.table, quick=args.quick, ensemble=args.ensemble, output=args.output,
                             methods=args.methods):
        results.append(result)
        if not args.json:
            print(format_result(result) + "\n", flush=True)
    if args.json:
        print(json.dumps(results[0] if len(results) == 1 else {"tables": results}, indent=1))
    return 0


def _train(args) -> int:
    if args.network == "presets":
        from astrokeras.presets import PRETRAINED_DIR
        from astrokeras.training.train_presets import refresh_metrics, train_presets

        if args.metrics_only:
            if not args.metrics_from:
                raise SystemExit("astrokeras train presets --metrics-only needs --metrics-from DIR")
            cards = refresh_metrics(args.output or PRETRAINED_DIR, args.metrics_from)
            print(json.dumps({name: card.get("metrics") for name, card in cards.items()}, indent=1))
            return 0
        cards = train_presets(args.output or PRETRAINED_DIR, quick=args.quick, metrics_from=args.metrics_from,
                              only=args.only)
        print(f"presets in {args.output or PRETRAINED_DIR}: {', '.join(sorted(cards))}")
        return 0
    from astrokeras.training.train_asc_net import train_asc_net

    if not args.output:
        raise SystemExit("astrokeras train asc-net: --output MODEL.keras is required")
    path = train_asc_net(args.task, args.output, epochs=args.epochs, precision=args.precision,
                         strategy=args.strategy, backup_dir=args.backup_dir,
                         holdout_fold=args.holdout_fold, seed=args.seed)
    print(f"saved {path} (and {path.with_suffix('.json')})")
    return 0


def _export(args) -> int:
    import pathlib

    if args.report:
        from astrokeras.export.parity import format_report, parity_report, train_heldout_regressor

        reports = []
        for model in args.models:
            if model in ("aae-net", "ae-trans"):  # train the held-out model first
                path = pathlib.Path(args.output) / f"{model.replace('-', '_')}_heldout.keras"
                model = train_heldout_regressor(model, path, quick=args.quick)
            elif not pathlib.Path(model).with_suffix(".json").is_file():
                raise SystemExit(f"astrokeras export --report: {model} needs its card "
                                 f"{pathlib.Path(model).with_suffix('.json')} (written by `astrokeras train asc-net "
                                 "--holdout-fold K`), or give 'aae-net' / 'ae-trans'")
            report = parity_report(model, pathlib.Path(args.output) / pathlib.Path(model).stem)
            reports.append(report)
            if not args.json:
                print(format_report(report) + "\n", flush=True)
        if args.json:
            print(json.dumps(reports[0] if len(reports) == 1 else {"reports": reports}, indent=1))
        return 0
    import keras

    import astrokeras.layers  # noqa: F401  (registers the custom layers)
    from astrokeras.export import export_savedmodel, to_tflite

    if len(args.models) != 1 or not args.to:
        raise SystemExit("astrokeras export: give one MODEL.keras and --to savedmodel|tflite (or --report)")
    model_path = pathlib.Path(args.models[0])
    model = keras.saving.load_model(model_path)
    target = pathlib.Path(args.output) / model_path.stem
    saved = export_savedmodel(model, target / "savedmodel" / "1")
    if args.to == "savedmodel":
        print(f"wrote {saved} (serve {target / 'savedmodel'} with TF Serving; signature serving_default)")
        return 0
    representative = None
    if args.quantize == "int8":
        from astrokeras.export.parity import training_spectra

        representative = training_spectra(json.loads(model_path.with_suffix(".json").read_text()))
    path = target / f"model_{args.quantize}.tflite"
    path.write_bytes(to_tflite(saved, args.quantize, representative))
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


def _analyze(args) -> int:
    import pathlib

    from astrokeras.analysis import analyze, analyze_file, catalogue_spectrum, format_analysis
    from astrokeras.presets import PresetError
    from astrokeras.spectra import SpectrumError

    results, failed = [], 0
    if not args.files and not args.asteroid:
        raise SystemExit("astrokeras analyze: give spectrum FILEs or --asteroid DESIGNATION")
    for path in [*args.files, *[f"asteroid:{a}" for a in args.asteroid or []]]:
        try:
            if path.startswith("asteroid:"):
                result = analyze(None, catalogue_spectrum(path.split(":", 1)[1], args.source), presets=args.presets)
                path = path.split(":", 1)[1].replace(" ", "_")
            else:
                result = analyze_file(path, args.unit, presets=args.presets)
        except (SpectrumError, PresetError) as error:
            print(f"astrokeras: error: {error}", file=sys.stderr)
            failed += 1
            continue
        results.append(result)
        if args.plot:
            from astrokeras.analysis_plot import analysis_png

            figure = analysis_png(result, pathlib.Path(args.plot) / f"{pathlib.Path(path).stem}.png")
            print(f"wrote {figure}", file=sys.stderr)
        if not (args.json or args.csv):
            print(format_analysis(result) + "\n", flush=True)
    if args.json:
        print(json.dumps([r.to_dict() for r in results] if len(args.files) + len(args.asteroid or []) > 1 else
                         (results[0].to_dict() if results else None), indent=1))
    if args.csv:
        _print_csv(results)
    return 2 if failed else 0


def _print_csv(results) -> None:
    import csv

    writer = csv.writer(sys.stdout)
    classes = sorted({c for r in results for c in r.classes}, key=lambda c: (len(c) > 1, c))
    components = sorted({k for r in results if r.composition for k in r.composition})
    writer.writerow(["name", "classifier", "top_class", *[f"p_{c}" for c in classes], "albedo", "albedo_low",
                     "albedo_high", *components])
    for r in results:
        p = dict(zip(r.classes, r.probabilities))
        writer.writerow([r.name, r.classifier, r.top_class, *[p.get(c, "") for c in classes], r.albedo,
                         *r.albedo_1sigma, *[(r.composition or {}).get(k, "") for k in components]])


def _survey(args) -> int:
    from astrokeras.survey.gaia import format_survey, parse_shard, survey_gaia

    if args.shard:
        try:
            parse_shard(args.shard)
        except ValueError as error:
            raise SystemExit(f"astrokeras survey: {error}") from None
    summary = survey_gaia(args.output, batch_size=args.batch_size, shard=args.shard)
    print(json.dumps(summary, indent=1) if args.json else format_survey(summary))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="astrokeras", description="Asteroid spectra -> class, albedo, composition.")
    commands = parser.add_subparsers(dest="command", required=True)
    data = commands.add_parser("data", help="the real data sets")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    info = data_commands.add_parser("info", help="each data set: where it was found, counts, class tallies")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(func=_data_info)
    reproduce = commands.add_parser("reproduce", help="the paper's tables on the real data, honest folds")
    reproduce.add_argument("--table", nargs="+", choices=["5", "7", "11", "9", "10", "13", "8", "korda", "12"],
                           help="one or more tables; without --table: the main job (every table, presets, exports, "
                                "the Gaia survey, report.md)")
    reproduce.add_argument("--quick", action="store_true", help="fewer epochs and methods (minutes, not hours)")
    reproduce.add_argument("--json", action="store_true", help="print JSON (one object per table)")
    reproduce.add_argument("--ensemble", type=int, default=1, help="add a row for an ensemble of K ASC-Nets")
    reproduce.add_argument("--output", default="outputs", help="folder for figures and JSON (default: outputs)")
    reproduce.add_argument("--methods", nargs="+", metavar="NAME",
                           help="Tables 5/7: re-run only these methods and update their rows in the earlier JSON")
    reproduce.set_defaults(func=_reproduce)
    train = commands.add_parser("train", help="train a network on all labelled spectra and save a .keras file")
    train.add_argument("network", choices=["asc-net", "presets"],
                       help="asc-net: one model; presets: re-create the pretrained models shipped with the package")
    train.add_argument("--task", choices=["5", "7"], default="5", help="5: 4-class visible, 7: 11-class VIS-NIR")
    train.add_argument("--output", help="asc-net: the .keras file to write; presets: folder (default: the package's)")
    train.add_argument("--quick", action="store_true", help="presets: few epochs (a smoke run, not for use)")
    train.add_argument("--metrics-from", metavar="DIR", help="presets: folder of the reproduce table JSONs")
    train.add_argument("--only", nargs="+", metavar="PRESET", help="presets: re-create only these")
    train.add_argument("--metrics-only", action="store_true",
                       help="presets: only update the cards' metrics from --metrics-from (no training)")
    train.add_argument("--epochs", type=int, default=300, help="maximum epochs (early stopping on validation)")
    train.add_argument("--precision", default="auto", choices=["auto", "float32", "mixed_float16", "mixed_bfloat16"],
                       help="auto: mixed_float16 on GPU, float32 on CPU (mixed precision is slower on CPU)")
    train.add_argument("--strategy", choices=["mirrored", "multiworker"], help="tf.distribute strategy")
    train.add_argument("--backup-dir", help="BackupAndRestore folder: an interrupted run resumes from it")
    train.add_argument("--holdout-fold", type=int, choices=range(5), metavar="K",
                       help="leave reproduce fold K (0-4) out of training, for honest export reports")
    train.add_argument("--seed", type=int, default=0)
    train.set_defaults(func=_train)
    export = commands.add_parser("export", help="SavedModel (TF Serving) and TFLite exports, parity report")
    export.add_argument("models", nargs="+", metavar="MODEL.keras",
                        help="a .keras file (with its .json card); for --report also 'aae-net' or 'ae-trans', which "
                             "trains that network with data held out first")
    export.add_argument("--to", choices=["savedmodel", "tflite"])
    export.add_argument("--quantize", choices=["none", "float16", "dynamic", "int8"], default="none")
    export.add_argument("--report", action="store_true", help="every variant: size, agreement, held-out accuracy")
    export.add_argument("--json", action="store_true")
    export.add_argument("--quick", action="store_true", help="--report aae-net/ae-trans: few epochs (smoke run)")
    export.add_argument("--output", default="exports", help="folder for the exported files (default: exports)")
    export.set_defaults(func=_export)
    analyze = commands.add_parser("analyze", help="class, albedo and composition of spectrum files (pretrained)")
    analyze.add_argument("files", nargs="*", metavar="FILE", help="CSV / TSV / text / ECSV / FITS spectra")
    analyze.add_argument("--asteroid", nargs="+", metavar="DESIGNATION",
                         help="analyze published spectra from the registered data sets (e.g. 433 4 25143)")
    analyze.add_argument("--source", default="busdemeo", choices=["busdemeo", "smass2"],
                         help="--asteroid: VIS-NIR korda2023/Bus-DeMeo (default) or visible SMASS II")
    analyze.add_argument("--unit", default="auto", choices=["auto", "um", "nm"], help="wavelength unit")
    analyze.add_argument("--json", action="store_true", help="print JSON")
    analyze.add_argument("--csv", action="store_true", help="print one CSV row per spectrum")
    analyze.add_argument("--plot", metavar="DIR", help="write DIR/<file>.png: spectrum vs class template")
    analyze.add_argument("--presets", metavar="DIR", help="pretrained models other than the shipped ones")
    analyze.set_defaults(func=_analyze)
    survey = commands.add_parser("survey", help="classify a whole survey with the pretrained Gaia-grid model")
    survey.add_argument("survey", choices=["gaia"], help="gaia: Gaia DR3, 60518 asteroids")
    survey.add_argument("--output", default="outputs/gaia", help="folder for the table, summary and figures")
    survey.add_argument("--batch-size", type=int, default=4096)
    survey.add_argument("--shard", metavar="I/N", help="classify every N-th asteroid from the I-th (scale-out)")
    survey.add_argument("--json", action="store_true", help="print the summary as JSON")
    survey.set_defaults(func=_survey)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    from astrokeras.datasets import DataIntegrityError, DataUnavailableError
    from astrokeras.spectra import SpectrumError

    try:
        return args.func(args)
    except (DataUnavailableError, DataIntegrityError, SpectrumError) as error:
        print(f"astrokeras: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
