"""Ask the served astrokeras models about a spectrum over TF Serving's REST API (port 8501).

Needs only the standard library (urllib, json) and numpy. The spectrum is put on the model's grid and normalised
the way the models were trained (see README.md): give either

* a text file with columns wavelength and reflectance (an error column is ignored; ``#`` comments; um, nm or
  Angstrom, told apart by their size), which is linearly interpolated onto the grid (no extrapolation), or
* a ``.npy`` array of spectra already on the grid, one row per spectrum (``N x bands``).

Every row is divided by its reflectance at 0.55 um. The grid, the class names and the albedo prior come from the
model's ``card.json``, written with the layout (``models/edge/<model>/card.json``).

Usage::

    python rest_client.py spectrum.txt                          # classes from asc_net
    python rest_client.py spectra.npy --pipeline                # + albedo (aae_net) + composition (ae_trans)
    python rest_client.py spectrum.txt --url http://host:8501 --layout /path/to/models --json
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import sys
import urllib.error
import urllib.request

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
CLASSIFIER, ALBEDO, UNMIXER = "asc_net", "aae_net", "ae_trans"


def load_card(layout, name: str) -> dict:
    """The ``card.json`` of served model ``name`` in the layout folder."""
    path = pathlib.Path(layout) / "edge" / name / "card.json"
    if not path.is_file():
        raise SystemExit(f"no {path}: write the layout with `python -m astrokeras.export.serving {layout}` "
                         "or point --layout at it")
    return json.loads(path.read_text())


def _micron(wavelength: np.ndarray) -> np.ndarray:
    middle = float(np.median(wavelength))
    return wavelength / (1e4 if middle >= 3000 else 1e3 if middle >= 100 else 1.0)


def read_spectra(path, card: dict) -> np.ndarray:
    """``N x bands`` float32 spectra on the card's grid, normalised at its wavelength (see the module docstring)."""
    path = pathlib.Path(path)
    grid = np.asarray(card["grid_um"], dtype=float)
    if not path.is_file():
        raise SystemExit(f"no spectrum file {path}")
    if path.suffix == ".npy":
        X = np.atleast_2d(np.load(path, allow_pickle=False)).astype(float)
        if X.shape[1] != grid.size:
            raise SystemExit(f"{path}: rows of {X.shape[1]} values, but {card['name']} reads {grid.size} bands "
                             f"({grid[0]:g}-{grid[-1]:g} um); give a text file with wavelengths to resample it")
    else:
        try:
            table = np.loadtxt(path, comments="#", delimiter=None if path.suffix != ".csv" else ",", ndmin=2)
        except ValueError as error:
            raise SystemExit(f"{path}: not a table of numbers ({error}); expected columns wavelength, reflectance")
        if table.shape[1] < 2:
            raise SystemExit(f"{path}: one column only; expected columns wavelength, reflectance")
        order = np.argsort(table[:, 0])
        w, r = _micron(table[order, 0]), table[order, 1]
        if grid[0] < w[0] - 1e-3 or grid[-1] > w[-1] + 1e-3:
            raise SystemExit(f"{path} covers {w[0]:g}-{w[-1]:g} um, but {card['name']} needs {grid[0]:g}-"
                             f"{grid[-1]:g} um; the models do not extrapolate")
        X = np.interp(grid, w, r)[None]
    if not np.all(np.isfinite(X)) or np.any(X <= 0):
        raise SystemExit(f"{path}: reflectances must be finite and positive (NaN, inf, zero or negative found)")
    at = np.array([np.interp(card.get("normalise_at_um", 0.55), grid, row) for row in X])
    return (X / at[:, None]).astype(np.float32)


def predict(url: str, name: str, inputs: dict, outputs: list, timeout: float = 30.0) -> dict:
    """POST ``inputs`` (``{name: array}``) to ``<url>/v1/models/<name>:predict``; ``{output name: array}``.

    TF Serving answers a columnar request with ``{"outputs": list}`` when the signature has one output and
    ``{"outputs": {name: list}}`` when it has several.
    """
    body = json.dumps({"signature_name": "serving_default",
                       "inputs": {k: np.asarray(v, dtype=float).tolist() for k, v in inputs.items()}}).encode()
    request = urllib.request.Request(f"{url.rstrip('/')}/v1/models/{name}:predict", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")
        raise SystemExit(f"{name}: TF Serving answered HTTP {error.code}: {detail.strip()}")
    except urllib.error.URLError as error:
        raise SystemExit(f"cannot reach TF Serving at {url} ({error.reason}): start it with "
                         "`docker compose up` in export/, or pass --url")
    values = answer["outputs"]
    if isinstance(values, dict):
        return {k: np.asarray(v, dtype=np.float32) for k, v in values.items()}
    return {outputs[0]: np.asarray(values, dtype=np.float32)}


def albedo_of(raw: np.ndarray, probabilities: np.ndarray, card: dict) -> tuple:
    """``(albedo, low, high)`` from AAE-Net's ``albedo`` output: log10 albedo = raw[0] + P @ prior; its 1-sigma
    in dex is exp of raw[1] mapped smoothly into ``card["log_sigma_bounds"]`` (the bound it was trained with)."""
    low_bound, high_bound = card["log_sigma_bounds"]
    centre, half = (low_bound + high_bound) / 2, (high_bound - low_bound) / 2
    log10 = float(raw[0] + probabilities @ np.asarray(card["class_prior_log10"]))
    sigma = math.exp(centre + half * math.tanh((float(raw[1]) - centre) / half))
    return 10 ** log10, 10 ** (log10 - sigma), 10 ** (log10 + sigma)


def analyse(ask, X: np.ndarray, cards: dict, pipeline: bool) -> list:
    """One result dict per spectrum: classes (and, with ``pipeline``, albedo and composition); ``ask(name,
    inputs, output_names)`` returns a served model's named outputs (over REST here, gRPC in grpc_client.py)."""
    classifier = cards[CLASSIFIER]
    P = ask(CLASSIFIER, {"spectrum": X}, list(classifier["outputs"]))["probabilities"]
    results = []
    for p in P:
        order = np.argsort(p)[::-1]
        results.append({"top_class": classifier["classes"][order[0]],
                        "classes": {classifier["classes"][i]: round(float(p[i]), 4) for i in order}})
    if not pipeline:
        return results
    raw = ask(ALBEDO, {"spectrum": X, "class_probabilities": P}, list(cards[ALBEDO]["outputs"]))["albedo"]
    for result, r, p in zip(results, raw, P):
        value, low, high = albedo_of(r, p, cards[ALBEDO])
        result["albedo"], result["albedo_1sigma"] = round(value, 4), [round(low, 4), round(high, 4)]
    unmixer = cards[UNMIXER]
    wanted = [i for i, r in enumerate(results) if r["top_class"] in unmixer["applies_to"]]
    if wanted:
        A = ask(UNMIXER, {"spectrum": X[wanted]}, list(unmixer["outputs"]))["abundances"]
        for i, a in zip(wanted, A):
            results[i]["composition"] = {k: round(float(v), 4) for k, v in zip(unmixer["endmembers"], a)}
    return results


def format_result(result: dict) -> str:
    top = list(result["classes"].items())[:3]
    line = "class " + ", ".join(f"{c} {100 * p:.1f}%" for c, p in top)
    if "albedo" in result:
        line += f" | albedo {result['albedo']:.3f} (1-sigma {result['albedo_1sigma'][0]:.3f}-" \
                f"{result['albedo_1sigma'][1]:.3f})"
    if "composition" in result:
        line += " | " + ", ".join(f"{k} {100 * v:.0f}%" for k, v in result["composition"].items())
    return line


def arguments(description: str, address: str) -> argparse.ArgumentParser:
    """The command line shared with grpc_client.py."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("spectrum", help="a text file (wavelength, reflectance) or a .npy of spectra on the grid")
    parser.add_argument("--url", default=address, help=f"TF Serving's address (default {address})")
    parser.add_argument("--layout", default=str(HERE / "models"), help="the layout folder (for the cards)")
    parser.add_argument("--pipeline", action="store_true", help="also the albedo (aae_net) and, for S/Q/A/V, "
                        "the OL/OPX/CPX composition (ae_trans)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def run(args, ask) -> int:
    """Read the spectra, ask the served models, print the answers."""
    names = [CLASSIFIER, ALBEDO, UNMIXER] if args.pipeline else [CLASSIFIER]
    cards = {n: load_card(args.layout, n) for n in names}
    if any(cards[n]["grid_um"] != cards[CLASSIFIER]["grid_um"] for n in names):
        raise SystemExit(f"the served models read different grids: {', '.join(names)} must share one for --pipeline")
    X = read_spectra(args.spectrum, cards[CLASSIFIER])
    results = analyse(ask, X, cards, args.pipeline)
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for i, result in enumerate(results):
            print(f"{i}: {format_result(result)}")
    return 0


def main(argv=None) -> int:
    args = arguments("Classify spectra with the astrokeras models on TF Serving (REST).",
                     "http://localhost:8501").parse_args(argv)
    return run(args, lambda name, inputs, outputs: predict(args.url, name, inputs, outputs))


if __name__ == "__main__":
    sys.exit(main())
