"""Meteorite analogues from band parameters, as asteroid papers report them: the ordinary-chondrite type (H / L / LL)
of an S- or Q-type, and the HED type (howardite / eucrite / diogenite) of a V-type, each with a probability.

* **Ordinary chondrites.** Dunn et al. 2010 (Icarus 208, 789) read the olivine Fa and pyroxene Fs (mol%) from the
  Band I centre and ol/(ol+px) from the Band Area Ratio, and compare them with the H / L / LL fields of the
  meteorites (Fa 16-20 / 22-26 / 26-32 mol%, :data:`OC_FA_FIELDS`). Measured with *our* band analysis on the RELAB
  chondrites, those fields put only 45% of the spectra in their own type: our Band I centres sit about 0.01 um
  short of Dunn's, so every type reads too Fa-poor (L as H). So the type comes from a Gaussian classifier
  (one covariance shared by the classes, equal priors) fitted to the band parameters of the RELAB H, L and LL
  spectra themselves, its probabilities softened by the temperature that fits its leave-one-meteorite-out
  answers best; its accuracy, leave-one-meteorite-out, is in the composition table. Its inputs are lab powders:
  space weathering, temperature and phase angle are not modelled.
* **HED.** Howardites are breccias of eucrite and diogenite: a diogenite holds under 10% eucritic material, a
  eucrite over 90%, a howardite 10-90% (Delaney et al. 1983). The band centres of such a mixture move between its
  end members, so the eucrite fraction is read as the position of (Band I, Band II centre) along the line from the
  RELAB diogenites' mean to the eucrites' mean (0 at the diogenites, 1 at the eucrites; a linear approximation).
  Its 1-sigma is the scatter of the lab eucrites and diogenites about their own means along that line, and the
  probabilities are those of the fraction falling under 0.1, in 0.1-0.9, or over 0.9. Olivine-dominated diogenites
  (Band I centre past 1.0 um: MIL 03443, a dunite) are left out of the means: their spectrum is an olivine's.

The fitted parameters ship in ``astrokeras/pretrained/meteorite-analogues.json``, written from the RELAB data by
``python -m astrokeras.reproduce.meteorite_analogues --write``.

Example
-------
>>> model = {"ordinary_chondrites": {"features": ["band_i_centre_um", "bar"], "classes": ["H", "L", "LL"],
...          "means": [[0.925, 0.8], [0.935, 0.6], [0.97, 0.4]], "covariance": [[1e-4, 0], [0, 0.01]]}}
>>> found = ordinary_chondrite_type({"band_i_centre_um": 0.968, "bar": 0.42}, model)
>>> found["class"], found["probabilities"]["LL"] > 0.9
('LL', True)
>>> hed = {"hed": {"diogenite_mean": [0.92, 1.89], "eucrite_mean": [0.94, 1.99], "scale": [0.01, 0.03],
...                "sigma": 0.15}}
>>> hed_type({"band_i_centre_um": 0.93, "band_ii_centre_um": 1.94}, hed)["class"]
'howardite'
"""

from __future__ import annotations

import functools
import json
import pathlib

import numpy as np
from scipy.stats import norm

OC_CLASSES = ("H", "L", "LL")
HED_CLASSES = ("diogenite", "howardite", "eucrite")
# Fa (mol%) of the ordinary-chondrite types (Dunn et al. 2010's fields): a literature reference beside our classifier
OC_FA_FIELDS = {"H": (16.0, 20.0), "L": (22.0, 26.0), "LL": (26.0, 32.0)}
# Delaney et al. 1983: eucritic material in a diogenite < 10%, in a eucrite > 90%, a howardite between
HED_EUCRITE_LIMITS = (0.1, 0.9)
OLIVINE_DOMINATED_UM = 1.0  # a Band I centre past this is an olivine's, not an HED pyroxene's
MODEL_PATH = pathlib.Path(__file__).resolve().parents[1] / "pretrained" / "meteorite-analogues.json"


@functools.lru_cache(maxsize=1)
def shipped_model() -> dict:
    """The fitted parameters shipped with the package (see the module docstring)."""
    return json.loads(MODEL_PATH.read_text())


def fit_gaussian_classes(X, labels, classes) -> dict:
    """Class means and the pooled (shared) covariance of ``X`` (rows: samples) for ``classes``."""
    X = np.asarray(X, float)
    labels = np.asarray(labels)
    means = np.array([X[labels == c].mean(axis=0) for c in classes])
    centred = np.concatenate([X[labels == c] - m for c, m in zip(classes, means)])
    covariance = centred.T @ centred / max(len(centred) - len(classes), 1)
    return {"classes": list(classes), "means": means.tolist(), "covariance": np.atleast_2d(covariance).tolist()}


def gaussian_probabilities(X, fitted: dict) -> np.ndarray:
    """Posterior probability of each class (equal priors) for each row of ``X`` under ``fitted``'s Gaussians,
    softened by ``fitted["temperature"]`` when it has one (log-probabilities divided by it)."""
    X = np.atleast_2d(np.asarray(X, float))
    means = np.asarray(fitted["means"], float)
    precision = np.linalg.inv(np.asarray(fitted["covariance"], float))
    diff = X[:, None, :] - means[None]
    logp = -0.5 * np.einsum("nki,ij,nkj->nk", diff, precision, diff) / fitted.get("temperature", 1.0)
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    return p / p.sum(axis=1, keepdims=True)


def _answer(classes, probabilities, **extra) -> dict:
    probabilities = {c: round(float(p), 3) for c, p in zip(classes, probabilities)}
    return {"class": max(probabilities, key=probabilities.get), "probabilities": probabilities, **extra}


def ordinary_chondrite_type(band: dict, model: dict | None = None) -> dict:
    """The H / L / LL type of an S- or Q-type's band parameters (:func:`astrokeras.mineralogy.band_summary`'s
    dict): ``{"class", "probabilities", "fa_field"}``; ``fa_field`` is the Dunn et al. 2010 Fa field that the Dunn Fa
    falls in (or None), for reference."""
    fitted = (model or shipped_model())["ordinary_chondrites"]
    x = [band[name] for name in fitted["features"]]
    fa = band.get("dunn_fa_mol_pct")
    field = next((c for c, (low, high) in OC_FA_FIELDS.items() if fa is not None and low <= fa <= high), None)
    return _answer(fitted["classes"], gaussian_probabilities([x], fitted)[0], fa_field=field)


def eucrite_fraction(band_i_centre, band_ii_centre, fitted: dict) -> np.ndarray:
    """Position of (Band I, Band II centre) on the line from the diogenites' mean (0) to the eucrites' mean (1),
    each axis in units of ``fitted["scale"]``."""
    scale = np.asarray(fitted["scale"], float)
    d = np.asarray(fitted["diogenite_mean"], float) / scale
    e = np.asarray(fitted["eucrite_mean"], float) / scale
    x = np.stack([np.asarray(band_i_centre, float), np.asarray(band_ii_centre, float)], axis=-1) / scale
    axis = e - d
    return (x - d) @ axis / (axis @ axis)


def hed_probabilities(fraction, sigma: float) -> np.ndarray:
    """P(diogenite), P(howardite), P(eucrite) of eucrite fraction(s) ``fraction`` with 1-sigma ``sigma``."""
    f = np.asarray(fraction, float)[..., None]
    low, high = HED_EUCRITE_LIMITS
    p_d = norm.cdf((low - f) / sigma)
    p_e = norm.sf((high - f) / sigma)
    return np.concatenate([p_d, 1.0 - p_d - p_e, p_e], axis=-1)


def hed_type(band: dict, model: dict | None = None) -> dict:
    """The HED type of a V-type's band parameters: ``{"class", "probabilities", "eucrite_fraction"}``."""
    fitted = (model or shipped_model())["hed"]
    if band["band_i_centre_um"] > OLIVINE_DOMINATED_UM:
        return {"class": None, "probabilities": None, "eucrite_fraction": None,
                "note": f"Band I centre {band['band_i_centre_um']:.3f} um is past {OLIVINE_DOMINATED_UM} um: an "
                        "olivine's band, outside the HED pyroxenes"}
    f = float(eucrite_fraction(band["band_i_centre_um"], band["band_ii_centre_um"], fitted))
    return _answer(HED_CLASSES, hed_probabilities(f, fitted["sigma"]), eucrite_fraction=round(f, 3))


def analogue_of(top_class: str, band: dict | None, model: dict | None = None) -> dict | None:
    """The meteorite analogue of a spectrum classified ``top_class`` with band parameters ``band``: the
    ordinary-chondrite type for S / Q (Sq, Sr, ... too), the HED type for V, else None (also when the bands are
    not measured)."""
    if not band or "error" in band:
        return None
    if top_class.startswith(("S", "Q")):
        return {"scheme": "ordinary chondrite", **ordinary_chondrite_type(band, model)}
    if top_class.startswith("V"):
        return {"scheme": "HED", **hed_type(band, model)}
    return None


def analogue_line(analogue: dict | None) -> str:
    """One line for the text report: ``LL chondrite (71%; L 25%, H 4%)``."""
    if not analogue:
        return ""
    if analogue["class"] is None:
        return f"no HED analogue: {analogue['note']}"
    p = analogue["probabilities"]
    others = ", ".join(f"{c} {100 * v:.0f}%" for c, v in sorted(p.items(), key=lambda kv: -kv[1])[1:])
    top = analogue["class"] + (" chondrite" if analogue["scheme"] == "ordinary chondrite" else "")
    extra = (f"; eucrite fraction {analogue['eucrite_fraction']:.2f}" if analogue["scheme"] == "HED" else
             f"; Dunn Fa field {analogue['fa_field'] or 'none'}")
    return f"{top} ({100 * p[analogue['class']]:.0f}%; {others}{extra})"
