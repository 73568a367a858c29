"""Real inputs for a shipped preset, in the preset's own input convention: the int8 calibration set of
``astrokeras export PRESET --to tflite --quantize int8``.

* Coverage-masked networks (``coverage-net-taxonomy``, ``composition-net-mineralogy``): the korda2023 VIS-NIR
  spectra read as :func:`astrokeras.analyze` reads a file (:func:`astrokeras.spectra.coverage.encode`: binned,
  centred log reflectance and the coverage mask; CompositionNet gets ``exp`` of it, zero outside the mask), each
  at three coverages, so that the quantization ranges also see partial spectra: the whole 0.45-2.45 um, the
  visible 0.44-0.92 um (CoverageNet) or Hayabusa NIRS's 0.82-2.08 um (CompositionNet), and 0.85-2.45 um.
* Every other preset: the inputs of :func:`astrokeras.export.serving.reference_data` (real spectra resampled to
  the preset's grid and normalised as its card says; AAE-Net also gets its class probabilities).

The spectra come from the presets' training data (the presets are trained on every labelled spectrum), so they
calibrate ranges; they do not measure accuracy.

Example
-------
>>> from astrokeras.export.preset_inputs import coverage_cuts
>>> coverage_cuts("composition-net-mineralogy")
((0.45, 2.45), (0.82, 2.08), (0.85, 2.45))
"""

from __future__ import annotations

import numpy as np

from astrokeras.presets import card_of, grid_of
from astrokeras.spectra.coverage import encode

MASKED_PRESETS = ("coverage-net-taxonomy", "composition-net-mineralogy")


def coverage_cuts(preset: str) -> tuple:
    """The wavelength ranges (um) each spectrum is cut to for a coverage-masked preset."""
    middle = (0.82, 2.08) if preset == "composition-net-mineralogy" else (0.44, 0.92)
    return (0.45, 2.45), middle, (0.85, 2.45)


def disjoint_rows(total: int, count: int, seed: int) -> np.ndarray:
    """Sorted row numbers of up to ``count`` spectra out of ``total``: seed 0 draws from one half of a fixed
    shuffle (the int8 calibration set), any other seed from the other half, so that the spectra that measure a
    quantized file never calibrated it.

    >>> a, b = disjoint_rows(100, 40, 0), disjoint_rows(100, 40, 1)
    >>> len(a), len(b), len(set(a) & set(b))
    (40, 40, 0)
    """
    order = np.random.default_rng(0).permutation(total)
    pool = order[: total // 2] if seed == 0 else order[total // 2:]
    return np.sort(np.random.default_rng(seed).choice(pool, size=min(count, len(pool)), replace=False))


def _masked_inputs(preset: str, card: dict, count: int, seed: int) -> dict:
    from astrokeras import datasets

    data = datasets.load_busdemeo()
    grid = grid_of(card)
    rows = disjoint_rows(len(data), count, seed)
    values, masks = [], []
    for row in rows:
        for start, stop in coverage_cuts(preset):
            keep = (data.wavelength >= start - 1e-9) & (data.wavelength <= stop + 1e-9)
            v, m = encode(data.wavelength[keep], data.reflectance[row, keep], grid)
            values.append(np.where(m, np.exp(v), 0.0) if preset == "composition-net-mineralogy" else v)
            masks.append(m)
    return {"spectrum": np.asarray(values, "float32"), "mask": np.asarray(masks, "float32")}


def preset_inputs(preset: str, presets_dir=None, count: int = 256, seed: int = 0) -> dict:
    """``{input name: array}`` of real inputs for ``preset`` (about ``count`` spectra, a seeded choice; three
    coverages each for the masked presets)."""
    card = card_of(preset, presets_dir)
    if preset in MASKED_PRESETS:
        return _masked_inputs(preset, card, count, seed)
    from astrokeras.export.serving import reference_data

    found = reference_data(preset, presets_dir, count=count, seed=seed)
    return {k.removeprefix("input."): v for k, v in found.items() if k.startswith("input.")}


def preset_agreement(preset: str, content: bytes, presets_dir=None, count: int = 256) -> dict:
    """How far the TFLite file ``content`` of ``preset`` is from the Keras preset on real inputs (for the masked
    presets, spectra disjoint from the calibration set's: :func:`disjoint_rows`): top-1 agreement for a classifier; the RMS change in percentage points of
    the modal fractions (CompositionNet), of log10 albedo in dex (AAE-Net) or of the abundances (AE-trans)."""
    from astrokeras.export.serving import _outputs
    from astrokeras.lite import TFLiteModel
    from astrokeras.models.preset_loading import load_preset

    inputs = preset_inputs(preset, presets_dir, count=count, seed=1)
    model, card = load_preset(preset, presets_dir)
    return {"spectra": len(inputs["spectrum"]),
            **output_change(card, _outputs(model, inputs), TFLiteModel(content).run(**inputs))}


def output_change(card: dict, reference: dict, out: dict) -> dict:
    """How far the outputs ``out`` are from the Keras outputs ``reference`` (see :func:`preset_agreement`).

    >>> output_change({}, {"probabilities": np.eye(3)}, {"probabilities": np.eye(3)[[0, 1, 1]]})
    {'top1_agreement': 0.6667}
    """
    found = {}
    if "probabilities" in out:
        a, b = np.asarray(reference["probabilities"]), out["probabilities"]
        found["top1_agreement"] = round(float(np.mean(a.argmax(1) == b.argmax(1))), 4)
    elif "modal" in out:
        m = len(card["minerals"])
        a, b = np.asarray(reference["modal"])[:, :m], out["modal"][:, :m]
        found["modal_rms_change_pp"] = round(float(100 * np.sqrt(np.mean((a - b) ** 2))), 3)
    elif "albedo" in out:
        a, b = np.asarray(reference["albedo"])[:, 0], out["albedo"][:, 0]
        found["log10_albedo_rms_change_dex"] = round(float(np.sqrt(np.mean((a - b) ** 2))), 4)
    else:
        key = "abundances" if "abundances" in out else next(iter(out))
        a, b = np.asarray(reference[key]), out[key]
        found[f"{key}_rms_change"] = round(float(np.sqrt(np.mean((a - b) ** 2))), 4)
    return found


def agreement_warning(found: dict) -> str | None:
    """A warning when a quantized file strays from Keras beyond what a user would accept (top-1 agreement under
    99%, modal fractions moved by more than 1 pp RMS), else None."""
    if found.get("top1_agreement", 1.0) < 0.99 or found.get("modal_rms_change_pp", 0.0) > 1.0:
        return ("this file does not reproduce the Keras model (see the figures): use --quantize dynamic (int8 "
                "weights, float activations) or float16 instead")
    return None
