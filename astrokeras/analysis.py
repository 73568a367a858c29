"""One spectrum -> taxonomic class -> geometric albedo -> mineral composition, with the pretrained presets.

Any coverage is read (visible only, near-infrared only, VIS-NIR, Gaia's bands, gaps): the spectrum goes onto the
coverage-aware classifier's grid (:mod:`astrokeras.spectra.coverage`) and CoverageNet (``coverage-net-taxonomy``) gives
calibrated probabilities of the 11 Bus-DeMeo classes and of S / C / X / Other. What a coverage cannot separate
shows in the probabilities (C against X without the visible slope). The headline scheme is the 11 classes when
the spectrum reaches the near-infrared (past 1.5 um), else S / C / X / Other. A spectrum whose features lie far
from every training class, or whose shape no asteroid spectrum takes (out of distribution: a sine wave, noise, a
laboratory spectrum), gets a warning (:mod:`astrokeras.evaluation.ood`).

* Where a spectrum covers a span of the coverage table without gaps (0.45-2.45, 0.85-2.45, 0.44-0.92 or
  0.50-0.90 um), the probabilities get that coverage's temperature, and on 0.85-2.45 um CoverageNet's 11-class
  probabilities are first combined with a linear model of that span (:mod:`astrokeras.schemes.coverage_experts`),
  as cross-validation on the coverage table's folds chose (``reproduce --table coverage-levers``).
* The schemes papers cite: Bus-DeMeo (VIS-NIR or near-infrared) and Bus (visible) probabilities, each the 11-class
  probability of the parent times a child model's (:mod:`astrokeras.schemes.fine_classes`), so every scheme sums
  back to the coarser ones; for VIS-NIR also DeMeo et al. 2009's own procedure (:mod:`astrokeras.schemes.demeo_pca`).
* Albedo: AAE-Net (``aae-net-albedo``) when the spectrum covers 0.45-2.45 um, fed the 11-class probabilities;
  else AAE-Net on the visible (``aae-net-albedo-visible``) when it covers 0.44-0.92 um, fed the probabilities of
  the 24 Bus classes from the linear class model its card carries (:mod:`astrokeras.schemes.class_model`; the Bus classes
  split "Other" and X by albedo); otherwise the probability-weighted mean of the class albedos (AAED, with its
  spread).
* Composition: for S, Q, A and V-types covering at least 0.82-2.08 um without gaps, CompositionNet
  (``composition-net-mineralogy``): modal OL / OPX / CPX / PLG and Fa, Fs, Wo, each with a calibrated 1-sigma, plus
  the band parameters (Band I / II centres, BAR, Gaffey S-subtype) where both bands are measured
  (:mod:`astrokeras.mineralogy`), and the meteorite analogue: the H / L / LL chondrite of an S- or Q-type, the
  howardite / eucrite / diogenite of a V-type, with probabilities (:mod:`astrokeras.physics.meteorite_analogue`).
  AE-trans (blind unmixing with fixed end-members) is no longer used here.

The presets run as float32 TFLite files through ``ai_edge_litert`` (no TensorFlow import, a fast cold start).
The result says which preset answered each part, the coverage used, and every step done to the data.

Example
-------
>>> import numpy as np
>>> from astrokeras import analyze
>>> w = np.linspace(0.45, 0.95, 60); r = 1.0 + 0.25 * (w - 0.55) - 0.1 * np.exp(-((w - 0.93) / 0.08) ** 2)
>>> result = analyze(w, r, name="toy")
>>> result.classifier, result.scheme, result.coverage_used
('coverage-net-taxonomy', '4-class', '0.46-0.94 um')
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from astrokeras.evaluation.ood import ood_scores, shape_residuals
from astrokeras.evaluation.sigma_bounds import bounded_log_sigma
from astrokeras.io.spectrum_files import read_spectrum
from astrokeras.mineralogy import PRESET as COMPOSITION
from astrokeras.mineralogy import Composition, composition_of
from astrokeras.physics.meteorite_analogue import analogue_line
from astrokeras.presets import grid_of, load_lite_preset, preset_cards
from astrokeras.schemes.class_model import class_probabilities_of
from astrokeras.schemes.coverage_experts import (
    SELECTED,
    load_experts,
    tempered,
    with_expert,
    with_row_temperature,
)
from astrokeras.schemes.demeo_pca import demeo_classify
from astrokeras.schemes.fine_classes import (
    fine_classes_of,
    folded_note,
    load_fine_models,
    weathered_label,
)
from astrokeras.spectra import Spectrum, SpectrumError
from astrokeras.spectra.artefacts import FACTOR, FLAT_TO, constant, dropouts
from astrokeras.spectra.coverage import MAX_GAP_UM, covered, describe, encode

CLASSIFIER = "coverage-net-taxonomy"
ALBEDO = "aae-net-albedo"
ALBEDO_VISIBLE = "aae-net-albedo-visible"
NEAR_INFRARED_UM = 1.5
MAX_ALBEDO = 1.5  # no asteroid's geometric albedo is above about 1 (Enceladus, an icy moon: 1.4)
MIN_SPAN_UM = 0.25  # the shortest window CoverageNet trained on (spectra.coverage_augmentation)


@dataclasses.dataclass
class Analysis:
    """What :func:`analyze` found; ``to_dict()`` for JSON (no NaN or infinity in it)."""

    name: str
    coverage_um: tuple
    coverage_used: str
    classifier: str
    scheme: str
    classes: list
    probabilities: list
    top_class: str
    classes_11: list
    probabilities_11: list
    classes_4: list
    probabilities_4: list
    out_of_distribution: bool
    ood_score: float
    shape_residual: float
    albedo: float | None
    albedo_1sigma: tuple | None
    albedo_method: str
    composition: dict | None
    composition_note: str
    models: list
    notes: list
    warnings: list
    composition_1sigma: dict | None = None
    chemistry: dict | None = None
    chemistry_1sigma: dict | None = None
    band_parameters: dict | None = None
    meteorite_analogue: dict | None = None
    classes_busdemeo: list | None = None
    probabilities_busdemeo: list | None = None
    top_class_busdemeo: str | None = None
    classes_bus: list | None = None
    probabilities_bus: list | None = None
    top_class_bus: str | None = None
    class_demeo2009: str | None = None
    spectrum: Spectrum = dataclasses.field(repr=False, default=None)

    @property
    def top2(self):
        order = np.argsort(self.probabilities)[::-1][:2]
        return [(self.classes[i], self.probabilities[i]) for i in order]

    def to_dict(self) -> dict:
        out = {k: v for k, v in dataclasses.asdict(self).items() if k != "spectrum"}
        out["coverage_um"] = list(self.coverage_um)
        out["albedo_1sigma"] = None if self.albedo_1sigma is None else list(self.albedo_1sigma)
        return out


def _finite(value, digits: int = 4):
    return round(float(value), digits) if value is not None and math.isfinite(value) else None


def _check(spectrum: Spectrum) -> None:
    if spectrum.reflectance.ndim != 1:
        raise SpectrumError(f"analyze takes one spectrum, got reflectance of shape {spectrum.reflectance.shape}: "
                            "call it once per spectrum")
    if np.any(spectrum.reflectance == 0):
        zero = spectrum.wavelength[spectrum.reflectance == 0]
        raise SpectrumError(f"reflectance is zero at {zero.size} point(s) (first at {zero[0]:g} um): a zero is a "
                            "missing value, not a reflectance; drop those rows")
    span = spectrum.wavelength[-1] - spectrum.wavelength[0]
    if spectrum.wavelength[-1] < 0.3 or spectrum.wavelength[0] > 5.0:  # nothing near any grid: the unit, surely
        raise SpectrumError(f"{spectrum.name or 'the spectrum'} lies at {spectrum.wavelength[0]:.4g}-"
                            f"{spectrum.wavelength[-1]:.4g} um, outside every model's grid (0.40-2.50 um): check the "
                            "wavelength unit (--unit um|nm|angstrom, or a unit in the column name)")
    if span < MIN_SPAN_UM - 1e-6:  # a 0.5-0.75 um file spans 0.24999999999999994 um in floating point
        raise SpectrumError(f"{spectrum.name or 'the spectrum'} covers only {spectrum.wavelength[0]:g}-"
                            f"{spectrum.wavelength[-1]:g} um ({span:.2f} um): a class needs at least {MIN_SPAN_UM} um "
                            "of spectrum, the shortest window it was trained on (a visible spectrum of 0.3 um or more, "
                            "or the near-infrared bands)")


def _outside_share(spectrum: Spectrum, grid) -> list:
    """A note when part of the file lies outside the classifier's grid (that part is not used by any model)."""
    w = spectrum.wavelength
    span = w[-1] - w[0]
    parts = [(w[0], min(w[-1], grid[0])) if w[0] < grid[0] - 0.01 else None,
             (max(w[0], grid[-1]), w[-1]) if w[-1] > grid[-1] + 0.01 else None]
    parts = [p for p in parts if p is not None]
    if not parts or span <= 0:
        return []
    share = sum(b - a for a, b in parts) / span
    return [f"{100 * share:.0f}% of the file's range ({' and '.join(f'{a:.2f}-{b:.2f}' for a, b in parts)} um) lies "
            f"outside the models' {grid[0]:.2f}-{grid[-1]:.2f} um grid and is not used"]


def _classify(spectrum: Spectrum, presets):
    run, card = load_lite_preset(CLASSIFIER, presets)
    values, mask = encode(spectrum.wavelength, spectrum.reflectance, grid_of(card))
    grid = np.asarray(card["grid_um"])
    if mask.sum() < 3:
        raise SpectrumError(f"{spectrum.name or 'the spectrum'} covers {spectrum.wavelength[0]:g}-"
                            f"{spectrum.wavelength[-1]:g} um, outside the classifier's "
                            f"{grid[0]:g}-{grid[-1]:g} um")
    used = grid[mask]
    if used[-1] - used[0] < MIN_SPAN_UM - 1e-6:
        raise SpectrumError(f"{spectrum.name or 'the spectrum'} covers {spectrum.wavelength[0]:g}-"
                            f"{spectrum.wavelength[-1]:g} um, but covers only {describe(mask, grid)} of the "
                            f"classifier's {grid[0]:g}-{grid[-1]:g} um grid (a stretch of more than {MAX_GAP_UM:g} um "
                            f"without a point is a gap): a class needs at least {MIN_SPAN_UM} um there, the shortest "
                            "window it was trained on")
    out = run(spectrum=values[None], mask=mask[None].astype("float32"))
    P11 = tempered(out["probabilities"][0], card["temperature"])
    P11, expert = with_expert(load_experts(), spectrum.wavelength, spectrum.reflectance, P11)
    P11, row, temperature = with_row_temperature(load_experts(), spectrum.wavelength, P11, card["groups"])
    P4 = P11 @ np.eye(len(card["group_classes"]))[card["groups"]]
    score = float(ood_scores(out["features"], card["ood"])[0])
    shape = float(shape_residuals(values[None], mask[None], card["shape"])[0]) if "shape" in card else 0.0
    return card, mask, P11, P4, score, shape, _coverage_notes(expert, row, temperature)


def _albedo(spectrum, P11, P4, card, presets, cards):
    """AAE-Net on VIS-NIR (11-class probabilities), else AAE-Net on the visible (the Bus-class probabilities of the
    class model its card carries), else the class-mean rule; ``(mean log10, sigma dex, method, models)``."""
    # An albedo card reads the 11 classes or the 4 groups; a merged {name: p} would give "C" the C group's
    # probability (C + B) where the 11-class C is meant, so the scheme is matched by the whole class list.
    by_scheme = {tuple(card["classes"]): P11, tuple(card["group_classes"]): P4}
    for name in (ALBEDO, ALBEDO_VISIBLE):
        albedo_card = cards.get(name)
        if albedo_card is None or not spectrum.covers(grid_of(albedo_card)) or not covered(
                spectrum.wavelength, grid_of(albedo_card)).all():  # its whole range, without a gap
            continue
        regress, _ = load_lite_preset(name, presets)
        X = spectrum.resample(grid_of(albedo_card)).normalise(albedo_card.get("normalise_at_um", 0.55)).reflectance
        if "class_model" in albedo_card:  # finer classes than the classifier's: the card's own linear class model
            P = class_probabilities_of(albedo_card["class_model"], X[None])[0].astype("float32")
            top = int(np.argmax(P))
            scheme = (f"{albedo_card['class_model']['scheme']}-class probabilities of its own class model (top: "
                      f"{albedo_card['classes'][top]}, {100 * P[top]:.0f}%)")
        else:
            if tuple(albedo_card["classes"]) not in by_scheme:
                continue
            P = np.asarray(by_scheme[tuple(albedo_card["classes"])], dtype="float32")
            scheme = f"{len(P)}-class probabilities" if len(P) > 4 else "S / C / X / Other probabilities"
        out = regress(spectrum=X[None], class_probabilities=P[None])["albedo"][0]
        mean = out[0] + P @ np.asarray(albedo_card["class_prior_log10"])
        sigma = float(np.exp(bounded_log_sigma(out[1])))
        return mean, sigma, f"AAE-Net ({name}), fed the {scheme}", [name]
    means, spreads = np.asarray(card["albedo_log10_mean"]), np.asarray(card["albedo_log10_std"])
    mean = P4 @ means
    sigma = float(np.sqrt(max(P4 @ (spreads ** 2 + means ** 2) - mean ** 2, 0.0)))
    return mean, sigma, (f"class-mean rule ({card['albedo_prior_from']}), weighted by the S / C / X / Other "
                         "probabilities: AAE-Net reads 0.45-2.45 um (VIS-NIR) or 0.44-0.92 um (visible), without "
                         "gaps"), []


def analyze(wavelength, reflectance, error=None, *, unit: str = "auto", name: str = "", presets=None) -> Analysis:
    """Class probabilities, albedo (with a 1-sigma range) and, for S/Q/A/V spectra covering 0.82-2.08 um, the
    modal and chemical composition with 1-sigma and the band parameters.

    ``wavelength`` in um, nm or Angstrom (``unit``), ``reflectance`` any scale; or a
    :class:`~astrokeras.spectra.spectrum.Spectrum` as ``reflectance``. ``presets``: a folder of presets other than the
    shipped ones. Raises :class:`~astrokeras.spectra.spectrum.SpectrumError` for unusable input (NaN, negative or zero,
    unsorted, 2-D, a range too short or outside 0.40-2.50 um).
    """
    spectrum = reflectance if isinstance(reflectance, Spectrum) else Spectrum(
        wavelength, reflectance, error, unit=unit, name=name)
    _check(spectrum)
    spectrum, glitches = _without_glitches(spectrum)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):  # a value that overflows is
        return _analyze(spectrum, presets, glitches)                                      # checked and not reported


MAX_GLITCH_SHARE = 0.1


def _without_glitches(spectrum: Spectrum):
    """The spectrum without its dropouts and spikes (a note says which were dropped), as a spectroscopist would
    treat a few bad points; ``glitches`` is non-empty only when too many points are bad to drop them (>10%)."""
    glitches = dropouts(spectrum.wavelength, spectrum.reflectance)
    if not glitches:
        return spectrum, []
    w = spectrum.wavelength
    bad = np.zeros(w.size, dtype=bool)
    for start, stop, _, _ in glitches:
        bad |= (w >= start - 1e-9) & (w <= stop + 1e-9)
    if bad.mean() > MAX_GLITCH_SHARE or (~bad).sum() < 3:
        return spectrum, glitches
    note = "dropped " + "; ".join(
        f"{count} point(s) at {start:g}-{stop:g} um {'below' if kind == 'dropout' else 'above'} their neighbours by "
        f"more than a factor {FACTOR:g} (a {kind}, not a band)" for start, stop, count, kind in glitches)
    error = None if spectrum.error is None else spectrum.error[~bad]
    return Spectrum(w[~bad], spectrum.reflectance[~bad], error, name=spectrum.name,
                    notes=list(spectrum.notes) + [note]), []


def _coverage_notes(expert, row, temperature) -> list:
    """Which expert joined CoverageNet and which coverage's temperature applied, with the folds' evidence."""
    notes = []
    if expert:
        scores = load_experts()["rows"][expert].get("fold_accuracy_pct", {})
        notes.append(f"11-class probabilities: CoverageNet x the {expert} linear model (geometric mean), chosen on "
                     f"the coverage table's folds (accuracy {scores.get(SELECTED, '?')}%"
                     f" against CoverageNet's {scores.get('CoverageNet', '?')}%; reproduce --table coverage-levers)")
    if row:
        level = "11 classes" if load_experts()["rows"][row].get("classes", 11) == 11 else "S / C / X / Other"
        notes.append(f"probabilities tempered for the {row} um coverage (temperature {temperature:g} on the {level}, "
                     "fitted on the coverage table's held-out answers of that coverage)")
    return notes


def _fine_schemes(spectrum: Spectrum, P11, classes11) -> tuple[dict, list]:
    """The Bus-DeMeo and Bus answers (the fields of :class:`Analysis`) and their notes: each scheme's
    probabilities sum to the 11-class ones over every parent (:mod:`astrokeras.schemes.fine_classes`)."""
    models, fields, notes = load_fine_models(), {}, []
    top11 = classes11[int(np.argmax(P11))]
    for scheme, key in (("Bus-DeMeo", "busdemeo"), ("Bus", "bus")):
        fine, why = fine_classes_of(models, scheme, spectrum.wavelength, spectrum.reflectance, P11, classes11)
        if fine is None:
            notes.append(f"no {scheme} class: {why}")
            continue
        top, _ = fine.top
        flag = ""
        if scheme == "Bus-DeMeo" and fine.family == "VIS-NIR":
            procedure = demeo_classify(spectrum.wavelength, spectrum.reflectance)
            top = weathered_label(top, procedure.slope)
            flag = f", DeMeo slope {procedure.slope:.2f}/um" + (" (w: >= 0.25)" if top.endswith("w") else "")
            fields["class_demeo2009"] = procedure.label or "indeterminate"
        fields |= {f"classes_{key}": list(fine.classes), f"top_class_{key}": top,
                   f"probabilities_{key}": [round(p, 4) for p in fine.probabilities]}
        notes.append(f"{scheme} from the {fine.family} child models ({models[scheme]['training_data']}) times the "
                     f"11-class probabilities{flag}")
        if folded_note(models[scheme], top11):
            notes.append(folded_note(models[scheme], top11))
    return fields, notes


def _analyze(spectrum: Spectrum, presets, glitches) -> Analysis:
    cards = preset_cards(presets)
    card, mask, P11, P4, score, shape, coverage_notes = _classify(spectrum, presets)
    nir = covered(spectrum.wavelength)[np.asarray(card["grid_um"]) > NEAR_INFRARED_UM].any()
    classes, P = (card["classes"], P11) if nir else (card["group_classes"], P4)
    top11 = card["classes"][int(np.argmax(P11))]
    unlike_classes = score > card["ood"]["threshold"]
    unlike_asteroids = "shape" in card and shape > card["shape"]["threshold"]
    ood = unlike_classes or unlike_asteroids
    warnings = []
    if glitches:  # too many bad points to drop them
        ood = True
        warnings.append("out of distribution: " + "; ".join(
            f"{count} point(s) at {start:g}-{stop:g} um {'below' if kind == 'dropout' else 'above'} their neighbours "
            f"by more than a factor {FACTOR:g} (a {kind}, not a band)" for start, stop, count, kind in glitches)
            + f": more than {100 * MAX_GLITCH_SHARE:g}% of the points; fix the file. The albedo is not reported and "
              "the composition withheld")
    if constant(spectrum.reflectance):
        ood = True
        warnings.append(f"out of distribution: the reflectance is constant to {100 * FLAT_TO:g}% over the whole "
                        "spectrum; no measured spectrum is (even a C-type's varies by a few percent): a placeholder "
                        "or a processing error?")
    if unlike_classes:
        warnings.append(f"out of distribution: this spectrum is unlike every training class (score {score:.0f}, "
                        f"threshold {card['ood']['threshold']:.0f}); treat the class, albedo and composition as "
                        "unreliable")
    if unlike_asteroids:
        warnings.append(f"out of distribution: no asteroid spectrum has this shape (residual {shape:.3f} in log "
                        f"reflectance after the fit by the training spectra's principal components, threshold "
                        f"{card['shape']['threshold']:.3f}); treat the class, albedo and composition as unreliable")
    mean, sigma, method, albedo_models = _albedo(spectrum, P11, P4, card, presets, cards)
    found = composition_of(spectrum, top11, presets) if COMPOSITION in cards else Composition(
        note=f"not estimated: the preset {COMPOSITION!r} is missing from the presets folder")
    albedo, low, high = _finite(10 ** mean), _finite(10 ** (mean - sigma)), _finite(10 ** (mean + sigma))
    if ood and found.modal is not None:
        found = Composition(note="withheld: the spectrum is out of distribution (see the warnings), so a composition "
                                 "from it would not be trustworthy", band_parameters=found.band_parameters)
    if glitches:
        albedo = None
    elif albedo is None or albedo > MAX_ALBEDO:
        warnings.append(f"the albedo came out {'non-finite' if albedo is None else f'at {albedo:.3g}'}, outside any "
                        f"asteroid's (0-{MAX_ALBEDO:g}); it is not reported")
        albedo = None
    outside = _outside_share(spectrum, np.asarray(card["grid_um"]))
    fine, fine_notes = _fine_schemes(spectrum, P11, list(card["classes"]))
    fine_notes = coverage_notes + fine_notes
    notes = list(spectrum.notes) + [f"classified on {describe(mask, card['grid_um'])} of the classifier's grid, "
                                    f"normalised by the {card['normalisation']}"] + fine_notes + outside
    return Analysis(
        name=spectrum.name, coverage_um=(float(spectrum.wavelength[0]), float(spectrum.wavelength[-1])),
        coverage_used=describe(mask, card["grid_um"]), classifier=CLASSIFIER,
        scheme=card["scheme"] if nir else "4-class", classes=list(classes),
        probabilities=[round(float(p), 4) for p in P], top_class=classes[int(np.argmax(P))],
        classes_11=list(card["classes"]), probabilities_11=[round(float(p), 4) for p in P11],
        classes_4=list(card["group_classes"]), probabilities_4=[round(float(p), 4) for p in P4],
        out_of_distribution=bool(ood), ood_score=round(score, 2), shape_residual=round(shape, 4), albedo=albedo,
        albedo_1sigma=None if albedo is None else (low, high), albedo_method=method, composition=found.modal,
        composition_note=found.note, models=[CLASSIFIER, *albedo_models, *found.models], notes=notes,
        warnings=warnings, composition_1sigma=found.modal_1sigma, chemistry=found.chemistry,
        chemistry_1sigma=found.chemistry_1sigma, band_parameters=found.band_parameters,
        meteorite_analogue=found.analogue, spectrum=spectrum, **fine)


def analyze_file(path, unit: str = "auto", presets=None) -> Analysis:
    """:func:`analyze` of the spectrum in ``path`` (see :func:`astrokeras.io.spectrum_files.read_spectrum`); every
    error names the file."""
    spectrum = read_spectrum(path, unit)
    try:
        return analyze(None, spectrum, presets=presets)
    except SpectrumError as error:
        message = str(error)
        if message.startswith(f"{spectrum.name} "):
            message = message[len(spectrum.name) + 1:]
        raise SpectrumError(f"{path}: {message}") from None


def albedo_spread(result: Analysis) -> str:
    """``"1-sigma 0.180-0.290"``, or a plain warning when the range spans more than a factor of 10 each way."""
    if result.albedo_1sigma is None:
        return "no range"
    low, high = result.albedo_1sigma
    if high < 100 * low:
        return f"1-sigma {low:.3f}-{high:.3f}"
    return "very uncertain: 1-sigma spans more than a factor of 10"


def band_line(band: dict | None) -> str:
    """The band parameters in one line, or why there are none."""
    if not band:
        return "not measured"
    if "error" in band:
        return f"not measured: {band['error']}"
    gaffey = ", ".join(band["gaffey_subtypes"]) or "outside the Gaffey regions"
    return (f"Band I {band['band_i_centre_um']:.3f} um, Band II {band['band_ii_centre_um']:.3f} um, BAR "
            f"{band['bar']:.2f}, Gaffey {gaffey}; Dunn et al. 2010: ol/(ol+px) {band['dunn_ol_px']:.2f}, Fa "
            f"{band['dunn_fa_mol_pct']:.0f}, Fs {band['dunn_fs_mol_pct']:.0f} mol%")


def _fine_lines(result: Analysis) -> list:
    """``[(scheme, "Sqw (48.0%), then S (30.1%)")]`` for the finer schemes the spectrum has."""
    lines = []
    for scheme, classes, P, top in (("Bus-DeMeo", result.classes_busdemeo, result.probabilities_busdemeo,
                                     result.top_class_busdemeo),
                                    ("Bus", result.classes_bus, result.probabilities_bus, result.top_class_bus)):
        if classes:
            order = np.argsort(P)[::-1][:2]
            line = f"{top} ({100 * P[order[0]]:.1f}%), then {classes[order[1]]} ({100 * P[order[1]]:.1f}%)"
            if scheme == "Bus-DeMeo" and result.class_demeo2009:
                line += f"; DeMeo et al. 2009's own procedure: {result.class_demeo2009}"
            lines.append((scheme, line))
    return lines


def format_analysis(result: Analysis) -> str:
    """A short human-readable report: class, albedo, composition, then notes and warnings."""
    (c1, p1), (c2, p2) = result.top2
    albedo = "not reported" if result.albedo is None else f"{result.albedo:.3f}  ({albedo_spread(result)})"
    lines = [f"{result.name or 'spectrum'}  ({result.coverage_um[0]:g}-{result.coverage_um[1]:g} um; used "
             f"{result.coverage_used})",
             f"  class       {c1} ({100 * p1:.1f}%), then {c2} ({100 * p2:.1f}%)   [{result.classifier}: "
             f"{result.scheme}" + ("" if result.scheme == "4-class" else
                                   ", S/C/X/Other " + " ".join(f"{c} {100 * p:.0f}%" for c, p in
                                                               zip(result.classes_4, result.probabilities_4))) + "]",
             *[f"  {scheme:<11} {line}" for scheme, line in _fine_lines(result)],
             f"  albedo      {albedo}   [{result.albedo_method}]"]
    if result.composition:
        sigma = result.composition_1sigma or {}
        lines.append("  composition " + ", ".join(f"{k} {100 * v:.0f} +- {100 * sigma.get(k, float('nan')):.0f}%"
                                                  for k, v in result.composition.items())
                     + f"   [{result.composition_note}]")
        if result.chemistry:
            sigma = result.chemistry_1sigma or {}
            lines.append("  chemistry   " + ", ".join(f"{k} {100 * v:.0f} +- {100 * sigma.get(k, float('nan')):.0f}"
                                                      for k, v in result.chemistry.items()) + " mol%")
        lines.append(f"  bands       {band_line(result.band_parameters)}")
        if result.meteorite_analogue:
            lines.append(f"  analogue    {analogue_line(result.meteorite_analogue)}   [band parameters against the "
                         "RELAB meteorites; lab powders, space weathering not modelled]")
    else:
        lines.append(f"  composition {result.composition_note}")
    lines += [f"  note        {n}" for n in result.notes]
    lines += [f"  WARNING     {w}" for w in result.warnings]
    return "\n".join(lines)
