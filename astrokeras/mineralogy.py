"""The composition part of :func:`astrokeras.analyze`: modal mineralogy and mineral chemistry of one spectrum, each
with a calibrated 1-sigma, from the ``composition-net-mineralogy`` preset (an ensemble of CompositionNets, blended
with Korda-style CNNs where the spectrum covers the whole 0.45-2.45 um grid; run as TFLite), and the
spectrum's band parameters (Band I / II centres, the Band Area Ratio, the Gaffey S-subtype and the published
calibrations) where both bands are measured, and the meteorite analogue they point to (the H / L / LL chondrite of
an S- or Q-type, the howardite / eucrite / diogenite of a V-type; :mod:`astrokeras.physics.meteorite_analogue`).

Only spectra of the classes the preset names (``applies_to``: S, Q, A, V; olivine-pyroxene assemblages) get a
composition, and only when they cover the preset's ``requires_um`` (0.82-2.08 um, Hayabusa NIRS: the smallest
coverage the network was trained on) without gaps; a C- or X-type's spectrum gets a note saying why not.

Example
-------
>>> import numpy as np
>>> from astrokeras.mineralogy import composition_of
>>> from astrokeras.spectra import Spectrum
>>> w = np.linspace(0.45, 2.45, 300)
>>> r = 1 + 0.3 * (w - 0.55) - 0.15 * np.exp(-((w - 0.95) / 0.12) ** 2) - 0.05 * np.exp(-((w - 1.95) / 0.2) ** 2)
>>> found = composition_of(Spectrum(w, r), "S")
>>> sorted(found.modal), round(sum(found.modal.values()), 3), found.band_parameters["gaffey_subtypes"]
(['CPX', 'OL', 'OPX', 'PLG'], 1.0, ['S(IV)'])
>>> found.analogue["scheme"], sorted(found.analogue["probabilities"])
('ordinary chondrite', ['H', 'L', 'LL'])
>>> composition_of(Spectrum(w, r), "C").note.startswith("not estimated: class C")
True
"""

from __future__ import annotations

import dataclasses

import numpy as np

from astrokeras.physics.band_parameters import (
    band_parameters,
    dunn_fayalite,
    dunn_ferrosilite,
    dunn_olivine_fraction,
    gaffey_subtypes,
)
from astrokeras.physics.meteorite_analogue import analogue_of
from astrokeras.presets import grid_of, load_lite_preset, preset_cards
from astrokeras.spectra import Spectrum, SpectrumError
from astrokeras.spectra.coverage import describe, encode

PRESET = "composition-net-mineralogy"


@dataclasses.dataclass
class Composition:
    """What :func:`composition_of` found: ``modal`` (volume fractions summing to one) and ``chemistry`` (mole
    fractions, for minerals of >= 10 vol%), each with its 1-sigma; the band parameters (or why not); the meteorite
    analogue (or None); a note."""

    modal: dict | None = None
    modal_1sigma: dict | None = None
    chemistry: dict | None = None
    chemistry_1sigma: dict | None = None
    band_parameters: dict | None = None
    note: str = ""
    analogue: dict | None = None
    models: list = dataclasses.field(default_factory=list)


def _round(values, names) -> dict:
    return {k: round(float(v), 4) for k, v in zip(names, values)}


def band_summary(wavelength, reflectance) -> dict:
    """Band I / II centres (um), the BAR, the Gaffey S-subtypes and Dunn et al. 2010's ol/(ol+px), Fa and Fs of a
    spectrum, or ``{"error": why}`` when a band cannot be measured."""
    try:
        p = band_parameters(wavelength, reflectance)
    except SpectrumError as error:
        return {"error": str(error)}
    return summary_of(p)


def summary_of(p) -> dict:
    """:func:`band_summary`'s dict of measured :class:`~astrokeras.physics.band_parameters.BandParameters` (both
    bands)."""
    return {"band_i_centre_um": round(p.band_i_centre, 4), "band_ii_centre_um": round(p.band_ii_centre, 4),
            "bar": round(p.bar, 3), "gaffey_subtypes": gaffey_subtypes(p.band_i_centre, p.bar),
            "dunn_ol_px": round(float(dunn_olivine_fraction(p.bar)), 3),
            "dunn_fa_mol_pct": round(float(dunn_fayalite(p.band_i_centre)), 1),
            "dunn_fs_mol_pct": round(float(dunn_ferrosilite(p.band_i_centre)), 1),
            "band_ii_open": bool(p.band_ii_open)}


def blended(card: dict, mask, grid) -> bool:
    """Whether a CompositionBlend preset blends its CNNs in for a spectrum of coverage ``mask`` on ``grid``: the
    whole grid covered, or every band of its core window (``training.blend.core_um``) with no gap between the first
    and the last covered band, as its :class:`~astrokeras.models.composition_blend.CoreCovered` layer decides.

    >>> grid = np.round(np.arange(0.45, 2.451, 0.01), 2)
    >>> card = {"model": "CompositionBlend", "training": {"blend": {"core_um": [0.5, 2.4]}}}
    >>> blended(card, grid >= 0.47, grid), blended(card, grid >= 0.78, grid), blended({**card, "training": {}}, grid >= 0.47, grid)
    (True, False, False)
    """
    if card.get("model") != "CompositionBlend":
        return False
    mask = np.asarray(mask, bool)
    core = ((card.get("training") or {}).get("blend") or {}).get("core_um")
    if core is None or not mask.any():
        return bool(mask.all())
    covered = np.flatnonzero(mask)
    inside = (grid >= core[0] - 1e-6) & (grid <= core[1] + 1e-6)
    return bool(mask[inside].all() and mask[covered[0]:covered[-1] + 1].all())


def window_accuracy(card: dict, first: float, last: float) -> str:
    """The held-out accuracy of the card's ``window_metrics`` window nearest the covered range ``first``-``last`` um
    (the sum of the distances of the two ends), in words, with the whole grid's beside it; "" when the card has none.

    >>> card = {"window_metrics": {"0.45-2.45": {"modal_rmse_pp": 15.0, "Fa_rmse_mol_pct": 10.5},
    ...                            "0.78-2.45": {"modal_rmse_pp": 18.0, "Fa_rmse_mol_pct": 16.9}}}
    >>> window_accuracy(card, 0.78, 2.44)
    'held-out error on 0.78-2.45 um: modal RMSE 18.0 pp, Fa 16.9 mol% (whole grid 15.0 pp, 10.5 mol%; one network and one CNN of the recipe, not its ensembles)'
    >>> window_accuracy(card, 0.45, 2.45)[:60], window_accuracy({}, 0.45, 2.45)
    ('held-out error on 0.45-2.45 um: modal RMSE 15.0 pp, Fa 10.5 ', '')
    """
    found = card.get("window_metrics") or {}
    if not found:
        return ""

    def distance(name):
        start, stop = (float(v) for v in name.split("-"))
        return abs(start - first) + abs(stop - last)

    name = min(found, key=distance)
    near, whole = found[name], found.get("0.45-2.45")
    beside = f"whole grid {whole['modal_rmse_pp']:.1f} pp, {whole['Fa_rmse_mol_pct']:.1f} mol%; " \
        if whole is not None and whole is not near else ""
    return (f"held-out error on {name} um: modal RMSE {near['modal_rmse_pp']:.1f} pp, Fa {near['Fa_rmse_mol_pct']:.1f} "
            f"mol% ({beside}one network and one CNN of the recipe, not its ensembles)")


def _network_words(card: dict, blend: bool) -> str:
    """Which networks answered: a CompositionBlend blends its CNNs in only where :func:`blended` says so."""
    if blend:
        return "CompositionNet ensemble blended with Korda-style CNNs"
    return "CompositionNet ensemble" if card.get("model") in ("CompositionEnsemble", "CompositionBlend") \
        else "CompositionNet"


def _missing(mask, needed, grid) -> str:
    """``" (missing: 0.90-1.60 um)"``: the needed grid bands the spectrum does not cover, in words."""
    absent = needed & ~mask
    return f" (missing: {describe(absent, grid)})" if absent.any() else ""


def composition_of(spectrum: Spectrum, top_class: str, presets=None) -> Composition:
    """The composition of ``spectrum`` (a :class:`~astrokeras.spectra.spectrum.Spectrum` in um) classified ``top_class``
    (11-class), or a :class:`Composition` whose ``note`` says why there is none.

    The spectrum goes onto the preset's grid as :func:`astrokeras.spectra.coverage.encode` bins it (0.02 um bins,
    interpolated), with the coverage mask; the network removes the level itself, so no normalisation is needed.
    Chemistry is given only for minerals estimated at >= 10 vol% (the rule of the training labels)."""
    card = preset_cards(presets)[PRESET]
    grid = grid_of(card)
    start, stop = card["requires_um"]
    if top_class not in card["applies_to"]:
        return Composition(note=f"not estimated: class {top_class} is not an olivine-pyroxene assemblage (the "
                                f"composition network is meant for {'/'.join(card['applies_to'])}-types; its training "
                                "spectra are silicate minerals and meteorites)")
    values, mask = encode(spectrum.wavelength, spectrum.reflectance, grid)
    needed = (grid >= start - 1e-6) & (grid <= stop + 1e-6)
    if not mask[needed].all():
        return Composition(note=f"not estimated: the composition network needs {start:g}-{stop:g} um without gaps "
                                f"(the 1 and 2 um bands); of that range this spectrum covers "
                                f"{describe(mask & needed, grid)}" + _missing(mask, needed, grid))
    run, _ = load_lite_preset(PRESET, presets)
    reflectance = np.where(mask, np.exp(values), 0.0).astype("float32")
    out = run(spectrum=reflectance[None], mask=mask[None].astype("float32"))
    minerals, chemistry_names = card["minerals"], card["chemistry"]
    m, c = len(minerals), len(chemistry_names)
    modal, modal_sigma = out["modal"][0, :m], np.exp(out["modal"][0, m:])
    chemistry, chemistry_sigma = out["chemistry"][0, :c], np.exp(out["chemistry"][0, c:])
    least = card["chemistry_min_fraction"]  # the labels' own rule: chemistry where the mineral is >= 10 vol%
    present = {name: modal[minerals.index(card["chemistry_of"][name])] >= least for name in chemistry_names}
    kept = [k for k, name in enumerate(chemistry_names) if present[name]]
    full, blend = bool(mask.all()), blended(card, mask, grid)
    coverage = "the full 0.45-2.45 um" if full else (
        f"{grid[mask][0]:g}-{grid[mask][-1]:g} um (the CNNs read its uncovered ends filled with the nearest covered "
        "value)" if blend else
        f"{grid[mask][0]:g}-{grid[mask][-1]:g} um (the network was trained on the full range and on 0.82-2.08 um)")
    band = band_summary(grid[mask], np.exp(values[mask]))
    return Composition(
        modal=_round(modal, minerals), modal_1sigma=_round(modal_sigma, minerals),
        chemistry=_round(chemistry[kept], [chemistry_names[k] for k in kept]) or None,
        chemistry_1sigma=_round(chemistry_sigma[kept], [chemistry_names[k] for k in kept]) or None,
        band_parameters=band, analogue=analogue_of(top_class, band),
        note=f"{_network_words(card, blend)} ({PRESET}) on {coverage}; modal volume fractions and mole fractions "
             f"with calibrated 1-sigma; chemistry shown for minerals of >= {100 * least:.0f} vol%"
             + (f"; {accuracy}" if (accuracy := window_accuracy(card, grid[mask][0], grid[mask][-1])) else ""),
        models=[PRESET])
