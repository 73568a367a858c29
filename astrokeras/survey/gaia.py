"""Classify every Gaia DR3 asteroid spectrum (60518) with the Gaia-grid ASC-Net preset.

Which bands: the classifier reads Gaia's 11 bands from 0.462 to 0.902 um, the part of Gaia's 0.374-1.034 um
range that the SMASS II training spectra cover (they are resampled onto these bands). The two bluest bands
(flagged in 74% and 7% of the asteroids) and the three reddest lie outside SMASS II and are not used.

Flags: a band flagged suspect (1) or bad (2), or without a value, is replaced by linear interpolation between
its usable neighbours; an asteroid with more than :data:`MAX_REPAIRED` such bands among the 11, or with one at
an end of the grid (no interpolation possible), or without a usable 0.55 um band, is not classified and says
why. Spectra are renormalised at 0.55 um.

Calibration: Gaia's red bands read redder than ground-based spectra of the same asteroids (+8% at 0.9 um on
average, +12% for S-types, whose 1 um band looks shallower), so a classifier trained on SMASS II called most
Gaia S-types "Other" (15% agreement with Bus-DeMeo S-types, measured). The preset's card holds the per-band
median ratio Gaia / SMASS II over about 1000 asteroids observed by both (no class labels used; asteroids with a
Bus-DeMeo class left out, so the agreement with Bus-DeMeo stays independent); Gaia spectra are divided by it.

Scaling out: ``shard="i/n"`` classifies rows ``i, i+n, i+2n, ...`` only, so ``n`` processes (or machines,
each with the mirror or the Keras cache) split the survey; concatenate their CSV files afterwards.

Example
-------
``astrokeras survey gaia --output outputs/gaia`` (writes ``gaia_classes.csv``, ``gaia_survey.json``,
``gaia_class_fractions.png``, ``gaia_vs_busdemeo.png``)
"""

from __future__ import annotations

import json
import pathlib
import sys
import time

import numpy as np
import pandas as pd

GAIA_GRID = np.array([0.462, 0.506, 0.55, 0.594, 0.638, 0.682, 0.726, 0.77, 0.814, 0.858, 0.902])
MAX_REPAIRED = 2
PRESET = "asc-net-gaia-4class"


def prepare(wavelength, reflectance, flags):
    """``(X, status, repaired)`` for Gaia rows on their native 16 bands.

    ``X``: rows on :data:`GAIA_GRID`, flagged bands interpolated, normalised at 0.55 um (NaN rows where the
    status is not ``"classified"``); ``status``: ``"classified"`` or the reason it is not; ``repaired``: how
    many of the 11 bands were interpolated.

    >>> w = np.round(0.374 + 0.044 * np.arange(16), 3)
    >>> r = np.ones((3, 16)); f = np.zeros((3, 16), int); f[0, 5] = 2; f[1, 2] = 1; f[2, 5:9] = 1
    >>> X, status, repaired = prepare(w, r, f)
    >>> status.tolist()
    ['classified', 'flagged band at a grid end', 'more than 2 flagged bands']
    >>> repaired.tolist(), X[0].round(3).tolist() == [1.0] * 11
    ([1, 1, 4], True)
    """
    wavelength = np.asarray(wavelength, dtype=float)
    columns = [int(np.argmin(np.abs(wavelength - w))) for w in GAIA_GRID]
    if not np.allclose(wavelength[columns], GAIA_GRID, atol=1e-4):
        raise ValueError(f"these spectra lack the Gaia bands {GAIA_GRID.tolist()} um")
    X = np.asarray(reflectance, dtype=float)[:, columns].copy()
    bad = (np.asarray(flags)[:, columns] > 0) | ~np.isfinite(X) | (X <= 0)
    repaired = bad.sum(axis=1)
    status = np.full(len(X), "classified", dtype=object)
    at_550 = int(np.argmin(np.abs(GAIA_GRID - 0.55)))
    status[repaired > MAX_REPAIRED] = f"more than {MAX_REPAIRED} flagged bands"
    status[(status == "classified") & (bad[:, 0] | bad[:, -1])] = "flagged band at a grid end"
    status[(status == "classified") & bad[:, at_550]] = "flagged 0.55 um band"
    for row in np.flatnonzero((status == "classified") & (repaired > 0)):
        good = ~bad[row]
        X[row, ~good] = np.interp(GAIA_GRID[~good], GAIA_GRID[good], X[row, good])
    usable = status == "classified"
    X[usable] /= X[usable, at_550][:, None]
    X[~usable] = np.nan
    return X, status, repaired


def _agreement(table: pd.DataFrame, labels: pd.DataFrame, classes) -> dict:
    """Agreement of the Gaia classes with catalogue 4-class labels for the asteroids in both."""
    from astrokeras.evaluation import confusion

    merged = table[table["status"] == "classified"].merge(labels, on="number")
    index = {c: i for i, c in enumerate(classes)}
    true = merged["label"].map(index).to_numpy()
    predicted = merged["class"].map(index).to_numpy()
    matrix = confusion(true, predicted, len(classes)) if len(merged) else np.zeros((len(classes),) * 2, int)
    per_class = {c: round(float(matrix[i, i] / matrix[i].sum()), 4) if matrix[i].sum() else None
                 for i, c in enumerate(classes)}
    return {"asteroids": int(len(merged)), "agreement": round(float(np.mean(true == predicted)), 4) if len(merged) else None,
            "per_class": per_class, "confusion": matrix.tolist()}


def _catalogue_labels():
    """4-class labels of Bus-DeMeo (independent of the Gaia classifier's training) and SMASS II (its training)."""
    from astrokeras import datasets
    from astrokeras.taxonomy import FOUR_CLASS, four_class_of_busdemeo

    busdemeo = datasets.load_busdemeo().meta
    y, kept = four_class_of_busdemeo(busdemeo["bus_demeo"])
    bd = pd.DataFrame({"number": busdemeo["number"][kept].astype(str).to_numpy(), "label": FOUR_CLASS.decode(y)})
    smass = datasets.load_smass2().meta
    y, kept = FOUR_CLASS.encode(smass["bus_class"])
    sm = pd.DataFrame({"number": smass["number"][kept].astype(str).to_numpy(), "label": FOUR_CLASS.decode(y)})
    return bd[bd["number"] != ""], sm[sm["number"] != ""]


def fractions_png(table: pd.DataFrame, classes, path) -> pathlib.Path:
    """Bar chart of the class fractions of the classified asteroids (all, and the numbered first 10000)."""
    from astrokeras.reproduce.figures import pyplot, save_png

    plt = pyplot()
    done = table[table["status"] == "classified"]
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
    ax.set_title("Gaia DR3 asteroids, 4-class ASC-Net (bands 0.46-0.90 um)", fontsize=9)
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


def survey_gaia(output="outputs/gaia", *, batch_size: int = 4096, shard: str | None = None, presets=None,
                log=None) -> dict:
    """Classify the Gaia DR3 asteroids; write ``gaia_classes.csv``, ``gaia_survey.json`` and two figures.

    ``presets``: a folder of presets other than the shipped ones (the main job passes its freshly trained ones).

    Returns the summary (counts, seconds per stage, throughput, agreement with Bus-DeMeo and SMASS II).
    """
    import keras
    import tensorflow as tf

    from astrokeras import datasets
    from astrokeras.presets import load_preset
    from astrokeras.reproduce.figures import confusion_png

    log = log if log is not None else (lambda text: print(text, file=sys.stderr, flush=True))
    seconds = {}
    start = time.perf_counter()
    data = datasets.load_gaia_dr3()
    rows = np.arange(len(data.meta))
    if shard:
        index, count = parse_shard(shard)
        rows = rows[index::count]
    seconds["load"] = time.perf_counter() - start
    t = time.perf_counter()
    X, status, repaired = prepare(data.wavelength, data.reflectance[rows], data.flags[rows])
    seconds["prepare"] = time.perf_counter() - t
    t = time.perf_counter()
    model, card = load_preset(PRESET, presets)
    classes = card["classes"]
    X = X / np.asarray(card.get("gaia_to_ground_ratio", np.ones(GAIA_GRID.size)))  # see the module docstring
    seconds["load_model"] = time.perf_counter() - t
    usable = np.flatnonzero(status == "classified")
    log(f"Gaia DR3: {len(rows)} asteroids, {len(usable)} classifiable ({len(rows) - len(usable)} not: too many "
        f"flagged bands), batches of {batch_size}")
    t = time.perf_counter()
    dataset = tf.data.Dataset.from_tensor_slices(X[usable].astype("float32")).batch(batch_size).prefetch(2)
    progress = keras.utils.Progbar(len(usable), unit_name="spectrum", verbose=1 if sys.stderr.isatty() else 2)
    parts = []
    for batch in dataset:
        parts.append(np.asarray(model(batch, training=False)))
        progress.add(len(parts[-1]))
    probabilities = np.full((len(rows), len(classes)), np.nan, dtype="float32")
    if parts:
        probabilities[usable] = np.concatenate(parts)
    seconds["classify"] = time.perf_counter() - t
    table = pd.DataFrame({"number": data.meta["number"].to_numpy()[rows],
                          "designation": data.meta["designation"].to_numpy()[rows]})
    table["class"] = np.where(status == "classified", np.asarray(classes)[np.nan_to_num(probabilities).argmax(1)], "")
    for i, name in enumerate(classes):
        table[f"p_{name}"] = probabilities[:, i].round(4)
    table["repaired_bands"] = repaired
    table["status"] = status
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    table.to_csv(output / "gaia_classes.csv", index=False)
    seconds["write"] = time.perf_counter() - t
    t = time.perf_counter()
    busdemeo, smass = _catalogue_labels()
    agreement = {"Bus-DeMeo (DeMeo 2009 + Binzel 2019; independent of the training labels)":
                 _agreement(table, busdemeo, classes),
                 "SMASS II (Bus classes; the classifier's training labels, from other spectra)":
                 _agreement(table, smass, classes)}
    bd = next(iter(agreement.values()))
    figures = [str(fractions_png(table, classes, output / "gaia_class_fractions.png")),
               str(confusion_png(np.array(bd["confusion"]), classes,
                                 f"Gaia DR3 class vs Bus-DeMeo class ({bd['asteroids']} asteroids)",
                                 output / "gaia_vs_busdemeo.png"))]
    seconds["agreement_and_figures"] = time.perf_counter() - t
    total = time.perf_counter() - start
    summary = {
        "asteroids": int(len(rows)), "classified": int(len(usable)),
        "not_classified": {str(k): int(v) for k, v in pd.Series(status[status != "classified"]).value_counts().items()},
        "repaired_bands": {str(k): int(v) for k, v in pd.Series(repaired[status == "classified"]).value_counts().sort_index().items()},
        "class_counts": {c: int(np.sum(table["class"] == c)) for c in classes},
        "preset": PRESET, "preset_metrics": card.get("metrics"), "grid_um": GAIA_GRID.tolist(),
        "agreement": agreement, "seconds": {k: round(v, 2) for k, v in seconds.items()} | {"total": round(total, 2)},
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
             "classes: " + ", ".join(f"{c} {n}" for c, n in summary["class_counts"].items()),
             "not classified: " + (", ".join(f"{n} {k}" for k, n in summary["not_classified"].items()) or "none")]
    for name, a in summary["agreement"].items():
        if a["asteroids"]:
            lines.append(f"agreement with {name}: {100 * a['agreement']:.1f}% of {a['asteroids']} asteroids; per class "
                         + ", ".join(f"{c} {100 * v:.0f}%" for c, v in a["per_class"].items() if v is not None))
    lines.append(f"table: {summary['table']}; figures: {', '.join(summary['figures'])}")
    return "\n".join(lines)
