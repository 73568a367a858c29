"""Latency, throughput and FLOPs of ASC-Net in every deployed form (a benchmark, not a test).

    python benchmarks/latency.py [MODEL.keras] [--calls 1000] [--json out.json]

Single-spectrum latency is the median of ``--calls`` calls; throughput is spectra per second on batches of
1024; every runtime uses one thread. FLOPs per
spectrum come from TensorFlow's profiler on the frozen float32 graph and are set against the CPU's peak
(cores x clock x 32 float32 FLOP per cycle for AVX2 with two FMA units), so the distance to the limit shows.
Without MODEL.keras, an untrained ASC-Net with the tables' widths and 49 bands is timed (latency does not
depend on the weights; int8 agreement does, see ``astrokeras export --report``).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import tempfile
import time

import numpy as np


def _median_us(call, x, calls):
    call(x)
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        call(x)
        times.append(time.perf_counter() - start)
    return 1e6 * statistics.median(times)


def _throughput(call, X, repeats=5):
    call(X)
    start = time.perf_counter()
    for _ in range(repeats):
        call(X)
    return repeats * len(X) / (time.perf_counter() - start)


def flops_per_spectrum(model) -> int:
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2
    from tensorflow.python.profiler.model_analyzer import profile
    from tensorflow.python.profiler.option_builder import ProfileOptionBuilder

    concrete = tf.function(lambda x: model(x, training=False)).get_concrete_function(
        tf.TensorSpec([1, model.input_shape[-1]], tf.float32))
    frozen = convert_variables_to_constants_v2(concrete)
    options = ProfileOptionBuilder(ProfileOptionBuilder.float_operation()).with_empty_output().build()
    return int(profile(frozen.graph, options=options).total_float_ops)


def cpu_peak_gflops() -> float:
    mhz = [float(line.split(":")[1]) for line in open("/proc/cpuinfo") if line.startswith("cpu MHz")]
    return (os.cpu_count() or 1) * (max(mhz) / 1000.0 if mhz else 2.0) * 32


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--json")
    args = parser.parse_args(argv)

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)  # one thread everywhere, before TF starts
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    import astrokeras.layers  # noqa: F401
    from astrokeras.export import TFLiteModel, export_savedmodel, to_tflite
    from astrokeras.models import asc_net
    from astrokeras.reproduce.taxonomy_tables import ASC_NET_WIDTHS

    model = keras.saving.load_model(args.model) if args.model else asc_net(49, 4, **ASC_NET_WIDTHS)
    bands = model.input_shape[-1]
    rng = np.random.default_rng(0)
    X = (1.0 + 0.1 * rng.normal(size=(1024, bands))).astype("float32")
    one = X[:1]
    work = pathlib.Path(tempfile.mkdtemp())
    saved = export_savedmodel(model, work / "savedmodel" / "1")
    serve = tf.saved_model.load(str(saved)).signatures["serving_default"]
    rows = []
    rows.append({"runtime": "keras predict_on_batch", "bytes": None,
                 "latency_us": _median_us(model.predict_on_batch, one, args.calls),
                 "spectra_per_s": _throughput(model.predict_on_batch, X)})
    rows.append({"runtime": "savedmodel", "bytes": sum(f.stat().st_size for f in saved.rglob("*") if f.is_file()),
                 "latency_us": _median_us(lambda x: serve(spectrum=tf.constant(x)), one, args.calls),
                 "spectra_per_s": _throughput(lambda x: serve(spectrum=tf.constant(x)), X)})
    for quantize in ("none", "float16", "dynamic", "int8"):
        content = to_tflite(saved, quantize, representative=X[:200])
        single, batch = TFLiteModel(content, num_threads=1), TFLiteModel(content, num_threads=1)
        rows.append({"runtime": f"tflite {quantize}", "bytes": len(content),
                     "latency_us": _median_us(single.predict, one, args.calls),
                     "spectra_per_s": _throughput(batch.predict, X)})
    flops = flops_per_spectrum(model)
    result = {"model": args.model or "untrained ASC-Net (tables' widths, 49 bands)", "bands": bands,
              "flops_per_spectrum": flops, "cpu_peak_gflops": round(cpu_peak_gflops(), 1),
              "calls": args.calls, "rows": rows}
    best = max(r["spectra_per_s"] for r in rows)
    result["best_gflops"] = round(best * flops / 1e9, 2)
    print(f"ASC-Net, {bands} bands: {flops / 1e6:.2f} MFLOP per spectrum; CPU peak ~{result['cpu_peak_gflops']} GFLOP/s")
    print(f"{'runtime':<24} {'bytes':>9} {'latency (us)':>13} {'spectra/s':>11} {'GFLOP/s':>8}")
    for r in rows:
        print(f"{r['runtime']:<24} {r['bytes'] or '-':>9} {r['latency_us']:>13.1f} {r['spectra_per_s']:>11.0f} "
              f"{r['spectra_per_s'] * flops / 1e9:>8.2f}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
