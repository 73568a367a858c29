"""Classify every Gaia DR3 asteroid spectrum (60518) with the coverage-aware classifier (``coverage-net-taxonomy``).

Bands: Gaia's 16 bands (0.374-1.034 um); a band flagged suspect (1) or bad (2), missing or not positive is
dropped, and the classifier reads what is left as a spectrum with gaps (it was trained on Gaia spectra of the
asteroids other surveys classified, and on ground-based spectra cut to Gaia's bands). An asteroid with fewer than
:data:`MIN_BANDS` usable bands is not classified and says so. Every classified asteroid gets S / C / X / Other
probabilities (what Gaia's visible range can tell), the most likely of the 11 classes, and the
out-of-distribution flag. As in ``analyze``, the probabilities get the temperature of the coverage the usable bands
cover (a whole Gaia spectrum covers the visible 0.44-0.92 um: :mod:`astrokeras.schemes.coverage_experts`); on
CoverageNet's held-out Gaia DR3 spectra (the temperature fitted on the visible row's other folds) it lowers the
ECE against SMASS II's classes from 0.046 to 0.018, against Bus-DeMeo's from 0.056 to 0.029
(``reproduce --table coverage-levers``).

Agreement with catalogue classes is reported for the record only: the preset trained on these asteroids' Gaia
spectra, so it is in sample. The honest figure, each asteroid scored by a model that never saw it in any survey,
is the coverage table's (``astrokeras reproduce --table coverage``).

Scaling out: ``shard="i/n"`` classifies rows ``i, i+n, i+2n, ...`` only, so ``n`` processes (or machines,
each with the mirror or the Keras cache) split the survey; concatenate their CSV files afterwards.

Example
-------
``astrokeras survey gaia --output outputs/gaia`` (writes ``gaia_classes.csv``, ``gaia_survey.json``,
``gaia_class_fractions.png``, ``gaia_vs_busdemeo.png``)
"""

from __future__ import annotations

import json
import logging
import os
import pathlib
import time

import numpy as np
import pandas as pd

from astrokeras import datasets
from astrokeras.evaluation import confusion
from astrokeras.evaluation.figures import confusion_png, pyplot, save_png
from astrokeras.evaluation.ood import ood_scores
from astrokeras.presets import grid_of, load_lite_preset
from astrokeras.schemes.coverage_experts import load_experts, with_row_temperature
from astrokeras.schemes.taxonomy import FOUR_CLASS, four_class_of_busdemeo
from astrokeras.spectra.coverage import encode

log = logging.getLogger(__name__)
PRESET = "coverage-net-taxonomy"
BATCH = 4096
MIN_BANDS = 6
CLASSIFIED = "classified"


def usable_bands(reflectance, flags) -> np.ndarray:
    """Which bands of each row are usable: flag 0, finite and positive.

    >>> usable_bands([[1.0, np.nan, 2.0, -1.0]], [[0, 0, 1, 0]]).tolist()
    [[True, False, False, False]]
    """
    R = np.asarray(reflectance, dtype=float)
    return (np.asarray(flags) == 0) & np.isfinite(R) & (R > 0)


def with_coverage_temperature(P11, usable, wavelength, groups) -> tuple[np.ndarray, np.ndarray]:
    """``(P11, temperature)``: each row's calibrated 11-class probabilities with the temperature of the coverage its
    usable bands cover (as ``analyze`` applies it: :func:`~astrokeras.schemes.coverage_experts.with_row_temperature`;
    a full Gaia spectrum covers the visible 0.44-0.92 um), rows of one band pattern at a time; ``temperature`` is NaN
    where none applies (too many bands dropped) and for rows not classified (NaN probabilities)."""
    P11, temperature = np.array(P11, dtype=float), np.full(len(P11), np.nan)
    done = np.flatnonzero(np.isfinite(P11).all(axis=1))
    if not done.size:
        return P11, temperature
    patterns, which = np.unique(np.asarray(usable)[done], axis=0, return_inverse=True)
    for j, pattern in enumerate(patterns):
        rows = done[which.ravel() == j]
        P11[rows], _, T = with_row_temperature(load_experts(), np.asarray(wavelength)[pattern], P11[rows], groups)
        temperature[rows] = np.nan if T is None else T
    return P11, temperature


def prepare(wavelength, reflectance, flags, grid):
    """``(values, masks, status, bands)``: each Gaia row on ``grid`` (see :func:`astrokeras.spectra.coverage.encode`) from
    its usable bands (flag 0, finite, positive); ``status`` is ``"classified"`` or why not; ``bands`` the count of
    usable bands.

    >>> w = np.round(0.374 + 0.044 * np.arange(16), 3)
    >>> r = np.ones((2, 16)); f = np.zeros((2, 16), int); f[1, 3:] = 2
    >>> values, masks, status, bands = prepare(w, r, f, np.round(np.arange(0.40, 2.501, 0.02), 3))
    >>> status.tolist(), bands.tolist(), int(masks[0].sum())
    (['classified', 'fewer than 6 usable bands'], [16, 3], 32)
    """
    R = np.asarray(reflectance, dtype=float)
    usable = usable_bands(R, flags)
    bands = usable.sum(axis=1)
    status = np.where(bands >= MIN_BANDS, CLASSIFIED, f"fewer than {MIN_BANDS} usable bands").astype(object)
    values = np.zeros((len(R), len(grid)), dtype="float32")
    masks = np.zeros((len(R), len(grid)), dtype=bool)
    for row in np.flatnonzero(status == CLASSIFIED):
        values[row], masks[row] = encode(wavelength[usable[row]], R[row, usable[row]], grid)
    return values, masks, status, bands


def _agreement(table: pd.DataFrame, labels: pd.DataFrame, classes) -> dict:
    """Agreement of the Gaia classes with catalogue 4-class labels for the asteroids in both."""
    merged = table[table["status"] == CLASSIFIED].merge(labels, on="number")
    index = {c: i for i, c in enumerate(classes)}
    true = merged["label"].map(index).to_numpy()
    predicted = merged["class"].map(index).to_numpy()
    matrix = confusion(true, predicted, len(classes)) if len(merged) else np.zeros((len(classes),) * 2, int)
    per_class = {c: round(float(matrix[i, i] / matrix[i].sum()), 4) if matrix[i].sum() else None
                 for i, c in enumerate(classes)}
    return {"asteroids": int(len(merged)), "agreement": round(float(np.mean(true == predicted)), 4) if len(merged) else None,
            "per_class": per_class, "confusion": matrix.tolist()}


def _catalogue_labels():
    """4-class labels of Bus-DeMeo and of SMASS II (Bus) by asteroid number."""
    busdemeo = datasets.load_busdemeo().meta
    y, kept = four_class_of_busdemeo(busdemeo["bus_demeo"])
    bd = pd.DataFrame({"number": busdemeo["number"][kept].astype(str).to_numpy(), "label": FOUR_CLASS.decode(y)})
    smass = datasets.load_smass2().meta
    y, kept = FOUR_CLASS.encode(smass["bus_class"])
    sm = pd.DataFrame({"number": smass["number"][kept].astype(str).to_numpy(), "label": FOUR_CLASS.decode(y)})
    return bd[bd["number"] != ""], sm[sm["number"] != ""]


def fractions_png(table: pd.DataFrame, classes, path) -> pathlib.Path:
    """Bar chart of the class fractions of the classified asteroids (all, and the numbered first 10000)."""
    plt = pyplot()
    done = table[table["status"] == CLASSIFIED]
    bright = done[done["number"].astype(int) <= 10000]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    width = 0.4
    for offset, subset, label in ((-width / 2, done, f"all classified ({len(done)})"),
                                  (width / 2, bright, f"numbers <= 10000 ({len(bright)})")):
        share = [np.mean(subset["class"] == c) if len(subset) else 0 for c in classes]
        bars = ax.bar(np.arange(len(classes)) + offset, share, width, label=label)
        ax.bar_label(bars, labels=[f"{100 * s:.1f}%" for s in share], fontsize=7)
    ax.set_xticks(range(len(classes)), classes)
    ax.set_ylabel("fraction of asteroids")
    ax.set_title("Gaia DR3 asteroids, CoverageNet (S / C / X / Other)", fontsize=9)
    ax.legend(fontsize=8)
    return save_png(fig, path)


def parse_shard(shard: str):
    """``"i/n"`` -> ``(i, n)`` with ``0 <= i < n``.

    >>> parse_shard("2/8")
    (2, 8)
    """
    try:
        index, count = (int(v) for v in shard.split("/"))
    except ValueError:
        index, count = -1, 0
    if not 0 <= index < count:
        raise ValueError(f"--shard must be I/N with 0 <= I < N (e.g. 0/4), got {shard!r}")
    return index, count


def survey_gaia(output="outputs/gaia", *, batch_size: int = BATCH, shard: str | None = None, presets=None) -> dict:
    """Classify the Gaia DR3 asteroids; write ``gaia_classes.csv``, ``gaia_survey.json`` and two figures.

    ``presets``: a folder of presets other than the shipped ones (the main job passes its freshly trained ones).
    The preset's float32 TFLite copy classifies (``ai_edge_litert``, every CPU thread), ``batch_size`` spectra at
    a time, with a progress line per batch in the ``astrokeras`` log.

    Returns the summary (counts, seconds per stage, throughput, class counts, in-sample agreement).
    """
    seconds = {}
    start = time.perf_counter()
    data = datasets.load_gaia_dr3()
    rows = np.arange(len(data.meta))
    if shard:
        index, count = parse_shard(shard)
        rows = rows[index::count]
    seconds["load"] = time.perf_counter() - start
    t = time.perf_counter()
    run, card = load_lite_preset(PRESET, presets, threads=os.cpu_count() or 1)
    values, masks, status, bands = prepare(data.wavelength, data.reflectance[rows], data.flags[rows], grid_of(card))
    seconds["prepare"] = time.perf_counter() - t
    usable = np.flatnonzero(status == CLASSIFIED)
    log.info(f"Gaia DR3: {len(rows)} asteroids, {len(usable)} classifiable ({len(rows) - len(usable)} with fewer "
             f"than {MIN_BANDS} usable bands), batches of {batch_size}")
    t = time.perf_counter()
    P11 = np.full((len(rows), len(card["classes"])), np.nan)
    scores = np.full(len(rows), np.nan)
    for first in range(0, len(usable), batch_size):
        chunk = usable[first:first + batch_size]
        out = run(spectrum=values[chunk], mask=masks[chunk].astype("float32"))
        logp = np.log(np.clip(out["probabilities"].astype(float), 1e-12, 1)) / card["temperature"]
        p = np.exp(logp - logp.max(axis=1, keepdims=True))
        P11[chunk] = p / p.sum(axis=1, keepdims=True)
        scores[chunk] = ood_scores(out["features"], card["ood"])
        log.info(f"  classified {first + len(chunk)}/{len(usable)}")
    P11, temperature = with_coverage_temperature(P11, usable_bands(data.reflectance[rows], data.flags[rows]),
                                                 data.wavelength, card["groups"])
    seconds["classify"] = time.perf_counter() - t
    classes, classes_11 = card["group_classes"], card["classes"]
    P4 = P11 @ np.eye(len(classes))[card["groups"]]
    done = status == CLASSIFIED
    table = pd.DataFrame({"number": data.meta["number"].to_numpy()[rows],
                          "designation": data.meta["designation"].to_numpy()[rows]})
    table["class"] = np.where(done, np.asarray(classes)[np.nan_to_num(P4).argmax(1)], "")
    table["class_11"] = np.where(done, np.asarray(classes_11)[np.nan_to_num(P11).argmax(1)], "")
    for i, name in enumerate(classes):
        table[f"p_{name}"] = P4[:, i].round(4)
    for i, name in enumerate(classes_11):
        table[f"p11_{name}"] = P11[:, i].round(4)
    table["out_of_distribution"] = np.where(done, scores > card["ood"]["threshold"], False)
    table["usable_bands"] = bands
    table["coverage_temperature"] = temperature
    table["status"] = status
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    table.to_csv(output / "gaia_classes.csv", index=False)
    seconds["write"] = time.perf_counter() - t
    t = time.perf_counter()
    busdemeo, smass = _catalogue_labels()
    agreement = {"Bus-DeMeo (in sample: these Gaia spectra trained the preset)": _agreement(table, busdemeo, classes),
                 "SMASS II Bus classes (in sample)": _agreement(table, smass, classes)}
    bd = next(iter(agreement.values()))
    figures = [str(fractions_png(table, classes, output / "gaia_class_fractions.png")),
               str(confusion_png(np.array(bd["confusion"]), classes,
                                 f"Gaia DR3 class vs Bus-DeMeo class ({bd['asteroids']} asteroids, in sample)",
                                 output / "gaia_vs_busdemeo.png"))]
    seconds["agreement_and_figures"] = time.perf_counter() - t
    total = time.perf_counter() - start
    summary = {
        "asteroids": int(len(rows)), "classified": int(len(usable)),
        "not_classified": {str(k): int(v) for k, v in pd.Series(status[~done]).value_counts().items()},
        "out_of_distribution": int(table["out_of_distribution"].sum()),
        "class_counts": {c: int(np.sum(table["class"] == c)) for c in classes},
        "class_11_counts": {c: int(np.sum(table["class_11"] == c)) for c in classes_11},
        "preset": PRESET, "agreement": agreement,
        "honest_agreement": "see `astrokeras reproduce --table coverage` (Gaia DR3 vs Bus-DeMeo, out of fold)",
        "seconds": {k: round(v, 2) for k, v in seconds.items()} | {"total": round(total, 2)},
        "throughput_spectra_per_s": round(len(usable) / max(seconds["classify"], 1e-9)),
        "table": str(output / "gaia_classes.csv"), "figures": figures, "shard": shard,
    }
    (output / "gaia_survey.json").write_text(json.dumps(summary, indent=1))
    return summary


def format_survey(summary: dict) -> str:
    """A few lines for the terminal."""
    lines = [f"Gaia DR3: {summary['classified']} of {summary['asteroids']} asteroids classified "
             f"({summary['seconds']['total']:.1f} s end to end; classification {summary['throughput_spectra_per_s']} "
             "spectra/s)",
             "classes: " + ", ".join(f"{c} {n}" for c, n in summary["class_counts"].items())
             + f"; out of distribution: {summary['out_of_distribution']}",
             "not classified: " + (", ".join(f"{n} {k}" for k, n in summary["not_classified"].items()) or "none")]
    for name, a in summary["agreement"].items():
        if a["asteroids"]:
            lines.append(f"agreement with {name}: {100 * a['agreement']:.1f}% of {a['asteroids']} asteroids; per class "
                         + ", ".join(f"{c} {100 * v:.0f}%" for c, v in a["per_class"].items() if v is not None))
    lines.append(f"honest agreement: {summary['honest_agreement']}")
    lines.append(f"table: {summary['table']}; figures: {', '.join(summary['figures'])}")
    return "\n".join(lines)
