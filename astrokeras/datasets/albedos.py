"""AAED: the korda2023 asteroid spectra joined with their geometric albedos.

Albedos come from Mahlke et al. 2022 first (median of ``10**pV`` over every row of the asteroid in
``class_visnir.csv`` and ``class_vis.csv``), then from the Spitzer ExploreNEOs / NEOSurvey fits (median
``pv``). Numbered asteroids are joined by number; unnumbered ones by provisional designation (Mahlke's
``name``, Spitzer's ``desig``; ``2002_UN`` matches ``2002 UN``).

Example
-------
>>> from astrokeras.datasets import load_albedos
>>> data = load_albedos()                             # doctest: +SKIP
>>> len(data), data.meta["albedo_source"].value_counts().to_dict()     # doctest: +SKIP
(532, {'mahlke2022': 478, 'spitzerneos': 54})
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from astrokeras.datasets.fetching import fetch
from astrokeras.datasets.korda2023 import load_busdemeo
from astrokeras.datasets.spectral_data import SpectralData

log = logging.getLogger("astrokeras")


def _median_by_key(frame: pd.DataFrame, value: str, number: str, designation: str) -> dict:
    """``{key: median value}`` with numbers as keys ("433") and designations with ``_`` ("2002_UN")."""
    frame = frame.dropna(subset=[value])
    numbered = frame.dropna(subset=[number])
    by_number = numbered.groupby(numbered[number].astype(np.int64).astype(str))[value].median()
    by_designation = frame.groupby(frame[designation].astype(str).str.replace(" ", "_"))[value].median()
    return {**by_designation.to_dict(), **by_number.to_dict()}


def _catalogue_frames():
    """``(mahlke, neos, sources)``: every Mahlke+2022 row (``number, name, pV`` and ``albedo = 10**pV``) and every
    SpitzerNEOs fit (``desig, number, pv``), read once, and the files' sources."""
    columns = ["number", "name", "pV"]
    visnir = fetch("mahlke2022/class_visnir.csv")
    vis = fetch("mahlke2022/class_vis.csv")
    spitzer = fetch("spitzerneos/spitzerneos.csv")
    mahlke = pd.concat([pd.read_csv(visnir.path, usecols=columns), pd.read_csv(vis.path, usecols=columns)])
    mahlke["albedo"] = 10.0 ** mahlke["pV"]  # Mahlke's pV is log10 of the geometric albedo
    neos = pd.read_csv(spitzer.path, usecols=["desig", "number", "pv"])
    sources = {}
    for f in (visnir, vis, spitzer):
        sources[f.source] = sources.get(f.source, 0) + 1
    return mahlke, neos, sources


def albedo_catalogue() -> tuple[dict, dict, dict]:
    """The two albedo look-ups ``(mahlke, spitzer)`` keyed by number or designation, and the files' sources."""
    mahlke, neos, sources = _catalogue_frames()
    return (_median_by_key(mahlke, "albedo", "number", "name"),
            _median_by_key(neos, "pv", "number", "desig"), sources)


def catalogue_rows(keys) -> dict:
    """Every albedo row behind each asteroid's catalogue value (numbers as ``"25143"``, designations as
    ``"2002_UN"``): ``{key: {"mahlke2022": [...], "spitzerneos": [...]}}`` (linear pV, file order), to check a
    median that looks wrong."""
    mahlke, neos, _ = _catalogue_frames()
    mahlke, neos = mahlke.dropna(subset=["pV"]), neos.dropna(subset=["pv"])

    def match(frame, designation, key):
        number = pd.to_numeric(frame["number"], errors="coerce")
        return (number == float(key)) if key.isdigit() else (frame[designation].astype(str).str.replace(" ", "_") == key)

    return {key: {"mahlke2022": [round(float(v), 4) for v in mahlke.loc[match(mahlke, "name", key), "albedo"]],
                  "spitzerneos": [round(float(v), 4) for v in neos.loc[match(neos, "desig", key), "pv"]]}
            for key in keys}


def catalogue_scatter(keys) -> dict:
    """How well one catalogue albedo predicts another of the same asteroid: over the ``keys`` (numbers as ``"433"``,
    designations as ``"2002_UN"``) with two or more Mahlke+2022 rows, the first two rows' mean absolute difference
    (``mae``), their mean relative difference in percent (``mape``, each row taken once as the truth) and the
    scatter of one row in dex (``row_sigma_dex``: the std of their log10 ratio over sqrt 2). A predictor as good
    as a second measurement of the albedo would score about ``mae`` against the catalogue.

    >>> scatter = catalogue_scatter(["433", "1", "4"])   # doctest: +REQUIRES_DATA
    >>> scatter["asteroids"], scatter["mae"] > 0          # doctest: +REQUIRES_DATA
    (3, True)
    """
    mahlke, _, _ = _catalogue_frames()
    mahlke = mahlke.dropna(subset=["pV"])
    number = pd.to_numeric(mahlke["number"], errors="coerce")
    key = np.where(number.notna(), number.fillna(0).astype(np.int64).astype(str),
                   mahlke["name"].astype(str).str.replace(" ", "_"))
    wanted = set(map(str, keys))
    pairs = np.array([rows.to_numpy()[:2] for k, rows in mahlke.groupby(key, sort=False)["albedo"]
                      if k in wanted and len(rows) >= 2])
    if not len(pairs):
        return {"asteroids": 0, "mae": None, "mape": None, "row_sigma_dex": None}
    a, b = pairs[:, 0], pairs[:, 1]
    return {"asteroids": int(len(pairs)), "mae": round(float(np.mean(np.abs(a - b))), 4),
            "mape": round(float(50 * np.mean(np.abs(a - b) / a + np.abs(a - b) / b)), 1),
            "row_sigma_dex": round(float(np.std(np.log10(a / b)) / np.sqrt(2)), 3)}


def join_albedos(keys, mahlke: dict, spitzer: dict) -> tuple[np.ndarray, list]:
    """``(albedo, source)`` per catalogue key: Mahlke+2022 first, then SpitzerNEOs; NaN and None where neither has
    the asteroid (``mahlke`` and ``spitzer`` as :func:`albedo_catalogue` returns them).

    >>> join_albedos(["433", "1", "2002_UN"], {"433": 0.25}, {"433": 0.3, "1": 0.09})
    (array([0.25, 0.09,  nan]), ['mahlke2022', 'spitzerneos', None])
    """
    albedo = [mahlke.get(k, spitzer.get(k, np.nan)) for k in keys]
    source = ["mahlke2022" if k in mahlke else "spitzerneos" if k in spitzer else None for k in keys]
    return np.array(albedo, dtype=float), source


def load_albedos() -> SpectralData:
    """The korda2023 spectra that have a geometric albedo (532 of 591), with ``meta["albedo"]``.

    ``meta`` adds ``albedo`` (linear geometric albedo pV) and ``albedo_source`` (``mahlke2022`` or
    ``spitzerneos``) to the columns of :func:`~astrokeras.datasets.load_busdemeo`. The asteroids without an
    albedo are logged (logger ``astrokeras``, level INFO).
    """
    spectra = load_busdemeo()
    mahlke, spitzer, sources = albedo_catalogue()
    albedo, origin = join_albedos(spectra.meta["designation"], mahlke, spitzer)
    spectra.meta["albedo"] = albedo
    spectra.meta["albedo_source"] = origin
    has = spectra.meta["albedo"].notna().to_numpy()
    dropped = spectra.meta.loc[~has, "designation"].tolist()
    log.debug("AAED: %d of %d asteroids have an albedo; dropped (no albedo): %s", has.sum(), has.size, dropped)
    data = spectra.subset(has)
    data.name = "albedos"
    for source, count in sources.items():
        data.sources[source] = data.sources.get(source, 0) + count
    return data
