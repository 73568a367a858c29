"""One spectrum -> taxonomic class -> geometric albedo -> mineral composition, with the pretrained presets.

Which models answer depends on what the spectrum covers:

* 0.45-2.45 um (VIS-NIR): the 11-class ASC-Net; AAE-Net for the albedo (fed the class probabilities);
  AE-trans for the OL / OPX / CPX abundances when the class is S, Q, A or V (olivine-pyroxene assemblages).
* 0.44-0.92 um only (visible, like SMASS II): the 4-class ASC-Net; the albedo is the class-mean rule over the
  AAED asteroids (probability-weighted, with its spread), and no composition (the unmixer needs the 1 and 2 um
  bands).

The presets run as float32 TFLite files through ``ai_edge_litert``: no TensorFlow import, so a cold start
takes about a second. The result says which preset answered each part.

Example
-------
>>> import numpy as np
>>> from astrokeras import analyze
>>> w = np.linspace(0.40, 0.95, 56); r = 1.0 + 0.8 * (w - 0.55)          # a featureless red slope
>>> result = analyze(w, r, name="toy")
>>> result.classifier, result.scheme
('asc-net-visible-4class', '4-class')
"""

from __future__ import annotations

import dataclasses

import numpy as np

from astrokeras import datasets
from astrokeras.presets import grid_of, load_lite_preset, preset_cards
from astrokeras.sigma_bounds import bounded_log_sigma
from astrokeras.spectra import Spectrum, SpectrumError
from astrokeras.spectrum_files import read_spectrum

VISNIR = "asc-net-visnir-11class"
VISIBLE = "asc-net-visible-4class"
ALBEDO = "aae-net-albedo"
UNMIXER = "ae-trans-olivine-pyroxene"


@dataclasses.dataclass
class Analysis:
    """What :func:`analyze` found; ``to_dict()`` for JSON."""

    name: str
    coverage_um: tuple
    classifier: str
    scheme: str
    classes: list
    probabilities: list
    top_class: str
    albedo: float
    albedo_1sigma: tuple
    albedo_method: str
    composition: dict | None
    composition_note: str
    models: list
    spectrum: Spectrum = dataclasses.field(repr=False, default=None)

    @property
    def top2(self):
        order = np.argsort(self.probabilities)[::-1][:2]
        return [(self.classes[i], self.probabilities[i]) for i in order]

    def to_dict(self) -> dict:
        out = {k: v for k, v in dataclasses.asdict(self).items() if k != "spectrum"}
        out["coverage_um"] = list(self.coverage_um)
        out["albedo_1sigma"] = list(self.albedo_1sigma)
        return out


def _choose(spectrum: Spectrum, cards: dict) -> str:
    for name in (VISNIR, VISIBLE):
        if spectrum.covers(grid_of(cards[name])):
            return name
    ranges = " or ".join(f"{grid_of(cards[n])[0]:g}-{grid_of(cards[n])[-1]:g} um ({cards[n]['answers']})"
                         for n in (VISNIR, VISIBLE))
    raise SpectrumError(
        f"{spectrum.name or 'the spectrum'} covers {spectrum.wavelength[0]:g}-{spectrum.wavelength[-1]:g} um, but the "
        f"pretrained classifiers need {ranges}; astrokeras does not extrapolate. For Gaia-like 16-band spectra use "
        "`astrokeras survey gaia`."
    )


def _on_grid(spectrum: Spectrum, card: dict) -> np.ndarray:
    return spectrum.resample(grid_of(card)).normalise(card.get("normalise_at_um", 0.55)).reflectance[None]


def analyze(wavelength, reflectance, error=None, *, unit: str = "auto", name: str = "", presets=None) -> Analysis:
    """Class probabilities, albedo (with a 1-sigma range) and, for S/Q/A/V VIS-NIR spectra, OL/OPX/CPX.

    ``wavelength`` in um or nm (``unit``), ``reflectance`` any scale (it is normalised at 0.55 um).
    ``presets``: a folder of presets other than the shipped ones. Raises
    :class:`~astrokeras.spectra.SpectrumError` for unusable input (NaN, negative, unsorted, uncovered range).
    """
    spectrum = reflectance if isinstance(reflectance, Spectrum) else Spectrum(
        wavelength, reflectance, error, unit=unit, name=name)
    cards = preset_cards(presets)
    chosen = _choose(spectrum, cards)
    classify, card = load_lite_preset(chosen, presets)
    X = _on_grid(spectrum, card)
    P = classify(spectrum=X)["probabilities"][0].astype(float)
    classes = list(card["classes"])
    top = classes[int(np.argmax(P))]
    models = [chosen]
    if chosen == VISNIR:
        regress, albedo_card = load_lite_preset(ALBEDO, presets)
        out = regress(spectrum=_on_grid(spectrum, albedo_card), class_probabilities=P[None])["albedo"][0]
        mean = out[0] + P @ np.asarray(albedo_card["class_prior_log10"])
        sigma = np.exp(bounded_log_sigma(out[1]))  # the bound the network was trained with
        method = f"AAE-Net ({ALBEDO}), fed the 11-class probabilities"
        models.append(ALBEDO)
    else:
        means, spreads = np.asarray(card["albedo_log10_mean"]), np.asarray(card["albedo_log10_std"])
        mean = P @ means
        sigma = np.sqrt(max(P @ (spreads ** 2 + means ** 2) - mean ** 2, 0.0))
        method = (f"class-mean rule ({card['albedo_prior_from']}), probability-weighted: a visible spectrum does "
                  "not reach the bands AAE-Net reads (0.45-2.45 um)")
    composition, note = None, ""
    unmixer_card = cards[UNMIXER]
    if chosen != VISNIR:
        note = "not estimated: the OL/OPX/CPX unmixer needs 0.45-2.45 um (the 1 and 2 um bands)"
    elif top not in unmixer_card["applies_to"]:
        note = (f"not estimated: class {top} is not an olivine-pyroxene assemblage (the unmixer is meant for "
                f"{'/'.join(unmixer_card['applies_to'])})")
    else:
        unmix, _ = load_lite_preset(UNMIXER, presets)
        A = unmix(spectrum=_on_grid(spectrum, unmixer_card))["abundances"][0]
        composition = {k: round(float(v), 4) for k, v in zip(unmixer_card["endmembers"], A)}
        note = "AE-trans, linear mixing of the mean RELAB end-members (fractions of the OL+OPX+CPX assemblage)"
        models.append(UNMIXER)
    return Analysis(
        name=spectrum.name, coverage_um=(float(spectrum.wavelength[0]), float(spectrum.wavelength[-1])),
        classifier=chosen, scheme=card["answers"], classes=classes, probabilities=[round(float(p), 4) for p in P],
        top_class=top, albedo=round(float(10 ** mean), 4),
        albedo_1sigma=(round(float(10 ** (mean - sigma)), 4), round(float(10 ** (mean + sigma)), 4)),
        albedo_method=method, composition=composition, composition_note=note, models=models, spectrum=spectrum)


def analyze_file(path, unit: str = "auto", presets=None) -> Analysis:
    """:func:`analyze` of the spectrum in ``path`` (see :func:`astrokeras.spectrum_files.read_spectrum`)."""
    return analyze(None, read_spectrum(path, unit), presets=presets)


def catalogue_spectrum(designation: str, source: str = "busdemeo") -> Spectrum:
    """A published spectrum from the registered data sets, by designation (``"433"``, ``"1999 JU3"``):
    ``busdemeo`` (korda2023 VIS-NIR, 0.45-2.45 um) or ``smass2`` (visible, 0.44-0.92 um)."""
    loaders = {"busdemeo": datasets.load_busdemeo, "smass2": datasets.load_smass2}
    if source not in loaders:
        raise SpectrumError(f"unknown source {source!r}: use one of {sorted(loaders)}")
    data = loaders[source]()
    wanted = designation.replace(" ", "").lower()
    keys = data.meta["designation"].astype(str).str.replace(" ", "").str.lower().to_numpy()
    hits = np.flatnonzero(keys == wanted)
    if not hits.size:
        raise SpectrumError(f"asteroid {designation!r} is not in {source} ({len(data)} spectra); try the other "
                            "source, or analyze your own file")
    return Spectrum(data.wavelength, data.reflectance[hits[0]], name=f"{designation} ({source})")


def albedo_spread(result: Analysis) -> str:
    """``"1-sigma 0.180-0.290"``, or a plain warning when the range spans more than a factor of 10 each way."""
    low, high = result.albedo_1sigma
    if high < 100 * low:
        return f"1-sigma {low:.3f}-{high:.3f}"
    return "very uncertain: 1-sigma spans more than a factor of 10"


def format_analysis(result: Analysis) -> str:
    """A short human-readable report."""
    (c1, p1), (c2, p2) = result.top2
    spread = albedo_spread(result)
    lines = [f"{result.name or 'spectrum'}  ({result.coverage_um[0]:g}-{result.coverage_um[1]:g} um)",
             f"  class       {c1} ({100 * p1:.1f}%), then {c2} ({100 * p2:.1f}%)   [{result.classifier}: "
             f"{result.scheme}]",
             f"  albedo      {result.albedo:.3f}  ({spread})   [{result.albedo_method}]"]
    if result.composition:
        lines.append("  composition " + ", ".join(f"{k} {100 * v:.0f}%" for k, v in result.composition.items())
                     + f"   [{result.composition_note}]")
    else:
        lines.append(f"  composition {result.composition_note}")
    return "\n".join(lines)
