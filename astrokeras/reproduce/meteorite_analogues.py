"""Fit and measure the meteorite-analogue rules of :mod:`astrokeras.physics.meteorite_analogue` on the RELAB
meteorites: the H / L / LL chondrites and the eucrites and diogenites, their band parameters measured with
:func:`astrokeras.physics.band_parameters.band_parameters`, grouped by meteorite (every preparation of one
meteorite, chips and powders, in one group).

* ordinary chondrites: the accuracy leave-one-meteorite-out of the Gaussian classifier, its feature set chosen
  inside each training part (by leave-one-meteorite-out accuracy on that part alone), beside Dunn et al. 2010's Fa
  fields applied to the same band centres;
* HED: each lab eucrite and diogenite read with the means of the *other* meteorites.

``python -m astrokeras.reproduce.meteorite_analogues --write`` refits on every meteorite and writes the shipped
parameters (``astrokeras/pretrained/meteorite-analogues.json``); the composition table prints the scores.

Example
-------
>>> from astrokeras.reproduce.meteorite_analogues import meteorite_key
>>> meteorite_key("Tsarev 45-63 um"), meteorite_key("ALH 77256,34 chip"), meteorite_key("Tuxtuac M-LL5-860")
('tsarev', 'alh 77256', 'tuxtuac')
"""

from __future__ import annotations

import argparse
import json
import re

import numpy as np
import pandas as pd

from astrokeras.datasets.relab_composition import union_groups
from astrokeras.physics.band_parameters import dunn_fayalite
from astrokeras.physics.meteorite_analogue import (
    HED_CLASSES,
    MODEL_PATH,
    OC_CLASSES,
    OC_FA_FIELDS,
    OLIVINE_DOMINATED_UM,
    eucrite_fraction,
    fit_gaussian_classes,
    gaussian_probabilities,
    hed_probabilities,
)

FEATURE_SETS = (("band_i_centre_um",), ("band_i_centre_um", "bar"), ("band_i_centre_um", "band_ii_centre_um", "bar"))
COLUMNS = ("band_i_centre_um", "band_ii_centre_um", "bar", "dunn_fa_mol_pct")


def meteorite_key(name: str) -> str:
    """The meteorite a RELAB sample name belongs to (split, grain size and preparation dropped)."""
    stem = re.split(r",|<|\(| M-| chip| bulk| powder| \d+-\d+ ?um", str(name))[0]
    return " ".join(stem.lower().split())


def lab_table(data, params) -> pd.DataFrame:
    """The RELAB meteorites with both bands measured: band parameters, ``kind`` (H / L / LL / eucrite /
    diogenite) and ``meteorite`` (a group index)."""
    subtype = data.meta["SubType"].astype(str).str.strip()
    oc = subtype.str.extract(r"^(LL|H|L)\d$")[0]
    hed = np.where(subtype.str.contains("HED") & subtype.str.contains("Eucrite"), "eucrite",
                   np.where(subtype.str.contains("HED") & subtype.str.contains("Diogenite"), "diogenite", None))
    kind = oc.where(oc.notna(), pd.Series(hed, index=oc.index))
    rows = []
    for i in np.flatnonzero(kind.notna().to_numpy() & np.array([p is not None for p in params])):
        p = params[i]
        rows.append({"kind": kind.iloc[i], "name": str(data.meta["SampleName"].iloc[i]), "material": data.groups[i],
                     "band_i_centre_um": p.band_i_centre, "band_ii_centre_um": p.band_ii_centre, "bar": p.bar})
    table = pd.DataFrame(rows)
    table["dunn_fa_mol_pct"] = dunn_fayalite(table["band_i_centre_um"].to_numpy())
    table["meteorite"] = union_groups(table["material"].to_numpy(), table["name"].map(meteorite_key).to_numpy())
    return table


TEMPERATURES = np.round(np.arange(1.0, 4.01, 0.25), 2)


def _logo_probabilities(table, features) -> np.ndarray:
    """Leave-one-meteorite-out class probabilities (rows of ``table``, columns :data:`OC_CLASSES`)."""
    out = np.zeros((len(table), len(OC_CLASSES)))
    for meteorite in np.unique(table["meteorite"]):
        test = (table["meteorite"] == meteorite).to_numpy()
        fitted = fit_gaussian_classes(table.loc[~test, list(features)], table.loc[~test, "kind"], OC_CLASSES)
        out[test] = gaussian_probabilities(table.loc[test, list(features)], fitted)
    return out


def choose_features(table) -> tuple:
    """The feature set of :data:`FEATURE_SETS` with the best leave-one-meteorite-out accuracy on ``table`` (the
    simplest on a tie)."""
    truth = table["kind"].to_numpy()
    scores = [np.mean(np.array(OC_CLASSES)[_logo_probabilities(table, f).argmax(1)] == truth) for f in FEATURE_SETS]
    return FEATURE_SETS[int(np.argmax(scores))]


def choose_temperature(table, features) -> float:
    """The temperature of :data:`TEMPERATURES` with the lowest leave-one-meteorite-out log-loss on ``table``."""
    probabilities = _logo_probabilities(table, features)
    truth = np.array([OC_CLASSES.index(k) for k in table["kind"]])
    losses = []
    for t in TEMPERATURES:
        q = probabilities ** (1.0 / t)
        q /= q.sum(axis=1, keepdims=True)
        losses.append(-np.mean(np.log(q[np.arange(len(truth)), truth] + 1e-12)))
    return float(TEMPERATURES[int(np.argmin(losses))])


def _dunn_field(fa) -> str:
    centres = {c: 0.5 * (low + high) for c, (low, high) in OC_FA_FIELDS.items()}
    return min(centres, key=lambda c: abs(fa - centres[c]))


def ordinary_chondrite_scores(table) -> dict:
    """Leave-one-meteorite-out accuracy of the classifier (features chosen inside each training part), the
    confusion, and Dunn et al. 2010's Fa fields (nearest field) on the same spectra."""
    oc = table[table["kind"].isin(OC_CLASSES)].reset_index(drop=True)
    truth = oc["kind"].to_numpy()
    probabilities = np.zeros((len(oc), len(OC_CLASSES)))
    chosen = []
    for meteorite in np.unique(oc["meteorite"]):
        test = (oc["meteorite"] == meteorite).to_numpy()
        train = oc[~test].reset_index(drop=True)
        features = choose_features(train)
        chosen.append(" + ".join(features))
        fitted = fit_gaussian_classes(train[list(features)], train["kind"], OC_CLASSES)
        fitted["temperature"] = choose_temperature(train, features)
        probabilities[test] = gaussian_probabilities(oc.loc[test, list(features)], fitted)
    predicted = np.array(OC_CLASSES)[probabilities.argmax(1)]
    dunn = np.array([_dunn_field(fa) for fa in oc["dunn_fa_mol_pct"]])
    confusion = {t: {p: int(np.sum((truth == t) & (predicted == p))) for p in OC_CLASSES} for t in OC_CLASSES}
    return {"n_spectra": len(oc), "n_meteorites": int(oc["meteorite"].nunique()),
            "per_type": {c: int(np.sum(truth == c)) for c in OC_CLASSES},
            "accuracy": round(float(np.mean(predicted == truth)), 3),
            "mean_top_probability": round(float(probabilities.max(axis=1).mean()), 3),
            "dunn_fa_fields_accuracy": round(float(np.mean(dunn == truth)), 3),
            "confusion": confusion, "features_chosen": pd.Series(chosen).value_counts().to_dict()}


def _pyroxene_hed(table) -> pd.DataFrame:
    hed = table[table["kind"].isin(["eucrite", "diogenite"])]
    return hed[hed["band_i_centre_um"] <= OLIVINE_DOMINATED_UM].reset_index(drop=True)


def fit_hed(hed) -> dict:
    """Diogenite and eucrite means in (Band I, Band II centre), the per-axis scale (pooled within-type std) and
    the 1-sigma of the eucrite fraction (scatter of the lab samples about 0 and 1)."""
    axes = ["band_i_centre_um", "band_ii_centre_um"]
    d = hed.loc[hed["kind"] == "diogenite", axes].to_numpy()
    e = hed.loc[hed["kind"] == "eucrite", axes].to_numpy()
    scale = np.sqrt(np.concatenate([d - d.mean(0), e - e.mean(0)]).var(axis=0, ddof=2))
    fitted = {"diogenite_mean": d.mean(0).tolist(), "eucrite_mean": e.mean(0).tolist(), "scale": scale.tolist()}
    spread = np.concatenate([eucrite_fraction(d[:, 0], d[:, 1], fitted),
                             eucrite_fraction(e[:, 0], e[:, 1], fitted) - 1.0])
    fitted["sigma"] = float(np.sqrt(np.mean(spread ** 2)))
    fitted["n"] = {"diogenite": len(d), "eucrite": len(e)}
    return fitted


def hed_scores(table) -> dict:
    """Each lab eucrite and diogenite read with the means fitted on the other meteorites: counts of its
    diogenite / howardite / eucrite answers."""
    hed = _pyroxene_hed(table)
    answers = np.empty(len(hed), dtype=object)
    for meteorite in np.unique(hed["meteorite"]):
        test = (hed["meteorite"] == meteorite).to_numpy()
        fitted = fit_hed(hed[~test])
        f = eucrite_fraction(hed.loc[test, "band_i_centre_um"], hed.loc[test, "band_ii_centre_um"], fitted)
        answers[test] = np.array(HED_CLASSES)[hed_probabilities(f, fitted["sigma"]).argmax(-1)]
    return {"n_spectra": len(hed), "n_meteorites": int(hed["meteorite"].nunique()),
            "answers": {k: {c: int(np.sum((hed["kind"] == k).to_numpy() & (answers == c))) for c in HED_CLASSES}
                        for k in ("diogenite", "eucrite")},
            "left_out_olivine_dominated": int(np.sum(table["kind"].isin(["eucrite", "diogenite"])
                                                     & (table["band_i_centre_um"] > OLIVINE_DOMINATED_UM)))}


def analogue_scores(data, params) -> dict:
    """Both scores on the composition data set (``params``: its band parameters, None where unmeasured)."""
    table = lab_table(data, params)
    return {"ordinary_chondrites": ordinary_chondrite_scores(table), "hed": hed_scores(table)}


def fit_model(data, params) -> dict:
    """The parameters to ship, fitted on every meteorite."""
    table = lab_table(data, params)
    oc = table[table["kind"].isin(OC_CLASSES)].reset_index(drop=True)
    features = choose_features(oc)
    fitted = fit_gaussian_classes(oc[list(features)], oc["kind"], OC_CLASSES)
    fitted.update(features=list(features), temperature=choose_temperature(oc, features), n_spectra=len(oc), n_meteorites=int(oc["meteorite"].nunique()))
    return {"source": "RELAB meteorite spectra of the composition data set (korda2023 mineral-spectra), band "
                      "parameters by astrokeras.physics.band_parameters; written by python -m "
                      "astrokeras.reproduce.meteorite_analogues --write",
            "ordinary_chondrites": fitted, "hed": fit_hed(_pyroxene_hed(table))}


def format_analogue_scores(scores: dict) -> list:
    """Text lines of :func:`analogue_scores`."""
    oc, hed = scores["ordinary_chondrites"], scores["hed"]
    confusion = "; ".join(f"{t}: " + " ".join(f"{p} {n}" for p, n in row.items()) for t, row in oc["confusion"].items())
    answers = "; ".join(f"{k}: " + " ".join(f"{c} {n}" for c, n in row.items()) for k, row in hed["answers"].items())
    return [(f"Meteorite analogue, ordinary chondrites ({oc['n_spectra']} RELAB spectra of {oc['n_meteorites']} "
            f"meteorites): H / L / LL right {100 * oc['accuracy']:.1f}% leave-one-meteorite-out, mean top probability "
            f"{100 * oc['mean_top_probability']:.1f}% (Dunn et al. 2010's "
            f"Fa fields on the same band centres: {100 * oc['dunn_fa_fields_accuracy']:.1f}%); true -> predicted: "
            f"{confusion}"),
            (f"Meteorite analogue, HED ({hed['n_spectra']} lab spectra of {hed['n_meteorites']} meteorites, each read "
            f"with the others' means; {hed['left_out_olivine_dominated']} olivine-dominated left out): {answers}")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write the fitted parameters to {MODEL_PATH}")
    args = parser.parse_args(argv)
    from astrokeras.datasets.relab_composition import composition_data
    from astrokeras.physics.band_parameters import band_parameters_many

    data = composition_data()
    params, _ = band_parameters_many(data.grid, data.spectra)
    print("\n".join(format_analogue_scores(analogue_scores(data, params))))
    if args.write:
        MODEL_PATH.write_text(json.dumps(fit_model(data, params), indent=1) + "\n")
        print(f"wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
