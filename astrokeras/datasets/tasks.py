"""The labelled data sets the networks learn from, as arrays: what each recipe and each paper table reads.

Each function returns plain arrays built from the registered real data (see :mod:`astrokeras.datasets`):

* :func:`smass2_4class` -- ASTD: SMASS II, 4 classes (paper Table 1), 49 bands 0.44-0.92 um;
* :func:`visnir_11class` -- VisNIR: korda2023, 11 classes (paper Table 6), 201 bands 0.45-2.45 um;
* :func:`aaed` -- AAED: korda2023 spectra with a geometric albedo and an 11-class label;
* :func:`aaed_visible` -- AAED-visible: SMASS II spectra with a geometric albedo and a 4-class label;
* :func:`relab_olivine_pyroxene` -- RELAB samples with OL/OPX/CPX modal abundances and no plagioclase;
* :func:`acad_endmembers`, :func:`acad_mixtures` -- ACAD: simulated mixtures of the mean pure RELAB spectra.

Example
-------
>>> from astrokeras.datasets.tasks import smass2_4class
>>> X, y, designations = smass2_4class()          # doctest: +REQUIRES_DATA
>>> X.shape, int(y.max()) + 1                      # doctest: +REQUIRES_DATA
((1334, 49), 4)
"""

from __future__ import annotations

import logging
import re

import numpy as np

from astrokeras import spectra
from astrokeras.datasets.albedos import albedo_catalogue, join_albedos, load_albedos
from astrokeras.datasets.korda2023 import endmembers, load_busdemeo, load_minerals
from astrokeras.datasets.smass2 import load_smass2
from astrokeras.physics.mixtures import normalise_index, simulate_mixtures
from astrokeras.schemes.taxonomy import BUS, FOUR_CLASS, VISNIR_11, four_class_of_busdemeo

VISIBLE_GRID = spectra.paper_grid(0.44, 0.92)
VISNIR_GRID = spectra.paper_grid(0.45, 2.45)
ACAD_MIXTURES = 2500
PLG_FREE = 0.01  # RELAB samples with less than 1 vol% plagioclase count as OL/OPX/CPX-only

log = logging.getLogger("astrokeras")


def smass2_4class():
    """``(X, y, designations)``: the 1334 SMASS II spectra with a 4-class label, 49 bands (the survey's spline
    fits, normalised at 0.55 um)."""
    data = load_smass2()
    y, keep = FOUR_CLASS.encode(data.meta["bus_class"])
    return data.reflectance[keep].astype("float32"), y, data.meta["designation"][keep].to_numpy()


def visnir_11class():
    """``(X, y, designations)``: the 586 korda2023 spectra with an 11-class label, on the paper's 0.01 um grid
    (201 bands 0.45-2.45 um, normalised at 0.55 um)."""
    data = load_busdemeo()
    y, keep = VISNIR_11.encode(data.meta["bus_demeo"])
    fine = data.on_grid(VISNIR_GRID)
    return fine.reflectance[keep].astype("float32"), y, data.meta["designation"][keep].to_numpy()


def aaed():
    """``(X, albedo, class_index, designations)``: the AAED asteroids with an 11-class label (528), 201 bands."""
    data = load_albedos()
    data = data.subset(data.meta["class_11"].notna().to_numpy()).on_grid(VISNIR_GRID)
    classes, _ = VISNIR_11.encode(data.meta["bus_demeo"])
    return (data.reflectance.astype("float32"), data.meta["albedo"].to_numpy(float), classes,
            data.meta["designation"].to_numpy(str))


def _catalogue_key(designation: str) -> str:
    """The albedo catalogues' key of a SMASS II designation: numbers unchanged, provisional designations with
    an underscore after the year (SMASS II writes ``1997CZ5``, the catalogues ``1997 CZ5`` -> ``1997_CZ5``).

    >>> _catalogue_key("433"), _catalogue_key("1997CZ5"), _catalogue_key("1998WS")
    ('433', '1997_CZ5', '1998_WS')
    """
    match = re.fullmatch(r"(\d{4})([A-Z]{2}\d*)", designation)
    return f"{match[1]}_{match[2]}" if match else designation


def aaed_visible():
    """``(X, albedo, class_index, designations)``: AAED-visible, the SMASS II asteroids with a geometric albedo and
    a 4-class label (1291), on SMASS II's own grid (49 bands 0.44-0.92 um, the survey's spline fits normalised at
    0.55 um, as :func:`smass2_4class`).

    Built as :func:`aaed`: albedos from Mahlke et al. 2022 first (median of ``10**pV`` over every row of the
    asteroid in ``class_visnir.csv`` and ``class_vis.csv``; only their ``number``, ``name`` and ``pV`` columns are
    read, never the reflectances), then from SpitzerNEOs (median ``pv``), through
    :func:`~astrokeras.datasets.albedos.albedo_catalogue`. Numbered asteroids join by number, the others by
    provisional designation (:func:`_catalogue_key`). ``class_index`` is in :data:`~astrokeras.schemes.taxonomy.FOUR_CLASS`
    order (S, C, X, Other) from SMASS II's Bus class (taxonomy10.tab); SMASS II has no 11-class label.

    The join, measured on the real data:

    * SMASS II: 1341 spectra, one per asteroid (1333 numbered, 8 provisional designations);
    * Mahlke+2022: 1297 have an albedo, 1294 by number and 3 by provisional designation (1997 CZ5, 1997 RD1,
      1998 WS, all numbered since);
    * SpitzerNEOs adds none: none of the other 44 is in it (SMASS II is a main-belt survey);
    * dropped, 44 without an albedo (39 numbered, 5 provisional);
    * dropped, 6 with an albedo but no 4-class label: 4 R-types and 1 O-type (the 4 classes leave them out, as
      in :func:`smass2_4class`) and 1997 RD1, which has no Bus class;
    * kept: 1291 asteroids, S 520, C 393, X 234, Other 144.

    The dropped asteroids are logged (logger ``astrokeras``, level DEBUG).
    """
    data = load_smass2()
    mahlke, spitzer, _ = albedo_catalogue()
    keys = [_catalogue_key(d) for d in data.meta["designation"]]
    albedo, source = join_albedos(keys, mahlke, spitzer)
    source = np.array(source, dtype=object)
    classes, labelled = FOUR_CLASS.encode(data.meta["bus_class"])
    has = np.isfinite(albedo)
    keep = has & labelled
    names = data.meta["designation"].to_numpy(str)
    by_source = {str(k): int(v) for k, v in zip(*np.unique(source[has], return_counts=True))}
    log.debug("AAED-visible: %d of %d SMASS II asteroids have an albedo (%s); dropped, no albedo: %s; dropped, no "
              "4-class label: %s", has.sum(), has.size, by_source, names[~has].tolist(),
              names[has & ~labelled].tolist())
    return (data.reflectance[keep].astype("float32"), albedo[keep], classes[has[labelled]], names[keep])


def smass2_bus_classes(designations):
    """The Bus (1999) class of SMASS II asteroids ``designations`` (as :func:`aaed_visible` names them), as integer
    labels in :data:`~astrokeras.schemes.taxonomy.BUS` order: the visible albedo network's class information (23 of the
    24 classes occur in AAED-visible, no Q). A designation without a kept Bus class is an error.

    >>> from astrokeras.schemes.taxonomy import BUS
    >>> [BUS.classes[k] for k in smass2_bus_classes(["1", "4", "25"])]    # doctest: +REQUIRES_DATA
    ['C', 'V', 'S']
    """
    names = np.asarray(designations, dtype=str)
    bus = load_smass2().meta.drop_duplicates("designation").set_index("designation")["bus_class"]
    missing = sorted(set(names.tolist()) - set(bus.index))
    if missing:
        raise KeyError(f"not SMASS II designations: {missing[:5]}")
    labels, kept = BUS.encode(bus.loc[names])
    if not kept.all():
        raise ValueError(f"SMASS II asteroids without one of the 24 Bus classes (O, R or none): {names[~kept][:5].tolist()}")
    return labels


def relab_olivine_pyroxene(grid=VISNIR_GRID):
    """``(X, abundances, sample_ids)``: RELAB spectra whose silicates are OL/OPX/CPX only (PLG < 1 vol%),
    normalised at 0.55 um, on ``grid``, with OL/OPX/CPX renormalised to sum to one (483 spectra)."""
    data = load_minerals(normalised=True)
    labels = data.meta[["OL", "OPX", "CPX"]]
    keep = (data.meta["PLG"] < PLG_FREE).to_numpy() & labels.notna().all(axis=1).to_numpy()
    fine = data.subset(keep).on_grid(grid)
    A = labels[keep].to_numpy(float)
    X = fine.reflectance / fine.reflectance[:, normalise_index(grid)][:, None]
    return X, A / A.sum(axis=1, keepdims=True), fine.meta["SampleID"].to_numpy()


def acad_endmembers(grid=VISNIR_GRID):
    """``(names, E)``: the mean pure (>= 0.99) OL / OPX / CPX RELAB spectra on ``grid`` (um), not normalised."""
    em = endmembers()
    return em.names, spectra.resample(em.wavelength, em.mean, grid)


def acad_mixtures(E, grid, seed: int, snr=None):
    """``(X, abundances)``: :data:`ACAD_MIXTURES` Dirichlet mixtures of the rows of ``E`` on ``grid``, normalised
    at the band nearest 0.55 um (paper: Simulated1 is seed 1, Simulated2 seed 2), with noise at ``snr``."""
    mix = simulate_mixtures(E, grid, ACAD_MIXTURES, seed=seed, snr=snr, normalise_at=None)
    return mix.spectra / mix.spectra[:, normalise_index(grid)][:, None], mix.abundances


def albedo_prior_4class() -> dict:
    """Per 4-class mean and spread of log10 albedo over the AAED asteroids (the visible classifier's albedo rule):
    ``{"albedo_log10_mean": [4], "albedo_log10_std": [4], "albedo_prior_from": text}``."""
    data = load_albedos()
    four, kept = four_class_of_busdemeo(data.meta["bus_demeo"])
    log10 = np.log10(data.meta["albedo"].to_numpy(float)[kept])
    return {"albedo_log10_mean": [round(float(log10[four == k].mean()), 4) for k in range(4)],
            "albedo_log10_std": [round(float(log10[four == k].std()), 4) for k in range(4)],
            "albedo_prior_from": f"AAED, {int(kept.sum())} asteroids with a 4-class label"}
