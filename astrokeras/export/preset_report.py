"""``astrokeras export --report PRESET ...``: every TFLite variant of a shipped preset, its size, its latency and
how far it moves the preset's answers.

Per variant -- float32, float16, dynamic (int8 weights), int8 with float32 input and output, and int8 with int8
input and output (a board without float; quantized and dequantized with the file's own scales, as the board
would) -- the report gives the file's size, the median latency of one spectrum on one thread, and the change
against the Keras preset on real spectra other than the int8 calibration set's
(:func:`astrokeras.export.preset_inputs.preset_inputs`, seed 1; for the coverage-masked networks, each spectrum
at three coverages): top-1 agreement for a classifier, the RMS change of the modal fractions (pp), of log10
albedo (dex) or of the abundances.

The presets are trained on every labelled spectrum, so these are agreements, not accuracies: an answer that
moves by less than the spread between trainings does not change the accuracy measured on held-out folds (the
coverage and composition tables). int8 files are converted from :func:`~astrokeras.export.int8_form.int8_form`'s
copy.

Example
-------
``astrokeras export --report coverage-net-taxonomy composition-net-mineralogy --json``
"""

from __future__ import annotations

import functools
import pathlib
import statistics
import time

VARIANTS = {"float32": ("none", False), "float16": ("float16", False), "dynamic": ("dynamic", False),
            "int8": ("int8", False), "int8-integer-io": ("int8", True)}


def median_latency_us(call, x, calls: int) -> float:
    """The median wall time (us) of ``calls`` calls ``call(x)``, after one untimed call (also used by
    ``benchmarks/latency.py``)."""
    call(x)
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        call(x)
        times.append(time.perf_counter() - start)
    return 1e6 * statistics.median(times)


def preset_report(preset: str, output_dir, presets_dir=None, *, count: int = 256, calls: int = 300,
                  echo=None) -> dict:
    """Convert ``preset`` to every variant of :data:`VARIANTS` under ``output_dir`` and measure each one (see the
    module docstring); ``echo`` (e.g. ``print``) gets a line per variant as it is done. Returns ``{"preset",
    "spectra", "rows": [...]}``."""
    from astrokeras.export.int8_form import int8_form
    from astrokeras.export.preset_inputs import output_change, preset_inputs
    from astrokeras.export.savedmodel import export_savedmodel
    from astrokeras.export.serving import _outputs
    from astrokeras.export.tflite import TFLiteModel, run_integer_io, to_tflite
    from astrokeras.models.preset_loading import load_preset

    output_dir = pathlib.Path(output_dir)
    model, card = load_preset(preset, presets_dir)
    inputs = preset_inputs(preset, presets_dir, count=count, seed=1)
    calibration = preset_inputs(preset, presets_dir)
    if len(calibration) == 1:
        calibration = calibration["spectrum"]
    reference = _outputs(model, inputs)
    saved = {False: export_savedmodel(model, output_dir / "savedmodel" / "1"),
             True: export_savedmodel(int8_form(model), output_dir / "savedmodel-int8" / "1")}
    one = {k: v[:1] for k, v in inputs.items()}
    rows, float_bytes = [], None
    for variant, (quantize, integer_io) in VARIANTS.items():
        start = time.perf_counter()
        content = to_tflite(saved[quantize == "int8"], quantize, calibration if quantize == "int8" else None,
                            integer_io=integer_io)
        seconds = time.perf_counter() - start
        (output_dir / f"{preset}_{variant}.tflite").write_bytes(content)
        float_bytes = float_bytes or len(content)
        lite = TFLiteModel(content, num_threads=1)
        run = functools.partial(run_integer_io, lite) if integer_io else lite.run
        out = run(**inputs)
        # one thread; integer I/O includes the numpy (de)quantizing
        latency = round(median_latency_us(lambda x, run=run: run(**x), one, calls), 1)
        rows.append({"variant": variant, "bytes": len(content), "size_vs_float32": round(len(content) / float_bytes, 3),
                     "latency_us": latency, "convert_s": round(seconds, 1), **output_change(card, reference, out)})
        if echo:
            echo(f"{preset} {variant}: {len(content)} bytes, {latency:.0f} us, "
                 + ", ".join(f"{k} {v}" for k, v in rows[-1].items() if k not in ("variant", "bytes", "latency_us")))
    return {"preset": preset, "spectra": len(inputs["spectrum"]),
            "measured_on": "real spectra disjoint from the int8 calibration set (the preset trained on them: "
                           "agreement, not accuracy)", "rows": rows}


def format_preset_report(report: dict) -> str:
    """The report as a text table."""
    keys = [k for k in report["rows"][0] if k not in ("variant", "bytes", "size_vs_float32", "latency_us", "convert_s")]
    lines = [f"{report['preset']}: {report['spectra']} inputs; {report['measured_on']}",
             f"{'variant':<16} {'bytes':>8} {'vs f32':>7} {'us/spectrum':>12} " + " ".join(f"{k:>20}" for k in keys)]
    for row in report["rows"]:
        latency = f"{row['latency_us']:.0f}"
        lines.append(f"{row['variant']:<16} {row['bytes']:>8} {row['size_vs_float32']:>7.3f} {latency:>12} "
                     + " ".join(f"{row[k]:>20}" for k in keys))
    return "\n".join(lines)
