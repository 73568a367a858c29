"""The coverage table (``astrokeras reproduce --table coverage``): accuracy, balanced accuracy and calibration per
wavelength coverage and per pair of surveys, always by asteroid and out of fold.

Protocol. The labelled spectra of the training surveys (korda2023, SMASS II, MITHNEOS archive files, Gaia DR3) go
into 5 folds grouped by asteroid over all surveys (:meth:`~astrokeras.training.recipes.CoverageRecipe.folds`);
the spectra of SMASS I, SMASS IR and the NEO visible files, never trained on, join the fold of their asteroid (a
hash of the asteroid for those no training survey has). For each fold, three methods train on the other folds:

* CoverageNet (the ``coverage-net-taxonomy`` recipe): one network for every coverage;
* ASC-Net trained per grid (the paper's network at the tables' widths, on the training spectra that cover the
  grid, resampled to it at 0.01 um; Gaia: its 11 bands 0.462-0.902 um);
* PCA+SVM trained per coverage on the same resampled spectra.

Rows. Coverages: each held-out spectrum that covers the range is cut to it (CoverageNet) or resampled to its grid
(the others); VIS-NIR and near-infrared rows score the 11 classes, visible and Gaia rows S / C / X / Other.
Cross-survey pairs: the held-out asteroids of one survey scored against the labels of another (SMASS I against
SMASS II's Bus classes, Gaia DR3 against Bus-DeMeo and against SMASS II, MITHNEOS raw files against korda2023),
beside the same model's score on the same asteroids' in-survey spectra. Out of distribution: the share of
held-out real spectra flagged, and of nonsense (sine waves, flat lines, RELAB laboratory spectra, an S-type with
0.75-2.3 um cut out, noise).

Example
-------
``astrokeras reproduce --table coverage --folds 1 2 --json`` (two of the five folds; a later ``--table coverage``
reuses them and trains the other three); ``--quick``: one fold, few epochs
"""

from __future__ import annotations

import dataclasses
import json
import logging
import pathlib
import time
import zlib

import numpy as np

from astrokeras.datasets import load_minerals
from astrokeras.datasets.collection import archive_collection, bus_labels, busdemeo_labels
from astrokeras.evaluation import accuracy, expected_calibration_error, mean_class_accuracy, mean_std, reliability
from astrokeras.evaluation.figures import pyplot, save_png
from astrokeras.evaluation.ood import ood_scores, shape_residuals
from astrokeras.models import ASCNet
from astrokeras.models.baselines import pca_svm
from astrokeras.recipes import asc_net_visible_4class, coverage_net_taxonomy
from astrokeras.reproduce.saved_folds import chosen_folds, folds_note, table_store
from astrokeras.spectra import paper_grid, resample
from astrokeras.spectra.artefacts import constant, dropouts
from astrokeras.spectra.coverage import COVERAGES, GAIA_BANDS, crop, encode_many
from astrokeras.training.classifier import fit_classifier, predict_proba
from astrokeras.training.coverage_classifier import calibrate
from astrokeras.training.recipes import N_SPLITS

log = logging.getLogger(__name__)
EVALUATION_SURVEYS = ("smass1", "smassir", "smassneo")
GAIA_GRID = GAIA_BANDS[(GAIA_BANDS >= 0.46) & (GAIA_BANDS <= 0.91)]
# Per coverage: the range a spectrum must cover, the baselines' grid, and the scheme scored (11 or 4 classes).
ROWS = {name: (span, paper_grid(*span), 11 if name.startswith(("VIS-NIR", "NIR")) else 4)
        for name, span in COVERAGES.items()}
ROWS["Gaia bands 0.46-0.90"] = ((0.46, 0.905), GAIA_GRID, 4)
PAIRS = (
    # name, survey scored, labels it is scored against, the in-survey spectra of the same asteroids, scheme
    ("SMASS I vs SMASS II (Bus)", "smass1", "bus", "smass2", 4),
    ("Gaia DR3 vs Bus-DeMeo", "gaia_dr3", "busdemeo", "korda2023", 4),
    ("Gaia DR3 vs SMASS II (Bus)", "gaia_dr3", "bus", "smass2", 4),
    ("MITHNEOS raw files vs korda2023", "mithneos", "busdemeo", "korda2023", 11),
    ("SMASS IR (0.9-1.65 um) vs Bus-DeMeo", "smassir", "busdemeo", "korda2023", 11),
)
SPAN_TOLERANCE = 0.012


def _covers(w, span) -> bool:
    return w[0] <= span[0] + SPAN_TOLERANCE and w[-1] >= span[1] - SPAN_TOLERANCE


def _on_grid(w, r, grid):
    """A spectrum on a baseline's grid, normalised at 0.55 um when covered (else at its first band)."""
    if grid is GAIA_GRID:
        values = np.array([r[np.abs(w - b) <= 0.022].mean() if np.any(np.abs(w - b) <= 0.022) else np.interp(b, w, r)
                           for b in grid])
    else:
        values = resample(w, r, np.clip(grid, w[0], w[-1]))
    at = int(np.argmin(np.abs(grid - 0.55))) if grid[0] <= 0.55 <= grid[-1] else 0
    return values / values[at]


def _gaia_points(w, r):
    keep = [b for b in GAIA_BANDS if w[0] <= b <= w[-1]]
    return np.array(keep), np.array([r[np.abs(w - b) <= 0.022].mean() if np.any(np.abs(w - b) <= 0.022)
                                     else np.interp(b, w, r) for b in keep])


def row_picks(collection, row) -> list[int]:
    """The spectra of ``collection`` (indices) that a coverage row scores: from a training survey other than Gaia DR3
    (the Gaia row reads ground-based spectra at Gaia's points), labelled in the row's scheme, covering its span."""
    span, _, scheme = ROWS[row]
    label = "label_11" if scheme == 11 else "label_4"
    surveys = set(coverage_net_taxonomy.TRAINING_SURVEYS) - {"gaia_dr3"}
    return [i for i, ((w, _), survey, c) in enumerate(zip(collection.spectra, collection.meta["survey"],
                                                          collection.meta[label]))
            if survey in surveys and c >= 0 and _covers(w, span)]


def row_cut(w, r, row):
    """The spectrum as CoverageNet reads it in a coverage row: at Gaia's points for the Gaia row, else cut to the
    row's span."""
    span, grid, _ = ROWS[row]
    return _gaia_points(w, r) if grid is GAIA_GRID else crop(w, r, *span)


def fold_of_keys(train_meta, other_keys, folds) -> dict:
    """``{key: fold}``: a training asteroid's fold; any other asteroid a fold by a stable hash of its key."""
    fold = {}
    for f in folds:
        fold.update({k: f.index for k in train_meta["key"].to_numpy()[f.test]})
    for key in other_keys:
        fold.setdefault(key, zlib.crc32(key.encode()) % N_SPLITS)
    return fold


@dataclasses.dataclass
class FoldModels:
    """What one fold trained: CoverageNet with its calibration, and the per-grid baselines by coverage row."""

    network: object
    calibration: dict
    baselines: dict  # row name -> {"ASC-Net (per grid)": model, "PCA+SVM (per coverage)": estimator}


def _baseline_training(train, row):
    span, grid, scheme = ROWS[row]
    label = "label_11" if scheme == 11 else "label_4"
    X, y = [], []
    for (w, r), c in zip(train.spectra, train.meta[label]):
        if c >= 0 and _covers(w, span):
            X.append(_on_grid(w, r, grid)), y.append(c)
    return np.asarray(X, "float32"), np.asarray(y)


def fit_fold(train, *, quick: bool, rows=ROWS) -> FoldModels:
    """Train CoverageNet and, per coverage row, ASC-Net and PCA+SVM on the training part ``train``."""
    network, calibration = coverage_net_taxonomy.RECIPE.fit(train, quick=quick)
    baselines = {}
    asc = asc_net_visible_4class.RECIPE
    for row in rows:
        X, y = _baseline_training(train, row)
        classes = ROWS[row][2]
        widths = asc_net_visible_4class.WIDTHS
        model, _ = fit_classifier(lambda: ASCNet(X.shape[1], classes, **widths), X, y, classes, asc.settings(quick))
        svm = pca_svm().fit(X, y)
        baselines[row] = {"ASC-Net (per grid)": model, "PCA+SVM (per coverage)": svm}
        log.info(f"    {row}: baselines trained on {len(y)} spectra x {X.shape[1]} bands")
    return FoldModels(network, calibration, baselines)


def predict_network(models: FoldModels, spectra):
    """``(probabilities_11, probabilities_4, ood_flag)`` of CoverageNet for a list of ``(w, r)`` spectra."""
    values, masks = encode_many(spectra)
    out = models.network.predict({"spectrum": values, "mask": masks.astype("float32")}, batch_size=1024, verbose=0)
    P = calibrate(out["probabilities"], models.calibration["temperature"])
    groups = np.eye(4)[models.network.groups]
    flagged = ood_scores(out["features"], models.calibration["ood"]) > models.calibration["ood"]["threshold"]
    shape = models.calibration["shape"]
    flagged |= shape_residuals(values, masks, shape) > shape["threshold"]
    flagged |= np.array([constant(r) or bool(dropouts(w, r)) for w, r in spectra])  # as analyze flags them
    return P, P @ groups, flagged


def _scores(y, P, fold_ids) -> dict:
    """Accuracy and balanced accuracy as mean +- std over the folds present, ECE over all (None without P)."""
    predicted = P.argmax(axis=1) if P.ndim == 2 else P
    per_fold = [(accuracy(y[fold_ids == f], predicted[fold_ids == f]),
                 mean_class_accuracy(y[fold_ids == f], predicted[fold_ids == f])) for f in np.unique(fold_ids)]
    (acc, acc_std), (bal, bal_std) = mean_std([a for a, _ in per_fold]), mean_std([b for _, b in per_fold])
    return {"n": int(len(y)), "acc": round(acc, 4), "acc_std": round(acc_std, 4), "balanced_acc": round(bal, 4),
            "balanced_acc_std": round(bal_std, 4), "acc_pooled": round(accuracy(y, predicted), 4),
            "ece": round(expected_calibration_error(y, P), 4) if P.ndim == 2 else None}


def run_coverage_table(*, quick: bool = False, output="outputs", recipe=coverage_net_taxonomy.RECIPE,
                       only_folds: tuple[int, ...] | None = None) -> dict:
    """Run the whole table (see the module docstring); writes ``tablecoverage.json`` and the reliability figure.

    Each fold's out-of-fold outputs are saved under ``<output>/folds/coverage/`` as it finishes and reused by a
    later run with the same settings, data and code (:mod:`astrokeras.reproduce.saved_folds`). ``only_folds``: run
    and print these folds only (numbered from 1), e.g. ``(4, 5)``; a run without it computes what is missing and
    assembles all five. ``quick`` runs fold 1 with few epochs."""
    start = time.perf_counter()
    train_all = recipe.data()
    labels_11, labels_4 = busdemeo_labels(), bus_labels()
    extra = None
    for survey in EVALUATION_SURVEYS:
        part = archive_collection(survey, labels_11, labels_4)
        extra = part if extra is None else extra + part
    folds = recipe.folds(train_all.meta)
    fold_of = fold_of_keys(train_all.meta, extra.meta["key"], folds)
    everything = train_all + extra
    fold_ids = everything.meta["key"].map(fold_of).to_numpy()
    used = [0] if quick and not only_folds else chosen_folds(len(folds), only_folds)
    store = table_store(output, "coverage", settings={"recipe": recipe.name, "rows": list(ROWS), "pairs": PAIRS},
                        module=__name__, quick=quick)
    log.info(f"Coverage table: {len(train_all)} training spectra ({train_all.meta['key'].nunique()} asteroids) "
             f"+ {len(extra)} never-trained-on spectra, {folds_note(used, len(folds))}; saved folds: {store.folder}")
    nonsense = nonsense_spectra()
    collected = {"rows": {}, "pairs": {}, "ood": {"real": [], "nonsense": {}}}
    for position, k in enumerate(used, 1):
        fold = folds[k]

        def work():
            log.info(f"  fold {k + 1}/{len(folds)}: training ({position} of {len(used)} in this run)")
            models = fit_fold(train_all.subset(fold.train), quick=quick)
            test = everything.subset(fold_ids == fold.index)
            part = {"rows": {}, "pairs": {}, "ood": {"real": [], "nonsense": {}}}
            _collect_rows(models, test, fold.index, part["rows"])
            _collect_pairs(models, test, fold.index, part["pairs"], labels_11, labels_4)
            _collect_ood(models, test, nonsense, part["ood"])
            return _joined(part), {"fold": k + 1, "test_spectra": int(np.sum(fold_ids == fold.index))}

        t = time.perf_counter()
        arrays, _ = store.compute(f"fold{k + 1}", work)
        _merge(collected, arrays)
        log.info(f"  fold {k + 1}/{len(folds)}: {time.perf_counter() - t:.0f} s")
    result = _summarise(collected, quick, time.perf_counter() - start, [k + 1 for k in used], len(folds))
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    result["figures"] = [str(reliability_png(collected["rows"], output / "coverage_reliability.png"))]
    (output / "tablecoverage.json").write_text(json.dumps(result, indent=1))
    return result


def _joined(part) -> dict:
    """One fold's collected lists as single arrays (what :class:`FoldStore` saves)."""
    join = lambda values: np.concatenate(values) if values and np.ndim(values[0]) else np.asarray(values)  # noqa: E731
    return {"rows": {row: {k: join(v) for k, v in store.items()} for row, store in part["rows"].items()},
            "pairs": {name: {k: join(v) for k, v in store.items()} for name, store in part["pairs"].items()},
            "ood": {"real": join(part["ood"]["real"]),
                    "nonsense": {kind: join(v) for kind, v in part["ood"]["nonsense"].items()}}}


def _merge(collected, arrays) -> None:
    """Append one fold's saved arrays to the lists :func:`_summarise` reads (empty parts are left out)."""
    for section in ("rows", "pairs"):
        for name, fields in arrays.get(section, {}).items():
            store = collected[section].setdefault(name, {})
            for field, values in fields.items():
                if field in ("baseline", "y_baseline"):
                    store.setdefault(field, []).extend(values.tolist())
                else:
                    store.setdefault(field, [])
                    if values.size:
                        store[field].append(values)
    ood = arrays.get("ood", {})
    if "real" in ood:
        collected["ood"]["real"].append(ood["real"])
    for kind, flags in ood.get("nonsense", {}).items():
        collected["ood"]["nonsense"].setdefault(kind, []).append(flags)


def _collect_rows(models, test, fold_index, rows):
    for row, (_, grid, scheme) in ROWS.items():
        label = "label_11" if scheme == 11 else "label_4"
        picked = row_picks(test, row)
        if not picked:
            continue
        spectra = [test.spectra[i] for i in picked]
        P11, P4, _ = predict_network(models, [row_cut(w, r, row) for w, r in spectra])
        y = test.meta[label].to_numpy()[picked]
        store = rows.setdefault(row, {"y": [], "fold": [], "key": [], "survey": [], "CoverageNet": [],
                                      "ASC-Net (per grid)": [], "PCA+SVM (per coverage)": []})
        store["y"].append(y), store["fold"].append(np.full(len(y), fold_index))
        # which asteroid and survey each row is, so another table can join CoverageNet's out-of-fold answers
        store["key"].append(test.meta["key"].to_numpy()[picked].astype(str))
        store["survey"].append(test.meta["survey"].to_numpy()[picked].astype(str))
        store["CoverageNet"].append(P11 if scheme == 11 else P4)
        X = np.asarray([_on_grid(w, r, grid) for w, r in spectra], "float32")
        store["ASC-Net (per grid)"].append(predict_proba(models.baselines[row]["ASC-Net (per grid)"], X))
        store["PCA+SVM (per coverage)"].append(models.baselines[row]["PCA+SVM (per coverage)"].predict(X))


def _baseline_row_for(w):
    """The coverage row whose baselines can read a spectrum (the widest it covers), or None."""
    for row in ("VIS-NIR 0.45-2.45", "visible 0.44-0.92", "visible 0.50-0.90", "NIR 0.85-2.45"):
        if _covers(w, ROWS[row][0]):
            return row
    return None


def pair_row(survey: str, w):
    """The coverage row whose baselines read a cross-survey spectrum: the Gaia row for a Gaia DR3 spectrum with
    Gaia's bands over 0.46-0.90 um, else the widest row it covers; None where none applies."""
    if survey == "gaia_dr3" and len(w) >= 11 and _covers(w, (0.46, 0.902)):
        return "Gaia bands 0.46-0.90"
    return _baseline_row_for(w)


def _collect_pairs(models, test, fold_index, pairs, labels_11, labels_4):
    for name, survey, against, in_survey, scheme in PAIRS:
        rows = np.flatnonzero(test.meta["survey"].to_numpy() == survey)
        keys = test.meta["key"].to_numpy()
        if against == "busdemeo":
            truth = {k: labels_11[k][0 if scheme == 11 else 1] for k in keys[rows] if k in labels_11}
        else:
            truth = {k: labels_4[k] for k in keys[rows] if k in labels_4}
        rows = [i for i in rows if keys[i] in truth]
        home = [i for i in np.flatnonzero(test.meta["survey"].to_numpy() == in_survey) if keys[i] in truth
                and keys[i] in set(keys[rows])]
        if not rows:
            continue
        store = pairs.setdefault(name, {"y": [], "fold": [], "key": [], "CoverageNet": [], "ASC-Net (per grid)": [],
                                        "y_home": [], "fold_home": [], "CoverageNet_home": [], "baseline": [],
                                        "y_baseline": []})
        for part, index in (("", rows), ("_home", home)):
            if not index:
                continue
            P11, P4, _ = predict_network(models, [test.spectra[i] for i in index])
            store[f"y{part}"].append(np.array([truth[keys[i]] for i in index]))
            store[f"fold{part}"].append(np.full(len(index), fold_index))
            store[f"CoverageNet{part}"].append(P11 if scheme == 11 else P4)
        store["key"].append(keys[rows].astype(str))
        asc = np.full((len(rows), scheme), np.nan, "float32")
        for n, i in enumerate(rows):  # the baselines of the widest coverage the spectrum gives, where one applies
            w, r = test.spectra[i]
            row = pair_row(survey, w)
            if row is None or ROWS[row][2] != scheme:
                continue
            x = _on_grid(w, r, ROWS[row][1])[None].astype("float32")
            store["baseline"].append(int(models.baselines[row]["PCA+SVM (per coverage)"].predict(x)[0]))
            store["y_baseline"].append(truth[keys[i]])
            asc[n] = predict_proba(models.baselines[row]["ASC-Net (per grid)"], x)[0]
        store["ASC-Net (per grid)"].append(asc)


def nonsense_spectra(seed: int = 0) -> dict:
    """Inputs no asteroid spectrum looks like, by kind: ``{kind: [(w, r), ...]}`` (RELAB: laboratory spectra)."""
    rng = np.random.default_rng(seed)
    w = np.round(np.arange(0.45, 2.4501, 0.005), 4)
    sines = [(w, 1 + 0.3 * np.sin(2 * np.pi * w / rng.uniform(0.1, 0.6) + rng.uniform(0, 6))) for _ in range(50)]
    flats = [(w, np.full(w.size, rng.uniform(0.2, 2.0))) for _ in range(50)]
    noise = [(w, np.exp(rng.normal(0, 0.2, w.size))) for _ in range(50)]
    minerals = load_minerals(normalised=True)
    lab = [(minerals.wavelength, np.clip(r, 1e-3, None)) for r in minerals.reflectance[::4]]
    return {"sine wave": sines, "flat line": flats, "white noise": noise, "RELAB laboratory": lab}


def _collect_ood(models, test, nonsense, ood):
    training = test.meta["survey"].isin(coverage_net_taxonomy.TRAINING_SURVEYS).to_numpy()
    _, _, flagged = predict_network(models, [s for s, t in zip(test.spectra, training) if t])
    ood["real"].append(flagged)
    cut = [(w[(w < 0.75) | (w > 2.3)], r[(w < 0.75) | (w > 2.3)]) for (w, r), survey, c in
           zip(test.spectra, test.meta["survey"], test.meta["label_11"]) if survey == "korda2023" and c == 7]
    for kind, spectra in {**nonsense, "S-type, 0.75-2.3 um cut out": cut}.items():
        if spectra:
            ood["nonsense"].setdefault(kind, []).append(predict_network(models, spectra)[2])


def _summarise(collected, quick, seconds, folds: list[int], of_folds) -> dict:
    rows = []
    for row, store in collected["rows"].items():
        y, fold = np.concatenate(store["y"]), np.concatenate(store["fold"])
        for method in ("CoverageNet", "ASC-Net (per grid)", "PCA+SVM (per coverage)"):
            rows.append({"coverage": row, "classes": ROWS[row][2], "method": method,
                         **_scores(y, np.concatenate(store[method]), fold)})
    pairs = []
    for name, store in collected["pairs"].items():
        entry = {"pair": name, "classes": next(p[4] for p in PAIRS if p[0] == name),
                 "CoverageNet": _scores(np.concatenate(store["y"]), np.concatenate(store["CoverageNet"]),
                                        np.concatenate(store["fold"]))}
        if store["y_home"]:
            entry["CoverageNet in-survey"] = _scores(np.concatenate(store["y_home"]),
                                                     np.concatenate(store["CoverageNet_home"]),
                                                     np.concatenate(store["fold_home"]))
        if store["baseline"]:
            yb = np.array(store["y_baseline"])
            entry["PCA+SVM"] = {"n": int(len(yb)), "acc_pooled": round(accuracy(yb, np.array(store["baseline"])), 4)}
        pairs.append(entry)
    real = np.concatenate(collected["ood"]["real"])
    ood = {"real held-out spectra": {"n": int(real.size), "flagged": round(float(real.mean()), 4)}}
    for kind, parts in collected["ood"]["nonsense"].items():
        flags = np.concatenate(parts)
        ood[kind] = {"n": int(flags.size), "flagged": round(float(flags.mean()), 4)}
    which = folds_note([k - 1 for k in folds], of_folds)
    return {"table": "coverage", "protocol": f"{which} grouped by asteroid over korda2023 + SMASS II + "
            "MITHNEOS + Gaia DR3 (SMASS I, SMASS IR, NEO files never trained on); every method on the same folds"
            + (" (quick: one fold, few epochs)" if quick else ""), "folds": list(folds), "of_folds": of_folds,
            "seconds": round(seconds, 1), "rows": rows,
            "pairs": pairs, "ood": ood}


def reliability_png(rows, path) -> pathlib.Path:
    """Reliability diagram of CoverageNet's top class, one curve per coverage (out of fold)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    ax.plot([0, 1], [0, 1], color="gray", lw=0.8, ls=":")
    for row, store in rows.items():
        conf, acc, count = reliability(np.concatenate(store["y"]), np.concatenate(store["CoverageNet"]))
        ax.plot(conf[count > 0], acc[count > 0], marker="o", ms=3, lw=1.2, label=f"{row} ({int(count.sum())})")
    ax.set_xlabel("confidence of the top class")
    ax.set_ylabel("accuracy")
    ax.set_title("CoverageNet, held-out asteroids: reliability per coverage", fontsize=9)
    ax.legend(fontsize=7)
    return save_png(fig, path)


def format_coverage_table(result: dict) -> str:
    """The text of the coverage table."""
    pct = lambda v, s=None: "-" if v is None else f"{100 * v:.1f}" + ("" if s is None else f" +- {100 * s:.1f}")  # noqa: E731
    lines = [f"Coverage table: {result['protocol']}",
             f"{'coverage':<22} {'classes':>7} {'method':<24} {'n':>5} {'accuracy (%)':>14} {'balanced (%)':>14} "
             f"{'ECE':>6}"]
    for r in result["rows"]:
        ece = "-" if r["ece"] is None else f"{r['ece']:.3f}"
        lines.append(f"{r['coverage']:<22} {r['classes']:>7} {r['method']:<24} {r['n']:>5} "
                     f"{pct(r['acc'], r['acc_std']):>14} {pct(r['balanced_acc'], r['balanced_acc_std']):>14} {ece:>6}")
    lines.append("")
    lines.append(f"{'cross-survey pair':<38} {'classes':>7} {'CoverageNet':>18} {'in-survey':>18} {'PCA+SVM':>14}")
    cell = lambda s: "-" if s is None else f"{pct(s['acc_pooled'])} ({s['n']})"  # noqa: E731
    for p in result["pairs"]:
        lines.append(f"{p['pair']:<38} {p['classes']:>7} {cell(p['CoverageNet']):>18} "
                     f"{cell(p.get('CoverageNet in-survey')):>18} {cell(p.get('PCA+SVM')):>14}")
    lines.append("")
    lines.append("out of distribution (flagged share): " + "; ".join(
        f"{k} {100 * v['flagged']:.1f}% of {v['n']}" for k, v in result["ood"].items()))
    lines.append(f"({result['seconds']:.0f} s)")
    return "\n".join(lines)
