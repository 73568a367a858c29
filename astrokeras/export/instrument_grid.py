"""A coverage-masked preset as a fixed-input model for one instrument: the instrument's wavelengths, the binning,
the log and the centring of :func:`astrokeras.spectra.coverage.encode` and the coverage mask baked in.

A board then feeds the instrument's reflectances as they come (one float per channel, any scale) and reads the
preset's outputs; nothing else runs on it. ``astrokeras export PRESET --grid START:STOP:N`` (or a named profile:
``--grid hayabusa-nirs``) writes it.

For a fixed set of wavelengths, ``encode`` is linear up to the log: the bin means and the interpolation onto the
preset's grid are a fixed matrix (built here by applying them to each unit spectrum), the mask is fixed, and
the centring subtracts the mean over the covered bands. The fixed model reproduces ``encode`` followed by the
preset (tested).

Example
-------
>>> grid_wavelengths("0.82:2.08:64")[[0, -1]].tolist(), len(grid_wavelengths("hayabusa-nirs"))
([0.82, 2.08], 64)
"""

from __future__ import annotations

import re

import keras
import numpy as np
from keras import ops

from astrokeras.spectra.coverage import GAIA_BANDS, bin_means, covered

# Named instrument profiles: wavelengths (um) a board reads.
PROFILES = {
    # Hayabusa NIRS (Abe et al. 2006): 64 channels, here over 0.82-2.08 um, the range the composition table's
    # "Hayabusa NIRS coverage" row cuts spectra to
    "hayabusa-nirs": np.round(np.linspace(0.82, 2.08, 64), 4),
    # Gaia DR3's reflectance bands inside 0.46-0.90 um (its bluest and reddest bands are the least reliable):
    # the 11 bands the coverage table measures as "Gaia bands 0.46-0.90"
    "gaia-dr3": GAIA_BANDS[(GAIA_BANDS >= 0.46) & (GAIA_BANDS <= 0.91)],
}


def grid_wavelengths(spec: str) -> np.ndarray:
    """The wavelengths (um) of a profile name or of ``START:STOP:N`` (N evenly spaced wavelengths); a clear error
    for anything else."""
    if spec in PROFILES:
        return np.asarray(PROFILES[spec], dtype=float)
    match = re.fullmatch(r"\s*([0-9.]+)\s*:\s*([0-9.]+)\s*:\s*([0-9]+)\s*", spec)
    if not match:
        raise ValueError(f"--grid {spec!r}: give START:STOP:N in um (e.g. 0.82:2.08:64) or a profile "
                         f"({', '.join(PROFILES)})")
    start, stop, count = float(match[1]), float(match[2]), int(match[3])
    if not (0.3 <= start < stop <= 5.0) or count < 2:
        raise ValueError(f"--grid {spec!r}: give START:STOP:N with START < STOP in um within 0.3-5.0 (not nm), N >= 2")
    return np.round(np.linspace(start, stop, count), 6)


def encoding_matrix(wavelengths, grid) -> tuple:
    """``(matrix, mask)``: ``mask`` the grid bands the wavelengths cover, ``matrix`` (channels x covered bands)
    the linear part of :func:`~astrokeras.spectra.coverage.encode` (bin means, then interpolation onto the
    covered bands), so that ``encode``'s covered values are ``log(r @ matrix)`` centred."""
    w = np.asarray(wavelengths, dtype=float)
    mask = covered(w, grid)
    if mask.sum() < 2:
        raise ValueError(f"the wavelengths {w[0]:g}-{w[-1]:g} um cover {int(mask.sum())} band(s) of the preset's "
                         f"grid ({grid[0]:g}-{grid[-1]:g} um): nothing to read")
    columns = []
    for unit in np.eye(len(w)):
        centres, means = bin_means(w, unit)
        columns.append(np.interp(np.asarray(grid)[mask], centres, means))
    return np.asarray(columns, dtype="float32"), mask


@keras.saving.register_keras_serializable(package="astrokeras")
class FixedGridEncoding(keras.layers.Layer):
    """Instrument reflectances ``(batch, channels)`` -> the preset's ``(spectrum, mask)`` inputs on its grid:
    centred log reflectance of the covered bands (``exp`` of it with ``reflectance_input``, CompositionNet's
    convention), zero elsewhere, and the constant mask.

    Args:
        matrix: channels x covered bands (see :func:`encoding_matrix`).
        mask: the covered bands of the grid (booleans).
        reflectance_input: the preset reads reflectance (``exp`` of the centred log), not the log.
    """

    def __init__(self, matrix, mask, reflectance_input: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.matrix = np.asarray(matrix, dtype="float32")
        self.mask = np.asarray(mask, dtype=bool)
        self.reflectance_input = bool(reflectance_input)
        # each grid band's column among [covered bands..., a zero column]: a gather places them on the grid
        self.place = np.where(self.mask, np.cumsum(self.mask) - 1, int(self.mask.sum())).astype("int32")

    def call(self, reflectance):
        logs = ops.log(ops.maximum(ops.matmul(reflectance, ops.convert_to_tensor(self.matrix)), 1e-6))
        centred = logs - ops.mean(logs, axis=1, keepdims=True)
        if self.reflectance_input:
            centred = ops.exp(centred)
        padded = ops.concatenate([centred, ops.zeros_like(centred[:, :1])], axis=1)
        spectrum = ops.take(padded, ops.convert_to_tensor(self.place), axis=1)  # zero on the uncovered bands
        mask = ops.zeros_like(spectrum[:, :1]) + ops.convert_to_tensor(self.mask.astype("float32"))[None]
        return spectrum, mask

    def get_config(self):
        return {**super().get_config(), "matrix": self.matrix.tolist(), "mask": self.mask.tolist(),
                "reflectance_input": self.reflectance_input}


def fixed_grid_model(model: keras.Model, grid, wavelengths, *, reflectance_input: bool = False) -> keras.Model:
    """``model`` (inputs ``spectrum`` and ``mask`` on ``grid``) behind a :class:`FixedGridEncoding` of
    ``wavelengths``: one input ``reflectance`` (``(None, len(wavelengths))``), the model's outputs."""
    matrix, mask = encoding_matrix(wavelengths, grid)
    reflectance = keras.Input((len(wavelengths),), name="reflectance")
    spectrum, mask_tensor = FixedGridEncoding(matrix, mask, reflectance_input, name="instrument_grid")(reflectance)
    outputs = model({"spectrum": spectrum, "mask": mask_tensor})
    return keras.Model(reflectance, outputs, name=f"{model.name}_fixed_grid")


def _range_of(label: str):
    found = re.search(r"([0-9.]+)-([0-9.]+)", label)
    return (float(found[1]), float(found[2])) if found else None


def _overlap(a, b) -> float:
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    return float((a & b).sum() / max((a | b).sum(), 1))


def accuracy_at_coverage(preset: str, mask, grid, tables_dir="outputs") -> dict:
    """The held-out figures of the table row whose coverage matches ``mask`` (the grid bands covered; overlap of
    90% or more), from the saved table of ``astrokeras reproduce`` in ``tables_dir`` (``tablecoverage.json``
    for CoverageNet, ``composition.json`` for CompositionNet); a note saying how to measure it otherwise."""
    import json
    import pathlib

    name = "tablecoverage.json" if preset == "coverage-net-taxonomy" else "composition.json"
    path = pathlib.Path(tables_dir) / name
    table = "coverage" if name == "tablecoverage.json" else "composition"
    if not path.is_file():
        return {"note": f"no saved {table} table in {tables_dir}: run `astrokeras reproduce --table {table}` (5 "
                        "folds), then export again"}
    found = json.loads(path.read_text())
    candidates = {}
    if table == "coverage":
        for row in found["rows"]:
            candidates.setdefault(row["coverage"], []).append(row)
    else:
        for row in found["rows"]:
            if row.get("source") != "measured":
                continue
            if "selected per fold" in row["method"]:
                candidates.setdefault("VIS-NIR 0.45-2.45", []).append(row)
            elif "0.82-2.08" in row["method"]:
                candidates.setdefault("Hayabusa NIRS 0.82-2.08", []).append(row)
    best, score = None, 0.0
    for label in candidates:
        start, stop = _range_of(label)
        sampled = PROFILES["gaia-dr3"] if label.startswith("Gaia") else np.arange(start, stop + 1e-9, 0.005)
        s = _overlap(covered(sampled, grid), mask)
        if s > score:
            best, score = label, s
    if best is None or score < 0.9:
        return {"note": f"no row of the {table} table has this coverage (closest: {best}, {score:.0%} of bands "
                        "shared): not measured on held-out folds"}
    rows = [{k: v for k, v in r.items() if k not in ("subsets",)} | (
        {"modal_rmse_pp": r["subsets"]["all"]["modal_rmse_pp"],
         "modal_rmse_pp_mixtures": r["subsets"]["mixtures"]["modal_rmse_pp"]} if "subsets" in r else {})
        for r in candidates[best]]
    return {"table": table, "coverage": best, "bands_shared": round(score, 3), "folds": found.get("of_folds"),
            "protocol": found.get("protocol"), "rows": rows}


def peak_memory_kib(path, inputs: dict) -> float:
    """Growth of the peak resident set (KiB) of a fresh process from just before it creates the interpreter to
    after it loaded the file ``path`` and ran one spectrum (Linux; the runtime's own import is not counted)."""
    import json
    import subprocess
    import sys

    # VmHWM, the high-water mark of this process image: ru_maxrss would carry over the parent's (Linux keeps it
    # across fork + exec, and the parent holds TensorFlow)
    code = ("import json, re, sys, numpy as np\n"
            "def peak(): return int(re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read())[1])\n"
            "from ai_edge_litert.interpreter import Interpreter\n"
            "before = peak()\n"
            "it = Interpreter(model_path=sys.argv[1], num_threads=1); it.allocate_tensors()\n"
            "run = it.get_signature_runner('serving_default')\n"
            "run(**{k: np.asarray(v, 'float32') for k, v in json.loads(sys.argv[2]).items()})\n"
            "print(peak() - before)\n")
    one = {k: np.asarray(v)[:1].tolist() for k, v in inputs.items()}
    out = subprocess.run([sys.executable, "-c", code, str(path), json.dumps(one)], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def instrument_spectra(wavelengths, count: int = 256, seed: int = 1) -> tuple:
    """``(reflectance on the instrument's wavelengths, (wavelength, reflectance) pairs)`` of real spectra: the
    korda2023 VIS-NIR spectra (a seeded choice) interpolated onto ``wavelengths``."""
    from astrokeras import datasets

    data = datasets.load_busdemeo()
    w = np.asarray(wavelengths, dtype=float)
    if w[0] < data.wavelength[0] - 1e-9 or w[-1] > data.wavelength[-1] + 1e-9:
        raise ValueError(f"the grid {w[0]:g}-{w[-1]:g} um reaches beyond the reference spectra "
                         f"({data.wavelength[0]:g}-{data.wavelength[-1]:g} um): no real spectra to check it on")
    from astrokeras.export.preset_inputs import disjoint_rows

    rows = disjoint_rows(len(data), count, seed)  # seed 0: int8 calibration; other seeds: disjoint spectra
    values = np.array([np.interp(w, data.wavelength, data.reflectance[row]) for row in rows], dtype="float32")
    return values, [(w, v) for v in values]


def export_fixed_grid(preset: str, spec: str, quantize: str, out_dir, presets_dir=None, tables_dir="outputs") -> dict:
    """Write ``preset`` as a fixed-input TFLite file for the wavelengths ``spec`` (a profile or ``START:STOP:N``)
    and its card (``.json`` beside): inputs, covered bands, the agreement with ``encode`` + the Keras preset on
    real spectra (disjoint from the int8 calibration set), the held-out accuracy at that coverage and the peak
    memory of one call. Returns the card."""
    import json
    import pathlib

    from astrokeras.export.int8_form import int8_form
    from astrokeras.export.preset_inputs import output_change
    from astrokeras.export.savedmodel import export_savedmodel
    from astrokeras.export.serving import COMPOSITION_MODELS, _outputs
    from astrokeras.export.tflite import TFLiteModel, to_tflite
    from astrokeras.models.preset_loading import load_preset
    from astrokeras.presets import grid_of
    from astrokeras.spectra.coverage import describe, encode

    model, card = load_preset(preset, presets_dir)
    if sorted(t.name for t in model.inputs) != ["mask", "spectrum"]:
        raise ValueError(f"--grid bakes a coverage mask into a coverage-masked preset (coverage-net-taxonomy, "
                         f"composition-net-mineralogy); {preset} reads its own fixed grid already")
    grid, wavelengths = grid_of(card), grid_wavelengths(spec)
    # CompositionNet (an ensemble of them, a blend) reads reflectance, CoverageNet its log
    reflectance_input = card.get("model") in COMPOSITION_MODELS
    fixed = fixed_grid_model(int8_form(model) if quantize == "int8" else model, grid, wavelengths,
                             reflectance_input=reflectance_input)
    mask = fixed.get_layer("instrument_grid").mask
    name = spec if spec in PROFILES else f"grid_{wavelengths[0]:g}-{wavelengths[-1]:g}_{len(wavelengths)}"
    out_dir = pathlib.Path(out_dir)
    saved = export_savedmodel(fixed, out_dir / f"savedmodel-{name}" / "1")
    calibration = instrument_spectra(wavelengths, seed=0)[0] if quantize == "int8" else None
    path = out_dir / f"{preset}_{name}_{quantize}.tflite"
    path.write_bytes(to_tflite(saved, quantize, calibration))
    values, pairs = instrument_spectra(wavelengths, seed=1)
    encoded = [encode(w, r, grid) for w, r in pairs]
    spectrum = np.stack([v for v, _ in encoded])
    masks = np.stack([m for _, m in encoded]).astype("float32")
    if reflectance_input:
        spectrum = np.where(masks > 0, np.exp(spectrum), 0.0)
    reference = _outputs(model, {"spectrum": spectrum.astype("float32"), "mask": masks})
    found = TFLiteModel(path=path).run(reflectance=values)
    result = {
        "preset": preset, "grid": spec, "file": path.name, "bytes": path.stat().st_size, "quantize": quantize,
        "input": {"name": "reflectance", "shape": [-1, len(wavelengths)], "dtype": "float32",
                  "wavelengths_um": [float(w) for w in wavelengths],
                  "meaning": "the instrument's reflectance at these wavelengths, any scale (the level is removed "
                             "inside)"},
        "covered_bands": describe(mask, grid), "outputs": sorted(found),
        "agreement_with_keras": {"spectra": len(values),
                                 "on": "korda2023 VIS-NIR spectra interpolated onto the grid; Keras: encode + preset",
                                 **output_change(card, reference, found)},
        "accuracy_at_coverage": accuracy_at_coverage(preset, mask, grid, tables_dir),
        "peak_memory_kib": peak_memory_kib(path, {"reflectance": values}),
    }
    path.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    return result
