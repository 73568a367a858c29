"""Ask the served astrokeras models about a spectrum over TF Serving's REST API (port 8501).

Needs only the standard library (urllib, json) and numpy. Which models are served, and how each reads a
spectrum, come from the layout's cards (``models/edge/<model>/card.json``, written with the layout).

The default layout serves the chain ``astrokeras analyze`` runs (``coverage_net``, ``aae_net``,
``aae_net_visible``, ``composition_net``). Give text files with columns wavelength and reflectance (an error
column is ignored; ``#`` comments; um, nm or Angstrom, told apart by their size), of any coverage:

* CoverageNet reads the spectrum as the card's ``encoding`` says (bin means interpolated onto its grid, log,
  minus the mean over the covered bands, and the mask of covered bands); its probabilities are calibrated with the
  card's temperature, ``softmax(log(p) / T)``, then given the linear expert and the temperature of the coverage
  the spectrum covers (the card's ``experts``), as ``analyze`` does. The headline is the 11 classes when the
  spectrum reaches past 1.5 um, else S / C / X / Other.
* with ``--pipeline``: the albedo from ``aae_net`` (a spectrum covering 0.45-2.45 um without gaps, fed the 11-class
  probabilities), else ``aae_net_visible`` (0.44-0.92 um, fed its card's own Bus class model), else the class-mean
  rule of CoverageNet's card; the composition from ``composition_net`` for S, Q, A and V-types covering its
  ``requires_um`` range.

A layout written with ``--chain paper`` (``asc_net``, ``aae_net``, ``ae_trans`` on one 0.45-2.45 um grid) is read
as before: a text file interpolated onto the grid, or a ``.npy`` of spectra already on it (``N x bands``), every
row divided by its reflectance at 0.55 um.

Usage::

    python rest_client.py spectrum.txt                         # classes from coverage_net
    python rest_client.py a.txt b.txt --pipeline --json        # + albedo + composition
    python rest_client.py spectrum.txt --url http://host:8501 --layout /path/to/models
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
CLASSIFIER, ALBEDO, UNMIXER = "asc_net", "aae_net", "ae_trans"                  # the paper's chain
COVERAGE, ALBEDO_VISIBLE, COMPOSITION = "coverage_net", "aae_net_visible", "composition_net"   # analyze's
NEAR_INFRARED_UM = 1.5  # past it, the 11 classes are the headline (as astrokeras.analyze)


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


def read_table(path):
    """``(wavelength um, reflectance)`` of a text spectrum file, sorted, finite and positive."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise SystemExit(f"no spectrum file {path}")
    try:
        table = np.loadtxt(path, comments="#", delimiter=None if path.suffix != ".csv" else ",", ndmin=2)
    except ValueError as error:
        raise SystemExit(f"{path}: not a table of numbers ({error}); expected columns wavelength, reflectance")
    if table.shape[1] < 2:
        raise SystemExit(f"{path}: one column only; expected columns wavelength, reflectance")
    order = np.argsort(table[:, 0])
    w, r = _micron(table[order, 0]), table[order, 1]
    if not np.all(np.isfinite(r)) or np.any(r <= 0):
        raise SystemExit(f"{path}: reflectances must be finite and positive (NaN, inf, zero or negative found)")
    return w, r


def covered(w, grid, encoding: dict) -> np.ndarray:
    """The bands of ``grid`` that the sampled wavelengths ``w`` cover (range and gaps), as the card's encoding."""
    grid = np.asarray(grid, dtype=float)
    edge = encoding["edge_um"]
    mask = (grid >= w[0] - edge) & (grid <= w[-1] + edge)
    for start in np.flatnonzero(np.diff(w) > encoding["max_gap_um"]):
        mask &= ~((grid > w[start] + edge) & (grid < w[start + 1] - edge))
    return mask


def encode(w, r, card: dict):
    """``(values, mask)`` on a masked card's grid: centred log-reflectance on the covered bands, 0 elsewhere
    (the card's ``encoding``; astrokeras.spectra.coverage.encode)."""
    encoding, grid = card["encoding"], np.asarray(card["grid_um"], dtype=float)
    mask = covered(w, grid, encoding)
    values = np.zeros(grid.size)
    if mask.any():
        width = encoding["bin_um"]
        index = np.floor((w - encoding["bin_origin_um"] + width / 2) / width).astype(int)
        _, inverse, counts = np.unique(index, return_inverse=True, return_counts=True)
        centres, means = np.bincount(inverse, weights=w) / counts, np.bincount(inverse, weights=r) / counts
        logs = np.log(np.interp(grid[mask], centres, means))
        values[mask] = logs - logs.mean()
    return values.astype(np.float32), mask.astype(np.float32)


def read_spectra(path, card: dict) -> np.ndarray:
    """``N x bands`` float32 spectra on the card's grid, normalised at its wavelength (the paper's chain)."""
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
        w, r = read_table(path)
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


def calibrated(P, temperature: float) -> np.ndarray:
    """``softmax(log(p) / temperature)`` row by row (CoverageNet's calibration)."""
    logp = np.log(np.clip(np.asarray(P, dtype=float), 1e-12, 1.0)) / temperature
    P = np.exp(logp - logp.max(axis=1, keepdims=True))
    return P / P.sum(axis=1, keepdims=True)


def with_expert(coverage: dict, w, r, p11) -> np.ndarray:
    """The 11-class probabilities combined with the linear expert of the first row of ``coverage['experts']`` whose
    span the spectrum covers without a gap, where that row's ``use`` is true (the card's ``experts.how``)."""
    for entry in coverage.get("experts", {}).get("rows", {}).values():
        start, stop = entry["span"]
        grid = np.asarray(entry["grid_um"], dtype=float)
        if w[0] > start + 0.012 or w[-1] < stop - 0.012 or not covered(w, grid, coverage["encoding"]).all():
            continue
        if not entry["use"]:
            return p11
        x = np.interp(np.clip(grid, w[0], w[-1]), w, r)
        x = x / (x[int(np.argmin(np.abs(grid - 0.55)))] if grid[0] <= 0.55 <= grid[-1] else x[0])
        logits = x @ np.asarray(entry["weights"]) + np.asarray(entry["bias"])
        linear = np.exp(logits - logits.max())
        combined = np.sqrt(np.clip(p11, 1e-12, 1.0) * np.clip(linear / linear.sum(), 1e-12, 1.0))
        return combined / combined.sum()
    return p11


def with_row_temperature(coverage: dict, w, p11) -> np.ndarray:
    """The 11-class probabilities with the temperature of the first row of ``coverage['experts']`` whose span the
    spectrum covers without a gap: on the 11 classes for an 11-class row, else on the 4 groups, each group's classes
    scaled together (the card's ``experts.how``)."""
    for entry in coverage.get("experts", {}).get("rows", {}).values():
        start, stop = entry["span"]
        grid = np.asarray(entry["grid_um"], dtype=float)
        if w[0] > start + 0.012 or w[-1] < stop - 0.012 or not covered(w, grid, coverage["encoding"]).all():
            continue
        if "temperature" not in entry:
            return p11
        if entry.get("classes", 11) == 11:
            return calibrated(p11[None], entry["temperature"])[0]
        groups = np.asarray(coverage["groups"])
        p4 = np.bincount(groups, weights=p11, minlength=groups.max() + 1)
        scaled = p11 * (calibrated(p4[None], entry["temperature"])[0] / np.clip(p4, 1e-12, None))[groups]
        return scaled / scaled.sum()
    return p11


def _on_grid(w, r, card: dict, encoding: dict):
    """The spectrum interpolated onto an unmasked card's grid and normalised, or None when it does not cover the
    whole grid without a gap (as astrokeras.analyze asks of the albedo networks)."""
    grid = np.asarray(card["grid_um"], dtype=float)
    if not covered(w, grid, encoding).all():
        return None
    x = np.interp(grid, w, r)
    return (x / np.interp(card.get("normalise_at_um", 0.55), grid, x)).astype(np.float32)


def _albedo_step(ask, spectra, P11, P4, cards) -> list:
    """``(albedo, low, high, method)`` per spectrum: AAE-Net (VIS-NIR), else the visible AAE-Net, else the
    class-mean rule of CoverageNet's card (probability-weighted class means of log10 albedo)."""
    coverage = cards[COVERAGE]
    found = [None] * len(spectra)
    for name in (ALBEDO, ALBEDO_VISIBLE):
        card = cards[name]
        X = [_on_grid(w, r, card, coverage["encoding"]) if found[i] is None else None
             for i, (w, r) in enumerate(spectra)]
        rows = [i for i, x in enumerate(X) if x is not None]
        if not rows:
            continue
        X = np.stack([X[i] for i in rows])
        if "class_model" in card:  # finer classes than the classifier's: the card's own linear class model
            logits = X @ np.asarray(card["class_model"]["weights"]) + np.asarray(card["class_model"]["bias"])
            P = np.exp(logits - logits.max(axis=1, keepdims=True))
            P /= P.sum(axis=1, keepdims=True)
        else:
            P = P11[rows]
        raw = ask(name, {"spectrum": X, "class_probabilities": P.astype(np.float32)}, list(card["outputs"]))["albedo"]
        for i, r_, p in zip(rows, raw, P):
            found[i] = (*albedo_of(r_, p, card), name)
    means, spreads = np.asarray(coverage["albedo_log10_mean"]), np.asarray(coverage["albedo_log10_std"])
    for i, p in enumerate(P4):
        if found[i] is None:
            mean = float(p @ means)
            sigma = math.sqrt(max(float(p @ (spreads ** 2 + means ** 2)) - mean ** 2, 0.0))
            found[i] = (10 ** mean, 10 ** (mean - sigma), 10 ** (mean + sigma), "class-mean rule")
    return found


def analyse_chain(ask, spectra: list, cards: dict, pipeline: bool) -> list:
    """One result dict per ``(wavelength um, reflectance)`` spectrum through analyze's chain (the module docstring);
    ``ask(name, inputs, output_names)`` returns a served model's named outputs."""
    coverage = cards[COVERAGE]
    encoded = [encode(w, r, coverage) for w, r in spectra]
    V, M = np.stack([e[0] for e in encoded]), np.stack([e[1] for e in encoded])
    if np.any(M.sum(axis=1) < 3):
        raise SystemExit("a spectrum covers fewer than 3 bands of the classifier's 0.40-2.50 um grid: check the "
                         "wavelength unit")
    raw = ask(COVERAGE, {"spectrum": V, "mask": M}, list(coverage["outputs"]))["probabilities"]
    P11 = calibrated(raw, coverage.get("temperature", 1.0))
    P11 = np.stack([with_row_temperature(coverage, w, with_expert(coverage, w, r, p))
                    for (w, r), p in zip(spectra, P11)])
    P4 = P11 @ np.eye(len(coverage["group_classes"]))[coverage["groups"]]
    nir = M[:, np.asarray(coverage["grid_um"]) > NEAR_INFRARED_UM].any(axis=1)
    results = []
    for p11, p4, far in zip(P11, P4, nir):
        classes, p = (coverage["classes"], p11) if far else (coverage["group_classes"], p4)
        order = np.argsort(p)[::-1]
        results.append({"scheme": "11-class" if far else "4-class", "top_class": classes[order[0]],
                        "classes": {classes[i]: round(float(p[i]), 4) for i in order},
                        "top_class_11": coverage["classes"][int(np.argmax(p11))]})
    if not pipeline:
        return results
    for result, (value, low, high, method) in zip(results, _albedo_step(ask, spectra, P11, P4, cards)):
        result["albedo"], result["albedo_1sigma"], result["albedo_method"] = (
            round(value, 4), [round(low, 4), round(high, 4)], method)
    card = cards[COMPOSITION]
    start, stop = card["requires_um"]
    grid = np.asarray(card["grid_um"])
    needed = (grid >= start - 1e-6) & (grid <= stop + 1e-6)
    wanted, inputs = [], []
    for i, ((w, r), result) in enumerate(zip(spectra, results)):
        values, mask = encode(w, r, card)
        if result["top_class_11"] in card["applies_to"] and mask[needed].all():
            wanted.append(i)
            inputs.append((np.where(mask > 0, np.exp(values), 0.0).astype(np.float32), mask))
    if wanted:
        out = ask(COMPOSITION, {"spectrum": np.stack([x for x, _ in inputs]), "mask": np.stack([m for _, m in inputs])},
                  list(card["outputs"]))["modal"]
        m = len(card["minerals"])
        for i, row in zip(wanted, out):
            results[i]["composition"] = {k: round(float(v), 4) for k, v in zip(card["minerals"], row[:m])}
            results[i]["composition_1sigma"] = {k: round(float(np.exp(v)), 4) for k, v in zip(card["minerals"], row[m:])}
    return results


def format_result(result: dict) -> str:
    top = list(result["classes"].items())[:3]
    line = "class " + ", ".join(f"{c} {100 * p:.1f}%" for c, p in top)
    if "albedo" in result:
        line += f" | albedo {result['albedo']:.3f} (1-sigma {result['albedo_1sigma'][0]:.3f}-" \
                f"{result['albedo_1sigma'][1]:.3f})"
    if "composition" in result:
        sigma = result.get("composition_1sigma", {})
        line += " | " + ", ".join(f"{k} {100 * v:.0f}%" + (f" +- {100 * sigma[k]:.0f}" if k in sigma else "")
                                  for k, v in result["composition"].items())
    return line


def arguments(description: str, address: str) -> argparse.ArgumentParser:
    """The command line shared with grpc_client.py."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("spectrum", nargs="+", help="text files (wavelength, reflectance); for a paper-chain layout "
                                                    "also a .npy of spectra on its grid")
    parser.add_argument("--url", default=address, help=f"TF Serving's address (default {address})")
    parser.add_argument("--layout", default=str(HERE / "models"), help="the layout folder (for the cards)")
    parser.add_argument("--pipeline", action="store_true", help="also the albedo and, for S/Q/A/V, the composition")
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def chain_of(layout) -> str:
    """``"analyze"`` when the layout serves coverage_net, ``"paper"`` when it serves asc_net."""
    edge = pathlib.Path(layout) / "edge"
    if (edge / COVERAGE / "card.json").is_file():
        return "analyze"
    if (edge / CLASSIFIER / "card.json").is_file():
        return "paper"
    raise SystemExit(f"no {edge / COVERAGE / 'card.json'} (nor {CLASSIFIER}'s): write the layout with "
                     f"`python -m astrokeras.export.serving {layout}` or point --layout at it")


def run(args, ask) -> int:
    """Read the spectra, ask the served models, print the answers."""
    if chain_of(args.layout) == "analyze":
        names = [COVERAGE, ALBEDO, ALBEDO_VISIBLE, COMPOSITION] if args.pipeline else [COVERAGE]
        cards = {n: load_card(args.layout, n) for n in names}
        if any(pathlib.Path(p).suffix == ".npy" for p in args.spectrum):
            raise SystemExit("this layout serves analyze's chain, which reads spectra of any coverage: give text "
                             "files (wavelength, reflectance), not a .npy on one grid")
        labels = [str(p) for p in args.spectrum]
        results = analyse_chain(ask, [read_table(p) for p in args.spectrum], cards, args.pipeline)
    else:
        names = [CLASSIFIER, ALBEDO, UNMIXER] if args.pipeline else [CLASSIFIER]
        cards = {n: load_card(args.layout, n) for n in names}
        if any(cards[n]["grid_um"] != cards[CLASSIFIER]["grid_um"] for n in names):
            raise SystemExit(f"the served models read different grids: {', '.join(names)} must share one")
        X = np.concatenate([read_spectra(p, cards[CLASSIFIER]) for p in args.spectrum])
        labels = [str(i) for i in range(len(X))]
        results = analyse(ask, X, cards, args.pipeline)
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for label, result in zip(labels, results):
            print(f"{label}: {format_result(result)}")
    return 0


def main(argv=None) -> int:
    args = arguments("Classify spectra with the astrokeras models on TF Serving (REST).",
                     "http://localhost:8501").parse_args(argv)
    return run(args, lambda name, inputs, outputs: predict(args.url, name, inputs, outputs))


if __name__ == "__main__":
    sys.exit(main())
