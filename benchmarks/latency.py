"""Latency, throughput and FLOPs of the three networks in every deployed form (a benchmark, not a test).

    python benchmarks/latency.py [MODEL.keras | PRESET ...] [--calls 1000] [--json out.json]

Single-spectrum latency is the median of ``--calls`` calls; throughput is spectra per second on batches of
1024; every runtime uses one thread. FLOPs per
spectrum come from TensorFlow's profiler on the frozen float32 graph and are set against the CPU's peak
(cores x clock x 32 float32 FLOP per cycle for AVX2 with two FMA units), so the distance to the limit shows.
Without arguments, the shipped presets of the three networks are timed: ``asc-net-visible-4class`` (ASC-Net,
49 bands), ``aae-net-albedo`` (AAE-Net, 201 bands + 11 class probabilities) and ``ae-trans-olivine-pyroxene``
(AE-trans, 201 bands), and the two that ``analyze`` runs besides: ``coverage-net-taxonomy`` (CoverageNet, 106
bands + mask) and ``composition-net-mineralogy`` (an ensemble of five CompositionNets, 201 bands + mask; masks
cover 95% of the grid). int8 is converted from the int8 form (:mod:`astrokeras.export.int8_form`: bounded attention,
log of the covered bands only), as the exports are. Latency does not depend on the weights; int8 agreement does, see
``astrokeras export --report``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import tempfile
import time

import numpy as np


def _throughput(call, X, rows, repeats=5):
    call(X)
    start = time.perf_counter()
    for _ in range(repeats):
        call(X)
    return repeats * rows / (time.perf_counter() - start)


def _inputs(model, rows: int, rng) -> dict:
    out = {t.name: (1.0 + 0.1 * rng.normal(size=(rows,) + tuple(t.shape[1:]))).astype("float32") for t in model.inputs}
    if "mask" in out:  # a coverage-masked network: a VIS-NIR spectrum on most of its grid, a real 0/1 mask
        out["mask"] = np.ones_like(out["mask"])
        out["mask"][:, : out["mask"].shape[1] // 20] = 0.0
        out["spectrum"] *= out["mask"]
    if "class_probabilities" in out:
        out["class_probabilities"] = np.abs(out["class_probabilities"])
        out["class_probabilities"] /= out["class_probabilities"].sum(1, keepdims=True)
    return out


def flops_per_spectrum(model) -> int:
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )
    from tensorflow.python.profiler.model_analyzer import profile
    from tensorflow.python.profiler.option_builder import ProfileOptionBuilder

    names = [t.name for t in model.inputs]
    specs = [tf.TensorSpec([1] + list(t.shape[1:]), tf.float32) for t in model.inputs]
    call = lambda *xs: model(dict(zip(names, xs)) if len(xs) > 1 else xs[0], training=False)
    concrete = tf.function(call).get_concrete_function(*specs)
    frozen = convert_variables_to_constants_v2(concrete)
    options = ProfileOptionBuilder(ProfileOptionBuilder.float_operation()).with_empty_output().build()
    return int(profile(frozen.graph, options=options).total_float_ops)


def cpu_peak_gflops() -> float:
    mhz = [float(line.split(":")[1]) for line in open("/proc/cpuinfo") if line.startswith("cpu MHz")]
    return (os.cpu_count() or 1) * (max(mhz) / 1000.0 if mhz else 2.0) * 32


def benchmark(model, label: str, calls: int) -> dict:
    """Every runtime of one model: latency of one spectrum, throughput on 1024, FLOPs."""
    import tensorflow as tf

    from astrokeras.export import TFLiteModel, export_savedmodel, to_tflite
    from astrokeras.export.int8_form import int8_form
    from astrokeras.export.preset_report import median_latency_us

    rng = np.random.default_rng(0)
    X = _inputs(model, 1024, rng)
    one = {k: v[:1] for k, v in X.items()}
    single = len(X) == 1
    keras_input = (lambda d: next(iter(d.values()))) if single else (lambda d: d)
    work = pathlib.Path(tempfile.mkdtemp())
    saved = export_savedmodel(model, work / "savedmodel" / "1")
    serve = tf.saved_model.load(str(saved)).signatures["serving_default"]
    serve_call = lambda d: serve(**{k: tf.constant(v) for k, v in d.items()})
    rows = [{"runtime": "keras predict_on_batch", "bytes": None,
             "latency_us": median_latency_us(lambda d: model.predict_on_batch(keras_input(d)), one, calls),
             "spectra_per_s": _throughput(lambda d: model.predict_on_batch(keras_input(d)), X, 1024)},
            {"runtime": "savedmodel", "bytes": sum(f.stat().st_size for f in saved.rglob("*") if f.is_file()),
             "latency_us": median_latency_us(serve_call, one, calls), "spectra_per_s": _throughput(serve_call, X, 1024)}]
    bounded = export_savedmodel(int8_form(model), work / "bounded" / "1")  # what int8 converts
    for quantize in ("none", "float16", "dynamic", "int8"):
        content = to_tflite(bounded if quantize == "int8" else saved, quantize,
                            representative={k: v[:200] for k, v in X.items()} if not single else keras_input(X)[:200])
        a, b = TFLiteModel(content, num_threads=1), TFLiteModel(content, num_threads=1)
        rows.append({"runtime": f"tflite {quantize}", "bytes": len(content),
                     "latency_us": median_latency_us(lambda d: a.run(**d), one, calls),
                     "spectra_per_s": _throughput(lambda d: b.run(**d), X, 1024)})
    flops = flops_per_spectrum(model)
    best = max(r["spectra_per_s"] for r in rows)
    return {"model": label, "inputs": {t.name: int(t.shape[-1]) for t in model.inputs}, "flops_per_spectrum": flops,
            "best_gflops": round(best * flops / 1e9, 2), "rows": rows}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", help="MODEL.keras files or preset names (default: the 3 networks)")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--json")
    args = parser.parse_args(argv)

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)  # one thread everywhere, before TF starts
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    import astrokeras.layers  # noqa: F401
    from astrokeras.models.preset_loading import load_preset
    from astrokeras.presets import preset_cards

    names = args.models or ["asc-net-visible-4class", "aae-net-albedo", "ae-trans-olivine-pyroxene",
                            "coverage-net-taxonomy", "composition-net-mineralogy"]
    results = []
    for name in names:
        if name in preset_cards():
            model = load_preset(name)[0]
        else:
            model = keras.saving.load_model(name, compile=False)
        results.append(benchmark(model, name, args.calls))
    result = {"cpu_peak_gflops": round(cpu_peak_gflops(), 1), "calls": args.calls, "threads": 1,
              "models": results}
    for r in results:
        print(f"\n{r['model']} {r['inputs']}: {r['flops_per_spectrum'] / 1e6:.2f} MFLOP per spectrum; CPU peak "
              f"~{result['cpu_peak_gflops']} GFLOP/s ({os.cpu_count()} cores)")
        print(f"{'runtime':<24} {'bytes':>9} {'latency (us)':>13} {'spectra/s':>11} {'GFLOP/s':>8}")
        for row in r["rows"]:
            print(f"{row['runtime']:<24} {row['bytes'] or '-':>9} {row['latency_us']:>13.1f} "
                  f"{row['spectra_per_s']:>11.0f} {row['spectra_per_s'] * r['flops_per_spectrum'] / 1e9:>8.2f}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
