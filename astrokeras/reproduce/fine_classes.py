"""The finer-schemes table (``astrokeras reproduce --table fine-classes``): the exact Bus-DeMeo class of korda2023's
VIS-NIR and near-infrared spectra and the exact Bus class of SMASS II's visible spectra, by asteroid and out of
fold, and the shipped models of :mod:`astrokeras.schemes.fine_classes` (``--write``).

Protocol. Per scheme, 5 folds grouped by asteroid and stratified by the 11-class parent (seed 0); every method
trains on the other four folds only. Labels are the catalogue's, suffixes stripped (``Sqw`` is scored as ``Sq``);
a class the 11 drop (O, R, U) is left out. Methods:

* **DeMeo et al. 2009 PCA procedure** (Bus-DeMeo, VIS-NIR only): their eigenvectors and decision boundaries
  (:mod:`astrokeras.schemes.demeo_pca`); nothing is trained;
* **PCA+SVM (flat)**: one RBF SVM over every class with enough spectra (the rare ones folded into their parent, as
  the hierarchy does), tuned by inner CV, on the family grid's centred log-reflectance;
* **11-class model x child model**: the hierarchy ``analyze`` runs, with the 11-class probabilities from a
  standardise -> PCA -> logistic regression fitted on the training folds (``analyze`` uses CoverageNet there);
* **true parent x child model**: the child models alone, given the true 11-class parent (what a perfect
  11-class answer would leave);
* **CoverageNet x child model**: the same child models under CoverageNet's out-of-fold 11-class answer, read
  from the coverage table's saved folds and joined by asteroid (Bus-DeMeo only; present once ``reproduce
  --table coverage`` has saved its folds with the same data and code);
* **CoverageNet + expert x child model (analyze)**: the same under the 11-class answer ``analyze`` ships
  (CoverageNet with the coverage expert, as the ``coverage-levers`` table selected it, cross-fitted), read from
  its ``coverage-levers-answers.npz``.

Other files of the held-out asteroids: the spectra of another survey, night or instrument (MITHNEOS raw files
for Bus-DeMeo; SMASS I raw files and Gaia DR3 for Bus) are scored by the fold's models against the home survey's label, and every pair of
files of one asteroid says whether both got the same answer (label-free).

Scores: exact-class accuracy (mean +- std over folds; a rare class the hierarchy folds counts as an error), the
11-class accuracy implied by the same answers, balanced accuracy over the classes present, and per-class
precision / recall pooled over folds. Each fold is saved as it finishes (:mod:`astrokeras.reproduce.saved_folds`).

Example
-------
``astrokeras reproduce --table fine-classes --json``; ``python -m astrokeras.reproduce.fine_classes --write``
refits on every labelled spectrum and writes ``astrokeras/pretrained/fine-classes.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import pathlib
import time
import warnings

import numpy as np
from sklearn.metrics import balanced_accuracy_score, precision_recall_fscore_support

from astrokeras.datasets import (
    load_archive,
    load_busdemeo,
    load_demeo_templates,
    load_gaia_dr3,
    load_smass2,
)
from astrokeras.datasets.collection import asteroid_key
from astrokeras.evaluation import mean_std
from astrokeras.evaluation.folds import stratified_folds
from astrokeras.models.albedo_baselines import class_probability_model
from astrokeras.models.baselines import pca_svm
from astrokeras.models.fine_class_model import fit_fine_classes, folded_labels
from astrokeras.recipes import coverage_net_taxonomy
from astrokeras.reproduce import coverage_table
from astrokeras.reproduce.coverage_levers import same_top_class
from astrokeras.reproduce.saved_folds import chosen_folds, folds_note, table_store
from astrokeras.schemes.demeo_pca import DeMeoPCA
from astrokeras.schemes.fine_classes import (
    FAMILIES,
    WEATHERED_CLASSES,
    demeo_slope,
    family_grid,
    features_of,
    fine_probabilities,
    parent_of,
    weathered_label,
)
from astrokeras.schemes.taxonomy import VISNIR_11, base_class
from astrokeras.spectra.coverage import covered, crop, encode

log = logging.getLogger(__name__)
MODEL_PATH = pathlib.Path(__file__).resolve().parents[1] / "pretrained" / "fine-classes.json"
N_SPLITS = 5
SEED = 0
DEMEO = "DeMeo et al. 2009 PCA procedure"
FLAT = "PCA+SVM (flat)"
HIERARCHY = "11-class model x child model"
ORACLE = "true parent x child model"
COVERAGE_NET = "CoverageNet x child model"
SHIPPED = "CoverageNet + expert x child model (analyze)"
# family -> scheme -> the coverage table's row whose saved CoverageNet answers the hierarchy can read
COVERAGE_NET_ROWS = {"VIS-NIR": {"Bus-DeMeo": "VIS-NIR 0.45-2.45"}, "NIR": {"Bus-DeMeo": "NIR 0.85-2.45"}}
SOURCES = {"Bus-DeMeo": "korda2023 (DeMeo+2009, Binzel+2019 MITHNEOS)", "Bus": "SMASS II (Bus & Binzel 2002)"}


def labelled_spectra(scheme: str):
    """``(spectra, labels, keys)`` of a scheme's training survey: ``(wavelength um, reflectance)`` pairs, the
    catalogue labels (suffixes stripped) and the asteroid keys; only labels the 11 classes keep."""
    if scheme == "Bus-DeMeo":
        data, column = load_busdemeo(), "bus_demeo"
    else:
        data, column = load_smass2(), "bus_class"
    labels = [base_class(c) if scheme == "Bus-DeMeo" else str(c).strip() for c in data.meta[column].fillna("")]
    rows = [i for i, c in enumerate(labels) if c and parent_of(scheme, c) is not None]
    spectra = [(np.asarray(data.wavelength, float), np.asarray(data.reflectance[i], float)) for i in rows]
    keys = [asteroid_key(d) for d in data.meta["designation"].to_numpy()[rows]]
    return spectra, [labels[i] for i in rows], keys


OTHER_SURVEYS = {"Bus-DeMeo": ("mithneos",), "Bus": ("smass1", "gaia_dr3")}  # other surveys, nights, instruments


def other_spectra(scheme: str, keys) -> list:
    """``[(wavelength, reflectance, key, file, survey)]``: the spectra of another survey (:data:`OTHER_SURVEYS`:
    MITHNEOS raw files for Bus-DeMeo; SMASS I raw files and Gaia DR3's unflagged bands, at least 8 of 16, for Bus)
    of the asteroids in ``keys``; scored against the home survey's label of the asteroid, by models that never
    saw it."""
    wanted, out = set(keys), []
    for survey in OTHER_SURVEYS[scheme]:
        if survey == "gaia_dr3":
            gaia = load_gaia_dr3()
            usable = (gaia.flags == 0) & np.isfinite(gaia.reflectance) & (gaia.reflectance > 0)
            out += [(gaia.wavelength[usable[i]], gaia.reflectance[i, usable[i]], asteroid_key(n), f"gaia {n}", survey)
                    for i, n in enumerate(gaia.meta["number"].to_numpy())
                    if asteroid_key(n) in wanted and usable[i].sum() >= 8]
            continue
        archive = load_archive(survey)
        out += [(s.wavelength, s.reflectance, asteroid_key(d), f, survey) for d, s, f in
                zip(archive.meta["designation"], archive.meta["spectrum"], archive.meta["file"])
                if asteroid_key(d) in wanted]
    return out


def _family_spectra(scheme: str, family: str, spectra):
    """The spectra cut to a family's range (a VIS-NIR spectrum gives the near-infrared family its 0.85-2.45 um)."""
    start, stop, _ = FAMILIES[scheme][family]
    return [crop(w, r, start - 0.02, stop + 0.02) for w, r in spectra]


def _parents(scheme, labels):
    return np.array([VISNIR_11.classes.index(parent_of(scheme, c)) for c in labels])


def _fold_answers(scheme, spectra, labels, keys, train, test, others=()) -> dict:
    """Every method's answer (class names) for the test spectra of one fold, per family; beside them (names
    starting with ``_``) the test asteroids' keys and the child models' probabilities given each parent
    (``_conditional``, columns ``_children``), so that another 11-class answer can be put on top later."""
    out = {}
    classes11 = list(VISNIR_11.classes)
    for family in FAMILIES[scheme]:
        grid = family_grid(scheme, family)
        cut = _family_spectra(scheme, family, spectra)
        ok = np.array([covered(w, grid).all() for w, _ in cut])
        tr, te = train[ok[train]], test[ok[test]]
        X = np.zeros((len(cut), grid.size), "float32")
        X[ok] = np.stack([encode(w, r, grid)[0] for (w, r), k in zip(cut, ok) if k])
        folded, _ = folded_labels(scheme, [labels[i] for i in tr])
        answers = {"truth": np.array([labels[i] for i in te])}
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning)
            flat = pca_svm(SEED).fit(X[tr], np.array(folded))
            answers[FLAT] = flat.predict(X[te]).astype(str)
            parent = class_probability_model(SEED).fit(X[tr], _parents(scheme, [labels[i] for i in tr]))
        model = fit_fine_classes(scheme, [cut[i] for i in tr], [labels[i] for i in tr], SEED, families=[family])
        P11 = np.zeros((te.size, len(classes11)))
        P11[:, parent.classes_] = parent.predict_proba(X[te])
        truth11 = np.eye(len(classes11))[_parents(scheme, [labels[i] for i in te])]
        given = [fine_probabilities(model, family, features_of(scheme, family, *cut[i]), np.ones(len(classes11)),
                                    classes11) for i in te]
        answers["_conditional"] = np.array([g.probabilities for g in given]).reshape(te.size, -1)
        answers["_children"] = np.array(given[0].classes if given else [], dtype=str)
        answers["_key"] = np.array([keys[i] for i in te], dtype=str)
        for name, P in ((HIERARCHY, P11), (ORACLE, truth11)):
            answers[name] = _top_children(scheme, answers["_conditional"], answers["_children"], P)
        if scheme == "Bus-DeMeo" and family == "VIS-NIR":
            demeo = DeMeoPCA(load_demeo_templates(), strict=False).predict([spectra[i] for i in te])
            answers[DEMEO] = np.array([base_class(c) if c else "" for c in demeo])
        out[family] = answers
        label_of = {keys[i]: labels[i] for i in test}
        for survey in OTHER_SURVEYS[scheme]:
            elsewhere = [o for o in others if o[4] == survey and o[2] in label_of and covered(o[0], grid).all()]
            if elsewhere:
                out[f"{family} {survey}"] = _other_answers(scheme, family, elsewhere, label_of, parent, flat, model)
    return out


def same_answer(asteroids, answers, scheme) -> dict:
    """How often two files of one asteroid (other nights, other runs) get the same answer: over every pair of files
    of an asteroid, the share with the same exact class and with the same 11-class parent (label-free).

    >>> same_answer(np.array(["1", "1", "1", "2"]), np.array(["Sq", "Sq", "S", "C"]), "Bus-DeMeo")
    {'pairs': 3, 'asteroids': 1, 'exact': 33.3, 'acc11': 100.0}
    """
    exact = same_top_class(asteroids, np.asarray(answers))
    parents = same_top_class(asteroids, np.array([parent_of(scheme, c) or "" for c in answers]))
    return {"pairs": exact["pairs"], "asteroids": exact["asteroids"], "exact": exact["same_pct"],
            "acc11": parents["same_pct"]}


def _other_answers(scheme, family, elsewhere, label_of, parent, flat, model) -> dict:
    """One fold's answers for the spectra of another survey: the hierarchy, the flat SVM and (VIS-NIR) DeMeo's."""
    grid = family_grid(scheme, family)
    classes11 = list(VISNIR_11.classes)
    cut = [crop(w, r, grid[0] - 0.02, grid[-1] + 0.02) for w, r, *_ in elsewhere]
    X = np.stack([encode(w, r, grid)[0] for w, r in cut])
    P = np.zeros((len(cut), len(classes11)))
    P[:, parent.classes_] = parent.predict_proba(X)
    picks = [fine_probabilities(model, family, features_of(scheme, family, *c), p, classes11) for c, p in zip(cut, P)]
    found = {"truth": np.array([label_of[o[2]] for o in elsewhere]),
             "_key": np.array([o[2] for o in elsewhere], dtype=str),
             "_file": np.array([o[3] for o in elsewhere], dtype=str),
             HIERARCHY: np.array([f.classes[int(np.argmax(f.probabilities))] for f in picks]),
             FLAT: flat.predict(X).astype(str)}
    if scheme == "Bus-DeMeo" and family == "VIS-NIR":
        demeo = DeMeoPCA(load_demeo_templates(), strict=False).predict([(w, r) for w, r, *_ in elsewhere])
        found[DEMEO] = np.array([base_class(c) if c else "" for c in demeo])
    return found


def _scores(scheme, truth, answer, fold) -> dict:
    accuracy = [float(np.mean(answer[fold == k] == truth[fold == k])) for k in np.unique(fold)]
    parents = np.array([parent_of(scheme, c) or "" for c in answer])
    parents_true = np.array([parent_of(scheme, c) for c in truth])
    acc11 = [float(np.mean(parents[fold == k] == parents_true[fold == k])) for k in np.unique(fold)]
    classes = sorted(set(truth))
    precision, recall, _, support = precision_recall_fscore_support(truth, answer, labels=classes, zero_division=0)
    mean, std = mean_std(accuracy)
    mean11, std11 = mean_std(acc11)
    return {"exact": round(100 * mean, 1), "exact_std": round(100 * std, 1), "acc11": round(100 * mean11, 1),
            "acc11_std": round(100 * std11, 1),
            "balanced": round(100 * balanced_accuracy_score(truth, answer) if len(classes) > 1 else 0.0, 1),
            "per_class": {c: {"precision": round(float(p), 3), "recall": round(float(r), 3), "n": int(n)}
                          for c, p, r, n in zip(classes, precision, recall, support)}}


def weathering_agreement() -> dict:
    """DeMeo's ``w`` from the slope rule against korda2023's published suffix, on the spectra of the classes
    that take it (nothing is fitted: the rule is DeMeo's)."""
    data = load_busdemeo()
    labels = [str(c).strip().rstrip(":") for c in data.meta["bus_demeo"]]
    rows = [i for i, c in enumerate(labels) if base_class(c) in WEATHERED_CLASSES]
    ours = np.array([weathered_label(base_class(labels[i]), demeo_slope(data.wavelength, data.reflectance[i]))
                     .endswith("w") for i in rows])
    truth = np.array([labels[i].endswith("w") for i in rows])
    return {"spectra": len(rows), "agreement": round(100 * float(np.mean(ours == truth)), 1),
            "published_w": int(truth.sum()), "flagged_w": int(ours.sum())}


def coverage_net_answers(output, row: str, survey: str = "korda2023") -> dict:
    """``{asteroid key: 11-class probabilities}``: CoverageNet's calibrated out-of-fold answers for ``survey``'s
    held-out spectra in the coverage table's ``row``, from its saved folds that are current (same settings, data
    and code; the coverage table's module docstring). Empty when none is saved: run ``reproduce --table
    coverage`` first. CoverageNet's folds are not these folds, but each held-out spectrum's asteroid is out of
    both trainings, which is all a score needs."""
    store = table_store(output, "coverage", module=coverage_table.__name__,
                        settings={"recipe": coverage_net_taxonomy.RECIPE.name, "rows": list(coverage_table.ROWS),
                                  "pairs": coverage_table.PAIRS})
    out = {}
    for k in range(coverage_table.N_SPLITS):
        found = store.load(f"fold{k + 1}")
        part = found[0].get("rows", {}).get(row, {}) if found else {}
        if "key" in part:
            for key, survey_of, P in zip(part["key"], part["survey"], part["CoverageNet"]):
                if survey_of == survey:
                    out[str(key)] = np.asarray(P, float)
    return out


def shipped_answers(output, row: str, survey: str = "korda2023") -> dict:
    """``{asteroid key: 11-class probabilities}`` as ``analyze`` ships them (CoverageNet with the coverage expert
    the levers table selected, cross-fitted), from ``<output>/coverage-levers-answers.npz``; empty without it."""
    path = pathlib.Path(output) / "coverage-levers-answers.npz"
    if not path.is_file():
        return {}
    with np.load(path, allow_pickle=False) as data:
        if f"{row}/selected" not in data.files:
            return {}
        keys, surveys, P = data[f"{row}/key"], data[f"{row}/survey"], data[f"{row}/selected"]
    return {str(k): np.asarray(p, float) for k, s_, p in zip(keys, surveys, P) if s_ == survey}


def _with_parent(answers, parents: dict, name: str = "") -> dict:
    """The hierarchy's answer with the 11-class probabilities ``parents`` (by asteroid key) on top of one fold's
    child models, for the test spectra that have them: ``{"truth", COVERAGE_NET}``."""
    keep = [i for i, key in enumerate(answers["_key"]) if key in parents]
    picks = _top_children("Bus-DeMeo", [answers["_conditional"][i] for i in keep], answers["_children"],
                          [parents[answers["_key"][i]] for i in keep])
    return {"truth": np.asarray(answers["truth"])[keep], name or COVERAGE_NET: picks}


def _top_children(scheme, conditional, children, P11) -> np.ndarray:
    """Per row, the child with the largest ``P11(parent) x P(child | parent)``: ``conditional`` holds the child
    models' probabilities given each parent (columns ``children``), as :func:`fine_probabilities` gives them for
    ``P11`` all ones, so any 11-class answer can be put on top of one fold's saved child models."""
    children = [str(c) for c in children]
    column = [VISNIR_11.classes.index(parent_of(scheme, c)) for c in children]
    return np.array([children[int(np.argmax(c * np.asarray(p)[column]))] for c, p in zip(conditional, P11)],
                    dtype=str)


def run_fine_classes_table(*, quick: bool = False, output="outputs", only_folds=None, echo=log.info) -> dict:
    """The table as a dict (``table``, ``protocol``, ``rows``), saved to ``<output>/tablefine-classes.json``."""
    start = time.perf_counter()
    schemes = ("Bus-DeMeo",) if quick else ("Bus-DeMeo", "Bus")
    store = table_store(output, "fine-classes", settings={"schemes": list(schemes), "seed": SEED},
                        module=__name__, quick=quick)
    rows, used, coverage, repeats = [], [], {}, []
    for scheme in schemes:
        spectra, labels, keys = labelled_spectra(scheme)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="classes with fewer than")
            folds = stratified_folds(_parents(scheme, labels), N_SPLITS, SEED, groups=keys)
        used = chosen_folds(N_SPLITS, only_folds if not quick else (1,))
        others = [] if quick else other_spectra(scheme, keys)
        collected = {}
        for k in used:
            echo(f"  fine classes, {scheme}: fold {k + 1} of {N_SPLITS} ({len(folds[k].test)} test spectra)")
            fold = folds[k]
            arrays, _ = store.compute(f"{scheme}-fold{k + 1}", lambda s=scheme, x=spectra, y=labels, g=keys, f=fold,
                                      o=others: (_fold_answers(s, x, y, g, f.train, f.test, o), {}))
            for family, answers in arrays.items():
                part = collected.setdefault(family, {})
                for name, values in answers.items():
                    if not name.startswith("_") or name == "_key" and " " in family:
                        part.setdefault(name, []).append(values)
                part.setdefault("fold", []).append(np.full(len(answers["truth"]), k))
                if scheme in COVERAGE_NET_ROWS.get(family, {}):
                    row = COVERAGE_NET_ROWS[family][scheme]
                    for source, name, read in (("CoverageNet", COVERAGE_NET, coverage_net_answers),
                                               ("shipped", SHIPPED, shipped_answers)):
                        if (family, source) not in coverage:
                            coverage[(family, source)] = read(output, row)
                        found = _with_parent(answers, coverage[(family, source)], name)
                        extra = collected.setdefault(f"{family} ({source})", {})
                        for field, values in found.items():
                            extra.setdefault(field, []).append(values)
                        extra.setdefault("fold", []).append(np.full(len(found["truth"]), k))
        for family, part in collected.items():
            truth, fold = np.concatenate(part.pop("truth")), np.concatenate(part.pop("fold"))
            if truth.size == 0:
                continue
            if "_key" in part:
                asteroids = np.concatenate(part.pop("_key"))
                repeats.append({"scheme": scheme, "family": family, **{
                    name: same_answer(asteroids, np.concatenate(values), scheme) for name, values in part.items()}})
            for name, values in part.items():
                rows.append({"scheme": scheme, "family": family.split(" (")[0], "method": name,
                             "spectra": int(truth.size), **_scores(scheme, truth, np.concatenate(values), fold)})
    result = {"table": "fine-classes", "folds": [k + 1 for k in used], "of_folds": N_SPLITS,
              "weathering_flag": weathering_agreement(),
              "protocol": f"{folds_note(used, N_SPLITS)} grouped by asteroid, stratified by the 11-class parent, "
                          f"seed {SEED}; Bus-DeMeo: {SOURCES['Bus-DeMeo']}, Bus: {SOURCES['Bus']}; labels with "
                          "suffixes stripped; every method on the same folds",
              "rows": rows, "repeated_observations": repeats, "seconds": round(time.perf_counter() - start, 1)}
    path = pathlib.Path(output) / "tablefine-classes.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    return result


def format_fine_classes_table(result: dict) -> str:
    """The table as text: one line per scheme, family and method, then the per-class recall of the hierarchy."""
    lines = [f"Finer schemes: exact class, {result['protocol']}", "",
             (f"{'scheme':<10} {'family (data)':<17} {'method':<45} {'n':>4} {'exact %':>12} {'11-class %':>12} "
              f"{'balanced':>8}")]
    for row in result["rows"]:
        lines.append(f"{row['scheme']:<10} {row['family']:<17} {row['method']:<45} {row['spectra']:>4} "
                     f"{row['exact']:>5.1f} +- {row['exact_std']:>4.1f} {row['acc11']:>5.1f} +- {row['acc11_std']:>4.1f} "
                     f"{row['balanced']:>8.1f}")
    flag = result.get("weathering_flag")
    if flag:
        lines.append(f"\nDeMeo's w (slope >= 0.25 /um) against korda2023's published suffix: {flag['agreement']:.1f}% "
                     f"of {flag['spectra']} S/Sq/Sr/Sv/Q/V spectra ({flag['published_w']} published w, "
                     f"{flag['flagged_w']} flagged)")
    for entry in result.get("repeated_observations", []):
        if not any(isinstance(v, dict) and v["pairs"] for v in entry.values()):
            continue
        lines.append(f"\nSame asteroid, two files ({entry['scheme']} {entry['family']}): " + "; ".join(
            f"{name} {v['exact']}% exact / {v['acc11']}% 11-class over {v['pairs']} pairs ({v['asteroids']} asteroids)"
            for name, v in entry.items() if isinstance(v, dict) and v["pairs"]))
    for row in result["rows"]:
        if row["method"] == HIERARCHY and row["family"] in FAMILIES[row["scheme"]]:
            lines.append(f"\n{row['scheme']} {row['family']}, {HIERARCHY}, per class (precision / recall / n): " +
                         ", ".join(f"{c} {v['precision']:.2f}/{v['recall']:.2f}/{v['n']}"
                                   for c, v in row["per_class"].items()))
    return "\n".join(lines)


def write_models(path=MODEL_PATH) -> dict:
    """Fit every scheme on all its labelled spectra and write the shipped ``fine-classes.json``."""
    models = {}
    for scheme in FAMILIES:
        spectra, labels, _ = labelled_spectra(scheme)
        models[scheme] = fit_fine_classes(scheme, spectra, labels, SEED)
        models[scheme]["training_data"] = f"{SOURCES[scheme]}: {len(spectra)} labelled spectra"
    models["date"] = datetime.date.today().isoformat()
    pathlib.Path(path).write_text(json.dumps(models, separators=(",", ":")) + "\n")
    return models


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"refit on all spectra and write {MODEL_PATH.name}")
    parser.add_argument("--output", default="outputs", help="folder of the table and its saved folds")
    args = parser.parse_args(argv)
    if args.write:
        models = write_models()
        for scheme in FAMILIES:
            print(f"{scheme}: {models[scheme]['training_data']}; folded {models[scheme]['folded']}")
        print(MODEL_PATH)
        return 0
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(format_fine_classes_table(run_fine_classes_table(output=args.output)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
