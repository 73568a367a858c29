"""The paper's albedo tables as commands: Table 9 (MAE, MAPE), Table 10 (by type S, C, X), Table 13 (named
asteroids), all from one out-of-fold run on the AAED.

Protocol: the AAED asteroids with an 11-class label, on the 0.01 um grid (201 bands); 5 stratified folds by
asteroid (seed 0). Inside each fold the class information is itself out-of-sample: a PCA + logistic-regression
classifier gives the training asteroids cross-validated class probabilities and the test asteroids probabilities
from a model fitted on the training fold. Every method sees the same folds and the same class probabilities.

Example
-------
>>> from astrokeras.reproduce.albedo_tables import mape
>>> round(mape([0.1, 0.2], [0.11, 0.18]), 1)
10.0
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import sys
import time

import numpy as np
from sklearn.model_selection import StratifiedKFold

from astrokeras import datasets
from astrokeras.evaluation import mean_std
from astrokeras.folds import stratified_folds
from astrokeras.models.albedo_baselines import REGRESSORS, class_probability_model
from astrokeras.spectra import paper_grid
from astrokeras.taxonomy import VISNIR_11

N_SPLITS, SEED = 5, 0
AAE_NET_WIDTHS = dict(conv_filters=(16, 32, 32), dense_units=(32, 64, 128), num_heads=2, key_dim=16)
TABLE13_ASTEROIDS = {"1": "Ceres", "101955": "Bennu", "25143": "Itokawa", "433": "Eros"}
PAPER = {"9": {"AAE-Net": {"mae": 0.0441}}, "10": {"AAE-Net": {"S": 0.0410}}}
TYPES = ("S", "C", "X")


def mape(true, predicted) -> float:
    """Mean absolute percentage error, in percent."""
    true, predicted = np.asarray(true, float), np.asarray(predicted, float)
    return float(100.0 * np.mean(np.abs(predicted - true) / true))


def load_aaed():
    """``(X, albedo, class_index, designations)``: AAED asteroids with an 11-class label, 201 bands."""
    data = datasets.load_albedos()
    data = data.subset(data.meta["class_11"].notna().to_numpy()).on_grid(paper_grid(0.45, 2.45))
    classes, _ = VISNIR_11.encode(data.meta["bus_demeo"])
    return (data.reflectance.astype("float32"), data.meta["albedo"].to_numpy(float), classes,
            data.meta["designation"].to_numpy(str))


def _full_proba(model, X, n):
    out = np.zeros((len(X), n))
    out[:, model.classes_] = model.predict_proba(X)
    return out


def class_probabilities(X_train, c_train, X_test, seed):
    """Out-of-sample class probabilities for the training rows (3-fold CV) and the test rows."""
    n = len(VISNIR_11.classes)
    model = class_probability_model(seed)
    inner = StratifiedKFold(3, shuffle=True, random_state=seed)
    train = np.zeros((len(X_train), n))
    for fit, held in inner.split(X_train, c_train):
        train[held] = _full_proba(model.fit(X_train[fit], c_train[fit]), X_train[held], n)
    return train, _full_proba(model.fit(X_train, c_train), X_test, n)


def fit_aae_net(X, albedo, P, classes, *, target: str = "log10", quick: bool = False, seed: int = 0):
    """Train AAE-Net on spectra ``X``, albedos, class probabilities ``P`` and integer ``classes``.

    Returns ``(model, prior)``: the network learns the deviation of its target (log10 albedo for ``"log10"``,
    with a Gaussian NLL and a 1-sigma; the albedo for ``"linear"``, with L1) from the class prior
    ``P @ prior``, each asteroid's probability-weighted mean of the per-class means, so an untrained AAE-Net
    starts as the class-mean rule.
    """
    import keras

    from astrokeras.losses import GaussianNLL
    from astrokeras.models.aae_net import aae_net
    from astrokeras.training import TrainConfig
    from astrokeras.training.regressor import fit_regressor

    config = TrainConfig(epochs=10 if quick else 400, learning_rate=1e-3, patience=5 if quick else 40,
                         batch_size=32, seed=seed, verbose=0)
    log = target == "log10"
    build = lambda: aae_net(X.shape[1], P.shape[1], uncertainty=log, **AAE_NET_WIDTHS)  # noqa: E731
    counts = np.bincount(classes)
    stratify = classes if counts[counts > 0].min() >= 2 else None
    values = np.log10(albedo) if log else np.asarray(albedo, float)
    prior = np.array([values[classes == k].mean() if np.any(classes == k) else values.mean()
                      for k in range(P.shape[1])])
    model, _ = fit_regressor(build, {"spectrum": X, "class_probabilities": P}, values - P @ prior,
                             GaussianNLL() if log else keras.losses.MeanAbsoluteError(), config, stratify=stratify)
    return model, prior


def predict_albedo(model, prior, X, P, target: str = "log10"):
    """``(albedo, sigma_dex)`` from a model of :func:`fit_aae_net` (``sigma_dex`` is None for ``"linear"``)."""
    from astrokeras.losses import bounded_log_sigma

    out = model.predict({"spectrum": np.asarray(X, "float32"), "class_probabilities": np.asarray(P, "float32")},
                        verbose=0)
    offset = np.asarray(P) @ prior
    if target != "log10":
        return out[:, 0] + offset, None
    return 10.0 ** (out[:, 0] + offset), np.exp(np.asarray(bounded_log_sigma(out[:, 1])))


@dataclasses.dataclass
class AAENetMethod:
    """AAE-Net trained on one fold; ``target`` ``log10`` (Gaussian NLL, with a 1-sigma) or ``linear`` (L1)."""

    name: str
    target: str
    quick: bool

    def fit_predict(self, X, a, P, X_test, P_test, c_train, seed):
        model, prior = fit_aae_net(X, a, P, c_train, target=self.target, quick=self.quick, seed=seed)
        return predict_albedo(model, prior, X_test, P_test, self.target)


def run_albedo(*, quick: bool = False, log=None) -> dict:
    """Out-of-fold albedo predictions of every method; returns ``{method: predictions}`` and the data."""
    log = log if log is not None else (lambda text: print(text, file=sys.stderr, flush=True))
    start = time.perf_counter()
    X, albedo, classes, designations = load_aaed()
    folds = stratified_folds(classes, N_SPLITS, SEED)
    log(f"Albedo: {len(albedo)} asteroids x {X.shape[1]} bands, {N_SPLITS} folds by asteroid")
    methods = [AAENetMethod("AAE-Net (log10, NLL)", "log10", quick)]
    if not quick:
        methods.append(AAENetMethod("AAE-Net (linear, L1)", "linear", quick))
    regressors = {"Random forest": REGRESSORS["Random forest"]} if quick else REGRESSORS
    predictions = {name: np.zeros(len(albedo)) for name in
                   ["Class-mean rule"] + [m.name for m in methods] + list(regressors)}
    sigma = np.full(len(albedo), np.nan)
    seconds = {name: [] for name in predictions}
    for fold in folds:
        tr, te = fold.train, fold.test
        P_train, P_test = class_probabilities(X[tr], classes[tr], X[te], SEED + fold.index)
        means = {c: albedo[tr][classes[tr] == c].mean() for c in np.unique(classes[tr])}
        overall = albedo[tr].mean()
        predictions["Class-mean rule"][te] = [means.get(c, overall) for c in P_test.argmax(1)]
        for method in methods:
            t = time.perf_counter()
            predicted, s = method.fit_predict(X[tr], albedo[tr], P_train, X[te], P_test, classes[tr],
                                              SEED + fold.index)
            predictions[method.name][te] = predicted
            if s is not None:
                sigma[te] = s
            seconds[method.name].append(time.perf_counter() - t)
        features_train, features_test = np.hstack([X[tr], P_train]), np.hstack([X[te], P_test])
        for name, factory in regressors.items():
            t = time.perf_counter()
            model = factory(X.shape[1], SEED + fold.index).fit(features_train, np.log10(albedo[tr]))
            predictions[name][te] = 10.0 ** model.predict(features_test)
            seconds[name].append(time.perf_counter() - t)
        aae = predictions[methods[0].name][te]
        log(f"  fold {fold.index + 1}/{N_SPLITS}: AAE-Net MAE {np.mean(np.abs(aae - albedo[te])):.4f}, class-mean "
            f"{np.mean(np.abs(predictions['Class-mean rule'][te] - albedo[te])):.4f}")
    return {"albedo": albedo, "classes": classes, "designations": designations, "folds": folds,
            "predictions": predictions, "sigma": sigma, "seconds": seconds,
            "elapsed": time.perf_counter() - start, "quick": quick}


def _per_fold(run, method, rows_of=lambda fold: fold.test):
    albedo, predicted = run["albedo"], run["predictions"][method]
    mae, pct = [], []
    for fold in run["folds"]:
        rows = rows_of(fold)
        if len(rows):
            mae.append(np.mean(np.abs(predicted[rows] - albedo[rows])))
            pct.append(mape(albedo[rows], predicted[rows]))
    return mae, pct


def table(run: dict, number: str) -> dict:
    """The JSON of Table 9, 10 or 13 from one :func:`run_albedo`."""
    protocol = ("AAED (korda2023 spectra x Mahlke+2022 / SpitzerNEOs albedos) with an 11-class label, "
                f"{len(run['albedo'])} asteroids, 201 bands; 5 stratified folds by asteroid (seed 0); class "
                "probabilities out-of-sample (PCA + logistic regression) for every method" + (" (quick)" if run["quick"] else ""))
    rows = []
    if number == "9":
        for method in run["predictions"]:
            mae, pct = _per_fold(run, method)
            (m, s), (p, ps) = mean_std(mae), mean_std(pct)
            rows.append({"method": method, "source": "measured", "mae": round(m, 4), "mae_std": round(s, 4),
                         "mape": round(p, 2), "mape_std": round(ps, 2),
                         "seconds_per_fold": round(float(np.mean(run["seconds"][method])), 1)
                         if run["seconds"][method] else 0.0})
        rows += [{"method": k, "source": "paper", **v} for k, v in PAPER["9"].items()]
    elif number == "10":
        scheme = list(VISNIR_11.classes)
        for method in run["predictions"]:
            row = {"method": method, "source": "measured"}
            for kind in TYPES:
                code = scheme.index(kind)
                mae, pct = _per_fold(run, method, lambda f, code=code: f.test[run["classes"][f.test] == code])
                row[kind] = round(mean_std(mae)[0], 4)
                row[f"{kind}_std"] = round(mean_std(mae)[1], 4)
                row[f"{kind}_mape"] = round(mean_std(pct)[0], 2)
            rows.append(row)
        rows += [{"method": k, "source": "paper", **v} for k, v in PAPER["10"].items()]
    else:
        method = next(iter(m for m in run["predictions"] if m.startswith("AAE-Net")))
        for number_, name in TABLE13_ASTEROIDS.items():
            hits = np.flatnonzero(run["designations"] == number_)
            if not hits.size:
                continue
            i = hits[0]
            rows.append({"asteroid": name, "number": number_, "catalogue": round(float(run["albedo"][i]), 4),
                         "predicted": round(float(run["predictions"][method][i]), 4),
                         "sigma_dex": None if np.isnan(run["sigma"][i]) else round(float(run["sigma"][i]), 3),
                         "class_mean_rule": round(float(run["predictions"]["Class-mean rule"][i]), 4)})
    return {"table": number, "protocol": protocol, "seconds": round(run["elapsed"], 1), "rows": rows}


def format_albedo_table(result: dict) -> str:
    lines = [f"Table {result['table']}: {result['protocol']}"]
    if result["table"] == "9":
        lines.append(f"{'method':<24} {'source':<9} {'MAE':>16} {'MAPE (%)':>14}")
        for r in result["rows"]:
            mae = f"{r['mae']:.4f}" + (f" +- {r['mae_std']:.4f}" if "mae_std" in r else "")
            pct = f"{r['mape']:.1f} +- {r['mape_std']:.1f}" if "mape" in r else "-"
            lines.append(f"{r['method']:<24} {r['source']:<9} {mae:>16} {pct:>14}")
    elif result["table"] == "10":
        lines.append(f"{'method':<24} {'source':<9} " + " ".join(f"{'MAE ' + k:>16}" for k in TYPES))
        for r in result["rows"]:
            cells = [(f"{r[k]:.4f}" + (f" +- {r[k + '_std']:.4f}" if k + "_std" in r else "")) if k in r else "-"
                     for k in TYPES]
            lines.append(f"{r['method']:<24} {r['source']:<9} " + " ".join(f"{c:>16}" for c in cells))
    else:
        lines.append(f"{'asteroid':<9} {'catalogue':>9} {'AAE-Net':>8} {'1-sigma':>16} {'class-mean':>10}")
        for r in result["rows"]:
            s = r["sigma_dex"]
            if s is None:
                band = "-"
            elif s > 1.0:  # more than a factor of ten either way: say so rather than print a meaningless range
                band = f"sigma {s:.1f} dex"
            else:
                band = f"{r['predicted'] / 10 ** s:.3f}-{r['predicted'] * 10 ** s:.3f}"
            lines.append(f"{r['asteroid']:<9} {r['catalogue']:>9.3f} {r['predicted']:>8.3f} {band:>16} "
                         f"{r['class_mean_rule']:>10.3f}")
    lines.append(f"({result['seconds']:.0f} s for the shared out-of-fold run)")
    return "\n".join(lines)


def run_tables(numbers, *, quick=False, output="outputs", log=None) -> list:
    """Run the shared albedo pass once and return the requested tables (also written as JSON to ``output``)."""
    run = run_albedo(quick=quick, log=log)
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    results = []
    for number in numbers:
        result = table(run, number)
        (output / f"table{number}.json").write_text(json.dumps(result, indent=1))
        results.append(result)
    return results
