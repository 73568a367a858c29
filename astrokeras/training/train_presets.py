"""Re-create the pretrained models that ship with the package (``astrokeras train presets``).

Five presets, each trained on every labelled spectrum of its data set (early stopping on a validation share
carved from them). Their cards carry honest metrics: cross-validated figures from ``astrokeras reproduce``
(read from ``--metrics-from``, the folder of the table JSONs) or, for the Gaia-grid classifier, measured here
on the Table 5 folds. A preset's own training data never scores it.

========================== ====================================================== ==========================
preset                     answers                                                reads
========================== ====================================================== ==========================
asc-net-visible-4class     S / C / X / Other (SMASS II, 1334 spectra)             0.44-0.92 um, 49 bands
asc-net-visnir-11class     11 Bus-DeMeo classes (586 VIS-NIR spectra)             0.45-2.45 um, 201 bands
asc-net-gaia-4class        S / C / X / Other on Gaia's bands (SMASS II resampled)  0.462-0.902 um, 11 bands
aae-net-albedo             geometric albedo + 1-sigma (AAED, 532 asteroids)       0.45-2.45 um + 11 classes
ae-trans-olivine-pyroxene  OL / OPX / CPX abundances (RELAB end-member mixtures)  0.45-2.45 um, 201 bands
========================== ====================================================== ==========================

Example
-------
``astrokeras train presets --metrics-from outputs`` (about 20 minutes on 2 cores; ``--quick``: about 3)
"""

from __future__ import annotations

import datetime
import json
import pathlib
import sys
import time

import numpy as np

from astrokeras.presets import CARDS_FILE, PRETRAINED_DIR
from astrokeras.spectra import paper_grid

VISIBLE_GRID = paper_grid(0.44, 0.92)
VISNIR_GRID = paper_grid(0.45, 2.45)


def save_small(model, path: pathlib.Path) -> int:
    """Save ``model`` without its optimizer state (a third of the size) as ``path`` (.keras) and, beside it, a
    float32 TFLite copy (``.tflite``) that :func:`astrokeras.analyze` runs without TensorFlow; returns the
    ``.keras`` size in bytes."""
    import tempfile

    import keras

    from astrokeras.export import export_savedmodel, to_tflite

    with tempfile.TemporaryDirectory() as scratch:
        full = pathlib.Path(scratch) / "full.keras"
        model.save(full)
        bare = keras.saving.load_model(full, compile=False)  # drops the optimizer and the compile config
        bare.save(path)
        saved = export_savedmodel(bare, pathlib.Path(scratch) / "savedmodel")
        path.with_suffix(".tflite").write_bytes(to_tflite(saved, "none"))
    return path.stat().st_size


# Where each preset's honest metrics come from: (table, method row) of the reproduce JSONs.
METRIC_SOURCES = {"asc-net-visible-4class": ("5", "ASC-Net"), "asc-net-visnir-11class": ("7", "ASC-Net"),
                  "aae-net-albedo": ("9", "AAE-Net (log10, NLL)"),
                  "ae-trans-olivine-pyroxene": ("korda", "AE-trans (trained on Simulated1)")}


def refresh_metrics(directory, metrics_from) -> dict:
    """Update the presets' metrics in ``directory/presets.json`` from the table JSONs in ``metrics_from``
    (after a later reproduce run) without re-training; returns the cards."""
    path = pathlib.Path(directory) / CARDS_FILE
    cards = json.loads(path.read_text())
    for name, (table, method) in METRIC_SOURCES.items():
        row = _row(metrics_from, table, method)
        if name in cards and row is not None:
            cards[name]["metrics"] = row
    path.write_text(json.dumps(cards, indent=1))
    return cards


def _row(directory, table, method):
    """The measured row of ``method`` in ``table<N>.json`` under ``directory`` (None when absent)."""
    if directory is None:
        return None
    path = pathlib.Path(directory) / f"table{table}.json"
    if not path.exists():
        return None
    for row in json.loads(path.read_text())["rows"]:
        if row.get("method") == method and row.get("source") == "measured":
            return {k: v for k, v in row.items() if k not in ("method", "source")} | {"from": f"table {table}"}
    return None


def _classifier(name, X, y, classes, quick, seed):
    from astrokeras.models.asc_net import asc_net
    from astrokeras.reproduce.taxonomy_tables import ASC_NET_WIDTHS
    from astrokeras.training.classifier import TrainConfig, fit_classifier

    config = TrainConfig(epochs=10 if quick else 300, learning_rate=1e-3, patience=10 if quick else 30, seed=seed,
                         verbose=0)
    model, history = fit_classifier(lambda: asc_net(X.shape[1], len(classes), **ASC_NET_WIDTHS, name=name), X, y,
                                    len(classes), config)
    return model, len(history.history["loss"])


def gaia_training_data():
    """SMASS II on the Gaia bands the classifier reads, normalised at 0.55 um: ``(X, y, designations)``."""
    from astrokeras import datasets
    from astrokeras.spectra import normalise, resample
    from astrokeras.survey.gaia import GAIA_GRID
    from astrokeras.taxonomy import FOUR_CLASS

    data = datasets.load_smass2()
    y, keep = FOUR_CLASS.encode(data.meta["bus_class"])
    X = normalise(GAIA_GRID, resample(data.wavelength, data.reflectance[keep], GAIA_GRID))
    return X.astype("float32"), y, data.meta["designation"][keep].to_numpy()


def gaia_calibration() -> dict:
    """Per-band median ratio Gaia DR3 / SMASS II over the asteroids both observed (Bus-DeMeo ones excluded).

    Gaia's red bands read redder than the ground-based spectra of the same asteroids (about +12% at 0.9 um for
    S-types: a shallower 1 um band), which makes a classifier trained on SMASS II call Gaia's S-types "Other".
    Dividing Gaia spectra by this ratio removes the mean offset. It uses no class label, and it leaves out every
    asteroid with a Bus-DeMeo class, so the survey's agreement with Bus-DeMeo stays independent of it.
    """
    from astrokeras import datasets
    from astrokeras.survey.gaia import prepare

    X, _, designations = gaia_training_data()  # numbered asteroids: designation == number
    gaia = datasets.load_gaia_dr3()
    G, status, _ = prepare(gaia.wavelength, gaia.reflectance, gaia.flags)
    row_of = {n: i for i, n in enumerate(gaia.meta["number"])}
    excluded = set(datasets.load_busdemeo().meta["number"].astype(str))
    pairs = [(row_of[n], j) for j, n in enumerate(designations) if n in row_of and n not in excluded
             and status[row_of[n]] == "classified"]
    ratio = np.median(G[[i for i, _ in pairs]] / X[[j for _, j in pairs]], axis=0)
    return {"gaia_to_ground_ratio": ratio.round(4).tolist(), "calibration_asteroids": len(pairs)}


def gaia_cross_validation(quick: bool, log) -> dict:
    """Accuracy / AP of the Gaia-grid ASC-Net (and PCA+SVM) on the Table 5 folds, SMASS II resampled."""
    from astrokeras.folds import stratified_folds
    from astrokeras.models.baselines import SKLEARN_BASELINES
    from astrokeras.reproduce.classification import SklearnMethod, evaluate
    from astrokeras.reproduce.taxonomy_tables import N_SPLITS, SEED, asc_net_method

    X, y, _ = gaia_training_data()
    folds = stratified_folds(y, N_SPLITS, SEED)
    methods = [asc_net_method(quick), SklearnMethod("PCA+SVM", SKLEARN_BASELINES["PCA+SVM"])]
    results = evaluate(X, y, 4, folds, methods, seed=SEED, log=log)
    return {name: {k: v for k, v in scores.row(name).items() if k not in ("method", "source")}
            | {"from": "5 stratified folds of SMASS II resampled to the Gaia bands (Table 5 folds)"}
            for name, scores in results.items()}


def train_presets(output=PRETRAINED_DIR, *, quick: bool = False, metrics_from=None, only=None, log=None) -> dict:
    """Train the presets (all, or the names in ``only``) into ``output`` and update its ``presets.json``."""
    from astrokeras import datasets
    from astrokeras.losses import LOG_SIGMA_MAX, LOG_SIGMA_MIN
    from astrokeras.reproduce.albedo_tables import class_probabilities, fit_aae_net, load_aaed
    from astrokeras.reproduce.taxonomy_tables import TASKS
    from astrokeras.reproduce.unmixing_tables import GRID, endmembers_on, normalise_index, train_ae_trans
    from astrokeras.survey.gaia import GAIA_GRID
    from astrokeras.taxonomy import FOUR_CLASS, VISNIR_11, four_class_of_busdemeo

    log = log if log is not None else (lambda text: print(text, file=sys.stderr, flush=True))
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    cards_path = output / CARDS_FILE
    cards = json.loads(cards_path.read_text()) if cards_path.exists() else {}
    today = datetime.date.today().isoformat()
    wanted = lambda name: only is None or name in only  # noqa: E731

    def finish(name, model, card, started):
        card = {"name": name, "file": f"{name}.keras", "date": today, "quick": quick,
                "seconds": round(time.perf_counter() - started, 1), **card}
        card["bytes"] = save_small(model, output / card["file"])
        card["tflite"] = card["file"].replace(".keras", ".tflite")
        cards[name] = card
        cards_path.write_text(json.dumps(cards, indent=1))
        log(f"  {name}: {card['bytes'] / 1024:.0f} KiB, {card['seconds']:.0f} s")

    # Albedo priors of the visible classifier: per 4-class mean/std of log10 albedo over the AAED asteroids.
    aaed = datasets.load_albedos()
    four, kept4 = four_class_of_busdemeo(aaed.meta["bus_demeo"])
    log10_albedo = np.log10(aaed.meta["albedo"].to_numpy(float)[kept4])
    visible_prior = {"albedo_log10_mean": [round(float(log10_albedo[four == k].mean()), 4) for k in range(4)],
                     "albedo_log10_std": [round(float(log10_albedo[four == k].std()), 4) for k in range(4)],
                     "albedo_prior_from": f"AAED, {int(kept4.sum())} asteroids with a 4-class label"}

    for name, table, grid, extra in (("asc-net-visible-4class", "5", VISIBLE_GRID, visible_prior),
                                     ("asc-net-visnir-11class", "7", VISNIR_GRID, {})):
        if not wanted(name):
            continue
        started = time.perf_counter()
        task = TASKS[table]
        X, y, _ = task.load()
        log(f"{name}: ASC-Net on {len(y)} spectra x {X.shape[1]} bands")
        model, epochs = _classifier(name.replace("-", "_"), X, y, task.scheme.classes, quick, 0)
        finish(name, model, {"model": "ASC-Net", "answers": f"{task.scheme.name} taxonomy",
                             "classes": list(task.scheme.classes), "grid_um": grid.round(6).tolist(),
                             "normalise_at_um": 0.55, "training_data": task.protocol.split(";")[0],
                             "spectra": int(len(y)), "epochs_run": epochs,
                             "metrics": _row(metrics_from, *METRIC_SOURCES[name]), **extra}, started)

    if wanted("asc-net-gaia-4class"):
        started = time.perf_counter()
        X, y, _ = gaia_training_data()
        log(f"asc-net-gaia-4class: 5-fold cross-validation, then ASC-Net on {len(y)} spectra x {X.shape[1]} bands")
        skipped = {"from": "not measured (--quick)"}
        metrics = {"ASC-Net": skipped, "PCA+SVM": skipped} if quick else gaia_cross_validation(quick, log)
        model, epochs = _classifier("asc_net_gaia_4class", X, y, FOUR_CLASS.classes, quick, 0)
        finish("asc-net-gaia-4class", model, {
            "model": "ASC-Net", "answers": "4-class taxonomy of Gaia DR3 spectra", "classes": list(FOUR_CLASS.classes),
            "grid_um": GAIA_GRID.tolist(), "normalise_at_um": 0.55,
            "training_data": "SMASS II (Bus classes), linearly resampled to the Gaia DR3 bands 0.462-0.902 um",
            "spectra": int(len(y)), "epochs_run": epochs, "metrics": metrics["ASC-Net"],
            "baseline_metrics": {"PCA+SVM": metrics["PCA+SVM"]}, **gaia_calibration()}, started)

    if wanted("aae-net-albedo"):
        started = time.perf_counter()
        X, albedo, classes, _ = load_aaed()
        log(f"aae-net-albedo: AAE-Net on {len(albedo)} asteroids x {X.shape[1]} bands")
        # Class probabilities of the training rows out-of-sample (3-fold), as in the albedo tables.
        P, _ = class_probabilities(X, classes, X[:1], 0)
        model, prior = fit_aae_net(X, albedo, P, classes, quick=quick, seed=0)
        finish("aae-net-albedo", model, {
            "model": "AAE-Net", "answers": "geometric albedo (log10 target, Gaussian NLL, 1-sigma in dex)",
            "classes": list(VISNIR_11.classes), "grid_um": VISNIR_GRID.tolist(), "normalise_at_um": 0.55,
            "training_data": "AAED: korda2023 VIS-NIR spectra x Mahlke+2022 / SpitzerNEOs albedos",
            "spectra": int(len(albedo)), "class_prior_log10": [round(float(v), 6) for v in prior],
            "log_sigma_bounds": [LOG_SIGMA_MIN, LOG_SIGMA_MAX],  # sigma = exp(bounded tanh of the raw output)
            "metrics": _row(metrics_from, *METRIC_SOURCES["aae-net-albedo"])}, started)

    if wanted("ae-trans-olivine-pyroxene"):
        started = time.perf_counter()
        names, E = endmembers_on(GRID)
        log("ae-trans-olivine-pyroxene: AE-trans on Simulated1 (2500 mixtures of the mean RELAB end-members)")
        model = train_ae_trans(E, GRID, quick=quick)
        finish("ae-trans-olivine-pyroxene", model, {
            "model": "AE-trans", "answers": "OL / OPX / CPX abundances (fractions summing to 1)",
            "endmembers": list(names), "grid_um": GRID.tolist(), "normalise_at_um": 0.55,
            "normalise_index": normalise_index(GRID),
            "training_data": "2500 Dirichlet mixtures of the mean RELAB OL / OPX / CPX spectra (korda2023)",
            "applies_to": ["S", "Q", "A", "V"],
            "metrics": _row(metrics_from, *METRIC_SOURCES["ae-trans-olivine-pyroxene"])}, started)
    return cards
