"""The shipped presets in TF Serving's layout, with their ``models.config`` and what a board needs.

:func:`write_serving_layout` writes, under ``out_dir``::

    models.config                            TF Serving's model_config_list (base paths under /models)
    coverage_net/<version>/saved_model.pb    CoverageNet, 11 classes at any coverage (coverage-net-taxonomy)
    aae_net/<version>/...                    AAE-Net, albedo from a VIS-NIR spectrum (aae-net-albedo)
    aae_net_visible/<version>/...            AAE-Net, albedo from a visible spectrum (aae-net-albedo-visible)
    composition_net/<version>/...            CompositionNet, modal and chemical composition
                                             (composition-net-mineralogy)
    edge/<name>/<name>_float32.tflite        float32 TFLite, converted from the SavedModel above
    edge/<name>/<name>_dynamic.tflite        dynamic-range (int8 weights, float activations)
    edge/<name>/reference.npz                real spectra (model inputs) and the Keras outputs on them
    edge/<name>/card.json                    grid, encoding, input and output names, dtypes and meaning

The default (``chain="analyze"``) serves the chain :func:`astrokeras.analyze` runs: CoverageNet's calibrated
11-class probabilities feed AAE-Net (VIS-NIR) or the visible AAE-Net's own Bus class model, and CompositionNet
answers for S, Q, A and V-types covering 0.82-2.08 um. ``export/rest_client.py`` and ``grpc_client.py`` run that
chain from a text spectrum, with the encoding each card describes. ``chain="paper"`` serves the paper's chain
instead (``asc_net``, ``aae_net``, ``ae_trans`` on one 0.45-2.45 um grid). Other presets join with
``models={name: preset}``. A version is the preset's training date as ``YYYYMMDD``, so a re-trained preset is a
newer version that TF Serving picks up. TF Serving reads only the numeric folders under a model's base path; the
edge files live in ``edge/`` beside.

The reference inputs are real spectra from the registered data sets, generated at export time (never
committed): korda2023 VIS-NIR spectra (or SMASS II for a visible grid), put on the model's grid as its card
says (CoverageNet and CompositionNet: :func:`astrokeras.spectra.coverage.encode`, with the mask; the others:
resampled and normalised at 0.55 um); AAE-Net also gets the chain classifier's probabilities for them; AE-trans
and CompositionNet get the S, Q, A and V asteroids they are meant for. ``export/edge_eval.py`` compares each
``.tflite`` with them.

Example
-------
``python -m astrokeras.export.serving export/models`` (the folder ``export/docker-compose.yml`` mounts).

>>> print(models_config(["asc_net"]))
model_config_list {
  config {
    name: "asc_net"
    base_path: "/models/asc_net"
    model_platform: "tensorflow"
  }
}
<BLANKLINE>
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import shutil

import numpy as np

from astrokeras.presets import card_of, grid_of, preset_path
from astrokeras.schemes.class_model import class_probabilities_of
from astrokeras.schemes.coverage_experts import load_experts
from astrokeras.spectra.coverage import (
    BIN_UM,
    EDGE_UM,
    MASTER_GRID,
    MAX_GAP_UM,
    encode_many,
)

SERVING_ROOT = "/models"  # where export/docker-compose.yml mounts the layout inside the container
CHAINS = {
    "analyze": {"coverage_net": "coverage-net-taxonomy", "aae_net": "aae-net-albedo",
                "aae_net_visible": "aae-net-albedo-visible", "composition_net": "composition-net-mineralogy"},
    "paper": {"asc_net": "asc-net-visnir-11class", "aae_net": "aae-net-albedo", "ae_trans": "ae-trans-olivine-pyroxene"},
}
SERVED_MODELS = CHAINS["analyze"]
CLASSIFIERS = {"analyze": "coverage-net-taxonomy", "paper": "asc-net-visnir-11class"}  # whose probabilities AAE-Net reads
EDGE_VARIANTS = {"float32": "none", "dynamic": "dynamic"}  # file suffix -> astrokeras.export.to_tflite quantize
REFERENCE_SPECTRA = 256
CONFIG_FILE = "models.config"

OUTPUT_MEANING = {
    "probabilities": "class probabilities (softmax over card['classes'], sum 1); top class = argmax; with "
                     "card['temperature'], calibrate first: softmax(log(p) / temperature)",
    "albedo": ("[mean deviation of log10 albedo from the class prior, raw log-sigma]: log10 albedo = albedo[0] + "
               "class_probabilities @ card['class_prior_log10']; sigma (dex) = exp(c + h * tanh((albedo[1] - c) / h)) "
               "with c, h = mid-point and half-width of card['log_sigma_bounds']; 1-sigma range "
               "10 ** (log10 albedo -+ sigma)"),
    "abundances": "OL / OPX / CPX fractions of the olivine-pyroxene assemblage (card['endmembers'], sum 1)",
    "modal": "[fractions of card['minerals'] (sum 1), then the log 1-sigma of each]",
    "chemistry": "[mole fractions of card['chemistry'], then the log 1-sigma of each]; report a mineral's chemistry "
                 "where its modal fraction is >= card['chemistry_min_fraction']",
    "groups": "S / C / X / Other probabilities (card['group_classes']); after the temperature, sum the calibrated "
              "11-class probabilities over card['groups'] instead",
    "features": "the penultimate features (astrokeras's out-of-distribution check reads them; clients need not)",
    "reconstruction": "the input spectrum rebuilt from the abundances x the end-member spectra (same grid)",
}


def models_config(names, root: str = SERVING_ROOT) -> str:
    """TF Serving's ``model_config_list`` text proto serving each of ``names`` from ``<root>/<name>``."""
    entries = "".join(f'  config {{\n    name: "{n}"\n    base_path: "{root}/{n}"\n    model_platform: "tensorflow"\n'
                      "  }\n" for n in names)
    return "model_config_list {\n" + entries + "}\n"


def read_models_config(text: str) -> list:
    """The ``config`` entries of a ``model_config_list`` text proto as dicts (``name``, ``base_path``,
    ``model_platform``); enough for the flat files :func:`models_config` writes, not a general proto parser.

    >>> read_models_config(models_config(["aae_net"]))
    [{'name': 'aae_net', 'base_path': '/models/aae_net', 'model_platform': 'tensorflow'}]
    """
    text = re.sub(r"#[^\n]*", "", text)
    if not re.match(r"\s*model_config_list\s*\{", text):
        raise ValueError("not a TF Serving model config: it must start with `model_config_list {`")
    return [dict(re.findall(r'(\w+)\s*:\s*"([^"]*)"', body)) for body in re.findall(r"config\s*\{([^{}]*)\}", text)]


def version_of(card: dict) -> int:
    """The served version of a preset: its training date as ``YYYYMMDD`` (1 when the card has none).

    >>> version_of({"date": "2026-11-24"}), version_of({})
    (20261124, 1)
    """
    date = str(card.get("date") or "")
    return int(date.replace("-", "")) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else 1


COMPOSITION_MODELS = ("CompositionNet", "CompositionEnsemble", "CompositionBlend")  # reflectance and a coverage mask


def masked(card: dict) -> bool:
    """Whether a preset reads a coverage mask (CoverageNet, CompositionNet): its spectrum is put on the grid by
    :func:`astrokeras.spectra.coverage.encode` instead of a resample and a normalisation."""
    return card.get("model") in ("CoverageNet", *COMPOSITION_MODELS)


def _real_spectra(card: dict):
    """``(inputs, designations, source)``: registered real spectra on the card's grid as the model reads them
    (``{"spectrum"}``, plus ``"mask"`` for a masked model: every band covered); SMASS II for a visible grid, else
    korda2023 VIS-NIR, limited to the classes in ``card["applies_to"]`` when the card names some."""
    from astrokeras import datasets, spectra
    from astrokeras.schemes.taxonomy import VISNIR_11

    grid = grid_of(card)
    data = datasets.load_smass2() if grid[-1] < 1.0 else datasets.load_busdemeo()
    source = f"{data.name} ({len(data)} real spectra)"
    if card.get("applies_to") and "bus_demeo" in data.meta:
        keep = np.array([VISNIR_11.map(c) in card["applies_to"] for c in data.meta["bus_demeo"]])
        data = data.subset(keep)
        source += f", the {len(data)} of class {'/'.join(card['applies_to'])}"
    names = np.asarray(data.meta["designation"], dtype=str)
    if masked(card):
        values, mask = encode_many([(data.wavelength, r) for r in data.reflectance], grid)
        spectrum = values if card["model"] == "CoverageNet" else np.where(mask, np.exp(values), 0.0)
        source += "; encoded as astrokeras.spectra.coverage.encode does, every band covered"
        return {"spectrum": spectrum.astype("float32"), "mask": mask.astype("float32")}, names, source
    X = spectra.normalise(grid, spectra.resample(data.wavelength, data.reflectance, grid),
                          card.get("normalise_at_um", spectra.NORMALISE_AT_UM))
    return {"spectrum": X.astype("float32")}, names, source


def signature_outputs(model) -> list:
    """The output names of ``model``'s serving signature: the keys of its output dict where it has one (a layer
    may be named otherwise: CoverageNet's ``features`` come from a layer ``feature_output``), else its output
    names."""
    return sorted(model.output) if isinstance(model.output, dict) else list(model.output_names)


def _outputs(model, inputs: dict) -> dict:
    value = model.predict(inputs if len(inputs) > 1 else next(iter(inputs.values())), verbose=0)
    if isinstance(value, dict):
        return {k: np.asarray(v, dtype="float32") for k, v in value.items()}
    value = value if isinstance(value, (list, tuple)) else [value]
    return {name: np.asarray(v, dtype="float32") for name, v in zip(model.output_names, value)}


def reference_data(preset: str, presets_dir=None, count: int = REFERENCE_SPECTRA, seed: int = 0,
                   classifier: str = CLASSIFIERS["analyze"]) -> dict:
    """Inputs (``count`` real spectra, a seeded choice) and the Keras outputs of ``preset`` on them, as the
    arrays of ``reference.npz``: ``input.<name>``, ``output.<name>``, ``designation``, ``meta`` (JSON).
    ``classifier``: the preset whose (calibrated) probabilities an albedo network without its own class model
    reads."""
    import keras

    import astrokeras.models  # noqa: F401  (registers the networks for loading)
    from astrokeras.training.coverage_classifier import (
        calibrate,  # with keras: imported when exporting only
    )

    card = card_of(preset, presets_dir)
    found, designations, source = _real_spectra(card)
    rows = np.sort(np.random.default_rng(seed).choice(len(designations), size=min(count, len(designations)),
                                                      replace=False))
    inputs = {k: v[rows] for k, v in found.items()}
    model = keras.saving.load_model(str(preset_path(preset, presets_dir)), compile=False)
    if "class_probabilities" in [t.name for t in model.inputs] and "class_model" in card:  # its own class model
        inputs["class_probabilities"] = class_probabilities_of(card["class_model"], inputs["spectrum"]).astype(
            "float32")
        source += f"; class_probabilities from the card's {card['class_model']['scheme']} class model"
    elif "class_probabilities" in [t.name for t in model.inputs]:
        classifier_card = card_of(classifier, presets_dir)
        if list(classifier_card["classes"]) != list(card["classes"]):
            raise ValueError(f"{preset} reads {len(card['classes'])} class probabilities but {classifier} "
                             f"gives {classifier_card['classes']}")
        network = keras.saving.load_model(str(preset_path(classifier, presets_dir)), compile=False)
        if masked(classifier_card):
            grid = grid_of(classifier_card)
            values, mask = encode_on(grid_of(card), inputs["spectrum"], grid)
            P = _outputs(network, {"spectrum": values, "mask": mask})["probabilities"]
        else:
            P = _outputs(network, {"spectrum": inputs["spectrum"]})["probabilities"]
        if "temperature" in classifier_card:
            P = calibrate(P, classifier_card["temperature"])
        inputs["class_probabilities"] = P.astype("float32")
        source += f"; class_probabilities from {classifier} (Keras" + (", calibrated)" if "temperature" in
                                                                     classifier_card else ")")
    outputs = _outputs(model, inputs)
    meta = {"preset": preset, "source": source, "seed": seed,
            "kinds": {k: "probabilities" if k in ("probabilities", "groups") else "regression" for k in outputs}}
    return {**{f"input.{k}": v for k, v in inputs.items()}, **{f"output.{k}": v for k, v in outputs.items()},
            "designation": designations[rows], "meta": np.array(json.dumps(meta))}


def encode_on(grid, X, target_grid):
    """Spectra ``X`` (rows on ``grid``) encoded on ``target_grid`` (:func:`astrokeras.spectra.coverage.encode`)."""
    values, mask = encode_many([(np.asarray(grid), row) for row in X], target_grid)
    return values.astype("float32"), mask.astype("float32")


ENCODING = {"bin_um": BIN_UM, "bin_origin_um": float(MASTER_GRID[0]), "max_gap_um": MAX_GAP_UM, "edge_um": EDGE_UM}


def _input_meaning(card: dict, classifier: str) -> dict:
    bands, at = len(card["grid_um"]), card.get("normalise_at_um", 0.55)
    if card.get("model") == "CoverageNet":
        spectrum = ("log reflectance on grid_um where mask is 1, minus its mean over those bands, 0 elsewhere "
                    "(card['encoding'])")
    elif card.get("model") in COMPOSITION_MODELS:
        spectrum = "reflectance on grid_um where mask is 1 (any scale: the network removes the level), 0 elsewhere"
    else:
        spectrum = f"reflectance on grid_um ({bands} bands), divided by its value at {at} um"
    probabilities = ("softmax(spectrum @ class_model.weights + class_model.bias) of this card" if "class_model" in card
                     else f"the calibrated probabilities of {classifier} (softmax(log(p) / its card's temperature) "
                          "where it has one)")
    return {"spectrum": ([-1, bands], spectrum),
            "mask": ([-1, bands], "1 where the spectrum covers the band, 0 elsewhere (card['encoding'])"),
            "class_probabilities": ([-1, len(card.get("classes", ()))], probabilities)}


def edge_card(name: str, preset: str, card: dict, version: int, inputs, outputs,
              classifier: str = CLASSIFIERS["analyze"]) -> dict:
    """What a board or a client needs to feed the model and read its answer (written as ``edge/<name>/card.json``):
    ``inputs`` and ``outputs`` are the model's tensor names."""
    keep = ("answers", "classes", "class_prior_log10", "class_model", "log_sigma_bounds", "endmembers", "applies_to",
            "date", "temperature", "group_classes", "groups", "albedo_log10_mean", "albedo_log10_std", "minerals",
            "chemistry", "chemistry_of", "chemistry_min_fraction", "requires_um", "model")
    meaning = _input_meaning(card, classifier)
    extra = {"encoding": {**ENCODING, "how": "astrokeras.spectra.coverage.encode: points averaged in bin_um bins "
                                             "aligned on bin_origin_um, the bin means interpolated linearly onto "
                                             "grid_um; a band is covered inside the spectrum's range (+- edge_um) "
                                             "and not inside a stretch of more than max_gap_um without a point"}
             } if masked(card) else {"normalise_at_um": card.get("normalise_at_um", 0.55)}
    if card.get("model") == "CoverageNet" and load_experts()["rows"]:
        extra["experts"] = {"rows": load_experts()["rows"],
                            "how": "where a spectrum covers a row's span (ends within 0.012 um) without a gap and the "
                                   "row's use is true: x = the spectrum interpolated onto the row's grid_um, divided "
                                   "by its value at 0.55 um (else at its first band); P = softmax(x @ weights + bias); "
                                   "P11 = sqrt(P11 * P) renormalised; then, where a row has a temperature T: "
                                   "P11 = softmax(log P11 / T) on an 11-class row, else (classes 4) the groups "
                                   "P4 = softmax(log P4 / T) and each class scaled by its group's new / old share "
                                   "(rows in order: the first that applies)"}
    return {"name": name, "preset": preset, "version": version, "grid_um": card["grid_um"], **extra,
            "inputs": {k: {"shape": meaning[k][0], "dtype": "float32", "meaning": meaning[k][1]} for k in inputs},
            "outputs": {k: {"dtype": "float32", "meaning": OUTPUT_MEANING.get(k, "")} for k in outputs},
            **{k: card[k] for k in keep if k in card}}


def write_serving_layout(presets_dir=None, out_dir="export/models", *, models=None, chain: str = "analyze",
                         reference_spectra: int = REFERENCE_SPECTRA, overwrite: bool = False) -> dict:
    """Export the presets in TF Serving's layout under ``out_dir`` (see the module docstring).

    Parameters
    ----------
    presets_dir : path, optional
        A folder of presets (default: the shipped ones, :func:`astrokeras.presets.presets_dir`).
    out_dir : path
        Where to write; ``export/docker-compose.yml`` mounts ``export/models``.
    models : dict, optional
        ``{served name: preset name}`` (default: the chain's, :data:`CHAINS`).
    chain : str
        ``"analyze"`` (default: :func:`astrokeras.analyze`'s networks) or ``"paper"`` (ASC-Net, AAE-Net, AE-trans).
    reference_spectra : int
        Real spectra per ``reference.npz`` (0: write no reference files, and read no data).
    overwrite : bool
        Replace a version folder that already exists (else a :class:`FileExistsError`).

    Returns
    -------
    dict
        ``{served name: {"preset", "version", "savedmodel", "tflite": {variant: path}, "reference"}}``.
    """
    import keras

    import astrokeras.models  # noqa: F401  (registers the networks for loading)
    from astrokeras.export.savedmodel import export_savedmodel
    from astrokeras.export.tflite import to_tflite

    if chain not in CHAINS:
        raise ValueError(f"chain {chain!r}: choose one of {', '.join(CHAINS)}")
    models = dict(CHAINS[chain] if models is None else models)
    out_dir = pathlib.Path(out_dir)
    written = {}
    for name, preset in models.items():
        if not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise ValueError(f"served model name {name!r}: use letters, digits and underscores (a URL path part)")
        if name == "edge":
            raise ValueError("served model name 'edge' is taken by the folder of TFLite files: choose another")
        card = card_of(preset, presets_dir)
        version = version_of(card)
        target = out_dir / name / str(version)
        if target.exists():
            if not overwrite:
                raise FileExistsError(f"{target} exists: pass overwrite=True to replace it, or remove it")
            shutil.rmtree(target)
        model = keras.saving.load_model(str(preset_path(preset, presets_dir)), compile=False)
        export_savedmodel(model, target)
        edge = out_dir / "edge" / name
        edge.mkdir(parents=True, exist_ok=True)
        tflite = {}
        for variant, quantize in EDGE_VARIANTS.items():
            tflite[variant] = edge / f"{name}_{variant}.tflite"
            tflite[variant].write_bytes(to_tflite(target, quantize))
        reference = None
        if reference_spectra > 0:
            reference = edge / "reference.npz"
            np.savez(reference, **reference_data(preset, presets_dir, reference_spectra,
                                                 classifier=CLASSIFIERS[chain]))
        card_json = edge_card(name, preset, card, version, [t.name for t in model.inputs], signature_outputs(model),
                              classifier=CLASSIFIERS[chain])
        (edge / "card.json").write_text(json.dumps(card_json, indent=1) + "\n")
        written[name] = {"preset": preset, "version": version, "savedmodel": target, "tflite": tflite,
                         "reference": reference}
    (out_dir / CONFIG_FILE).write_text(models_config(list(models)))
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", nargs="?", default="export/models", help="where to write (default export/models)")
    parser.add_argument("--presets", default=None, help="a folder of presets (default: the shipped ones)")
    parser.add_argument("--reference-spectra", type=int, default=REFERENCE_SPECTRA,
                        help=f"real spectra per reference.npz (default {REFERENCE_SPECTRA}; 0: none)")
    parser.add_argument("--overwrite", action="store_true", help="replace version folders that exist")
    parser.add_argument("--chain", choices=list(CHAINS), default="analyze",
                        help="analyze (default: the networks astrokeras.analyze runs) or paper (ASC-Net, AAE-Net, "
                             "AE-trans)")
    args = parser.parse_args(argv)
    written = write_serving_layout(args.presets, args.out_dir, chain=args.chain,
                                   reference_spectra=args.reference_spectra, overwrite=args.overwrite)
    for name, entry in written.items():
        print(f"{name}: {entry['preset']} version {entry['version']} -> {entry['savedmodel']}")
    print(f"{pathlib.Path(args.out_dir) / CONFIG_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
