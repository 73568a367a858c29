"""Edge evaluation of astrokeras TFLite files on a board: latency, peak memory, agreement with Keras.

Needs only Python 3.9+, numpy and ai-edge-litert (``pip install numpy ai-edge-litert``): no TensorFlow, no
astrokeras. For each ``.tflite`` file it loads ``ai_edge_litert.interpreter.Interpreter``, feeds the real
spectra of a reference file one at a time through the ``serving_default`` signature, and reports:

* latency: median and 90th percentile of single-spectrum calls (``time.perf_counter_ns`` around each call,
  after ``--warmup`` untimed calls);
* peak memory: growth of the process's peak resident set (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) from
  just before the interpreter is created to the end of the run. ru_maxrss, not tracemalloc: the interpreter's
  tensor arena, the model file it maps and the XNNPACK weight packing are native allocations that tracemalloc
  (Python allocations only) never sees. ru_maxrss is a high-water mark, so each file runs in a fresh child
  process (``--no-isolate`` to run them all in this one: then only the first file's figure is clean);
* agreement with the Keras outputs stored in the reference file: top-1 agreement for class probabilities,
  the largest absolute difference for regressions (albedo, abundances, reconstruction) -- and for both.

With ``--save-outputs FILE.npz`` it also writes the raw outputs of every file (keys ``<file stem>.<output
name>``, e.g. ``asc_net_float32.probabilities``, plus a ``meta`` JSON string naming the machine), so that two
machines can be compared output by output with ``compare_outputs.py`` (an x86 host against an arm64 board).

The reference file (``reference.npz``, written beside the ``.tflite`` files by
``python -m astrokeras.export.serving``) holds ``input.<name>`` arrays (real spectra on the model's grid),
``output.<name>`` arrays (what the Keras model answered) and a ``meta`` JSON string.

Usage::

    python edge_eval.py models/edge/asc_net/asc_net_float32.tflite          # reference.npz from the same folder
    python edge_eval.py models/edge/*/*.tflite --json                        # every file, one JSON document
    python edge_eval.py model.tflite --reference ref.npz --threads 2 --min-top1 0.99   # exit 1 below 99%
    python edge_eval.py edge/asc_net/*.tflite --save-outputs arm64.npz   # then: compare_outputs.py x86.npz arm64.npz
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

SIGNATURE = "serving_default"


def peak_rss_kib() -> float:
    """The process's peak resident set so far, in KiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 if sys.platform == "darwin" else float(peak)


def litert_version() -> str:
    import ai_edge_litert

    return str(getattr(ai_edge_litert, "__version__", "unknown"))


def read_reference(path) -> tuple:
    """``(inputs, outputs, meta)`` of a reference ``.npz``; a clear error when it is not one."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise SystemExit(f"edge_eval: no reference file {path}: write one with `python -m astrokeras.export.serving "
                         "export/models` (reference.npz beside the .tflite files), or pass --reference")
    with np.load(path, allow_pickle=False) as data:
        inputs = {k[len("input."):]: data[k] for k in data.files if k.startswith("input.")}
        outputs = {k[len("output."):]: data[k] for k in data.files if k.startswith("output.")}
        meta = json.loads(str(data["meta"])) if "meta" in data.files else {}
    if not inputs or not outputs:
        raise SystemExit(f"edge_eval: {path} has no input.<name> / output.<name> arrays: not a reference file")
    return inputs, outputs, meta


def agreement(lite: dict, expected: dict, kinds: dict) -> dict:
    """Per output: ``max_abs_diff`` (also per column for outputs of up to 4 columns) and, for class
    probabilities, ``top1_agreement`` (fraction of spectra whose top class is the same).

    >>> a = {"probabilities": np.array([[0.6, 0.4], [0.3, 0.7]])}
    >>> agreement(a, {"probabilities": np.array([[0.7, 0.3], [0.6, 0.4]])}, {})["probabilities"]["top1_agreement"]
    0.5
    """
    report = {}
    for name, reference in expected.items():
        if name not in lite:
            raise SystemExit(f"edge_eval: the model has no output {name!r} (it has {sorted(lite)})")
        value = np.asarray(lite[name], dtype=np.float64)
        difference = np.abs(value - reference)
        entry = {"max_abs_diff": float(difference.max())}
        if value.ndim == 2 and value.shape[1] <= 4:  # a few named numbers (AAE-Net's two, AE-trans's three)
            entry["max_abs_diff_per_column"] = [float(d) for d in difference.max(axis=0)]
        if kinds.get(name, "probabilities" if name == "probabilities" else "regression") == "probabilities":
            entry["top1_agreement"] = float(np.mean(value.argmax(axis=-1) == reference.argmax(axis=-1)))
        report[name] = entry
    return report


def evaluate(model_path, reference_path, *, threads: int = 1, warmup: int = 10, limit: int | None = None,
             outputs_path=None) -> dict:
    """Latency, peak memory and agreement of one ``.tflite`` file on one reference file; with ``outputs_path``,
    the raw outputs (every output of the signature, one row per spectrum) are also written there as an ``.npz``."""
    from ai_edge_litert.interpreter import Interpreter

    inputs, expected, meta = read_reference(reference_path)
    count = len(next(iter(inputs.values())))
    count = count if limit is None else min(count, limit)
    before = peak_rss_kib()
    interpreter = Interpreter(model_path=str(model_path), num_threads=threads)
    signatures = interpreter.get_signature_list()
    if SIGNATURE not in signatures:
        raise SystemExit(f"edge_eval: {model_path} has no {SIGNATURE!r} signature (it has {sorted(signatures)})")
    runner = interpreter.get_signature_runner(SIGNATURE)
    wanted, answers_to = set(runner.get_input_details()), set(runner.get_output_details())
    if wanted != set(inputs) or not set(expected) <= answers_to:
        raise SystemExit(f"edge_eval: the model reads {sorted(wanted)} and answers {sorted(answers_to)}, but "
                         f"{reference_path} holds inputs {sorted(inputs)} and outputs {sorted(expected)}: use the "
                         "reference file written with this model")
    rows = [{k: np.ascontiguousarray(inputs[k][i:i + 1], dtype=np.float32) for k in wanted} for i in range(count)]
    for i in range(warmup):
        runner(**rows[i % count])
    times, answers = np.empty(count), []
    for i, row in enumerate(rows):
        start = time.perf_counter_ns()
        out = runner(**row)
        times[i] = time.perf_counter_ns() - start
        answers.append({k: np.array(v) for k, v in out.items()})
    peak = peak_rss_kib()
    lite = {k: np.concatenate([a[k] for a in answers]) for k in answers[0]}
    if outputs_path is not None:
        with open(outputs_path, "wb") as handle:  # a handle: np.savez would append .npz to a bare name
            np.savez(handle, **lite)
    return {
        "file": str(model_path), "bytes": os.path.getsize(model_path), "reference": str(reference_path),
        "preset": meta.get("preset"), "spectra": count, "threads": threads,
        "inputs": {k: list(inputs[k].shape[1:]) for k in sorted(wanted)},
        "latency_us": {"median": round(float(np.median(times)) / 1e3, 1),
                       "p90": round(float(np.percentile(times, 90)) / 1e3, 1),
                       "mean": round(float(times.mean()) / 1e3, 1)},
        "peak_memory_kib": {"delta": round(peak - before, 1), "process_peak": round(peak, 1),
                            "how": "ru_maxrss growth from before the interpreter to after the last call"},
        "agreement": agreement(lite, {k: v[:count] for k, v in expected.items()}, meta.get("kinds", {})),
    }


def _child(model, reference, args, outputs_path=None) -> dict:
    flags = [flag for flag, on in (("-S", sys.flags.no_site), ("-I", sys.flags.isolated)) if on]
    command = [sys.executable, *flags, os.path.abspath(__file__), "--one", str(model), "--reference", str(reference),
               "--threads", str(args.threads), "--warmup", str(args.warmup)]
    if args.limit is not None:
        command += ["--limit", str(args.limit)]
    if outputs_path is not None:
        command += ["--one-outputs", str(outputs_path)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"edge_eval: {model} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _summary(entry: dict) -> str:
    parts = []
    for name, a in entry["agreement"].items():
        if "top1_agreement" in a:
            parts.append(f"{name} top-1 {100 * a['top1_agreement']:.2f}%")
        columns = a.get("max_abs_diff_per_column")
        parts.append(f"{name} max|d| " + (" / ".join(f"{d:.1e}" for d in columns) if columns and "top1_agreement"
                                           not in a else f"{a['max_abs_diff']:.1e}"))
    return "; ".join(parts)


def format_table(entries: list) -> str:
    lines = [f"{'file':<28} {'bytes':>9} {'spectra':>7} {'median us':>9} {'p90 us':>8} {'peak KiB':>9}  agreement"]
    for e in entries:
        lines.append(f"{pathlib.Path(e['file']).name:<28} {e['bytes']:>9} {e['spectra']:>7} "
                     f"{e['latency_us']['median']:>9.1f} {e['latency_us']['p90']:>8.1f} "
                     f"{e['peak_memory_kib']['delta']:>9.0f}  {_summary(e)}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Latency, peak memory and agreement of TFLite files on a board "
                                     "(numpy and ai-edge-litert only).")
    parser.add_argument("models", nargs="*", help=".tflite files")
    parser.add_argument("--reference", help="reference .npz (default: reference.npz beside each .tflite file)")
    parser.add_argument("--threads", type=int, default=1, help="interpreter threads (default 1)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls before timing (default 10)")
    parser.add_argument("--limit", type=int, help="use at most this many reference spectra")
    parser.add_argument("--min-top1", type=float, help="exit 1 when a top-1 agreement is below this fraction")
    parser.add_argument("--no-isolate", action="store_true", help="run every file in this process (the peak "
                        "memory of later files then reads low: ru_maxrss is a high-water mark)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.add_argument("--save-outputs", metavar="FILE.npz", help="write the raw outputs of every file to this "
                        ".npz (keys <file stem>.<output name>), to compare machines with compare_outputs.py")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child process evaluating one file
    parser.add_argument("--one-outputs", help=argparse.SUPPRESS)  # where that child writes its raw outputs
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(evaluate(args.one, args.reference, threads=args.threads, warmup=args.warmup,
                                  limit=args.limit, outputs_path=args.one_outputs)))
        return 0
    if not args.models:
        parser.error("give at least one .tflite file")
    models = [pathlib.Path(model) for model in args.models]
    stems = [model.stem for model in models]
    if args.save_outputs and len(set(stems)) < len(stems):
        raise SystemExit(f"edge_eval: --save-outputs keys outputs by file stem, and {sorted(stems)} repeat one: "
                         "give files of distinct names")
    entries, saved = [], {}
    with tempfile.TemporaryDirectory(prefix="edge_eval_") as scratch:
        for i, model in enumerate(models):
            if not model.is_file():
                raise SystemExit(f"edge_eval: no such file {model}")
            reference = pathlib.Path(args.reference) if args.reference else model.with_name("reference.npz")
            read_reference(reference)  # a missing or wrong reference fails here, with its reason, not in a child
            outputs_path = pathlib.Path(scratch, f"{i}.npz") if args.save_outputs else None
            if args.no_isolate:
                entries.append(evaluate(model, reference, threads=args.threads, warmup=args.warmup,
                                        limit=args.limit, outputs_path=outputs_path))
            else:
                entries.append(_child(model, reference, args, outputs_path))
            if outputs_path is not None:
                with np.load(outputs_path, allow_pickle=False) as data:
                    saved.update({f"{model.stem}.{k}": data[k] for k in data.files})
    report = {"machine": platform.machine(), "python": platform.python_version(), "numpy": np.__version__,
              "ai_edge_litert": litert_version(), "cpu_count": os.cpu_count(), "files": entries}
    if args.save_outputs:
        meta = {k: report[k] for k in ("machine", "python", "numpy", "ai_edge_litert")}
        meta["files"] = {pathlib.Path(e["file"]).stem: {"file": e["file"], "reference": e["reference"],
                                                       "spectra": e["spectra"]} for e in entries}
        with open(args.save_outputs, "wb") as handle:
            np.savez(handle, meta=json.dumps(meta), **saved)
    print(json.dumps(report, indent=1) if args.json else format_table(entries))
    low = [e["file"] for e in entries for a in e["agreement"].values()
           if args.min_top1 is not None and a.get("top1_agreement", 1.0) < args.min_top1]
    if low:
        print(f"edge_eval: top-1 agreement below {args.min_top1} in {low}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
