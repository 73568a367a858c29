"""A PNG of one analysis: the spectrum against its predicted class's template, and the modal composition with its
1-sigma bars and the band parameters.

The template is the Bus-DeMeo class mean (DeMeo et al. 2009, with its 1-sigma band) of the top class; for the
4-class visible classifier, the DeMeo class that names the group (S, C, X; none for "Other"). When the
templates cannot be had (offline, no mirror), the figure says so and shows the spectrum alone.

Example
-------
``astrokeras analyze spectrum.csv --plot figures/`` writes ``figures/spectrum.png``
"""

from __future__ import annotations

import pathlib

import numpy as np

from astrokeras.analysis import albedo_spread
from astrokeras.datasets import DataUnavailableError, load_demeo_templates
from astrokeras.evaluation.figures import pyplot, save_png
from astrokeras.physics.meteorite_analogue import analogue_line
from astrokeras.schemes.taxonomy import base_class


def _template(top_class: str):
    try:
        templates = load_demeo_templates()
    except DataUnavailableError as error:
        return None, f"(no class template: {str(error).split(':')[0]})"
    names = templates.meta["class"].tolist()
    if top_class not in names:
        return None, f"(no DeMeo template for class {top_class})"
    i = names.index(top_class)
    return (templates.wavelength, templates.reflectance[i], templates.error[i]), f"DeMeo {top_class} template"


def _template_class(result) -> str:
    """The DeMeo template to draw: the Bus-DeMeo class (weathering flag dropped) where there is one."""
    if result.top_class_busdemeo:
        return base_class(result.top_class_busdemeo)
    return result.top_class


def analysis_png(result, path) -> pathlib.Path:
    """Write the figure of ``result`` (an :class:`~astrokeras.analysis.Analysis`) to ``path``."""
    plt = pyplot()
    spectrum = result.spectrum.normalise(0.55) if result.spectrum.covers([0.55]) else result.spectrum
    wide = result.composition is not None
    fig, axes = plt.subplots(1, 2 if wide else 1, figsize=(9 if wide else 6.5, 3.8),
                             gridspec_kw={"width_ratios": [3, 1]} if wide else None)
    ax = axes[0] if wide else axes
    if spectrum.error is not None:
        ax.fill_between(spectrum.wavelength, spectrum.reflectance - spectrum.error,
                        spectrum.reflectance + spectrum.error, color="tab:blue", alpha=0.2, lw=0)
    ax.plot(spectrum.wavelength, spectrum.reflectance, color="tab:blue", lw=1.2, label=result.name or "spectrum")
    template, label = _template(_template_class(result))
    if template is not None:
        w, r, e = template
        ax.plot(w, r, color="tab:red", lw=1.2, ls="--", label=label)
        if np.all(np.isfinite(e)):
            ax.fill_between(w, r - e, r + e, color="tab:red", alpha=0.12, lw=0)
    else:
        ax.text(0.02, 0.03, label, transform=ax.transAxes, fontsize=7, color="gray")
    (c1, p1), (c2, p2) = result.top2
    finer = "; ".join(f"{scheme} {top}" for scheme, top in (("Bus-DeMeo", result.top_class_busdemeo),
                                                             ("Bus", result.top_class_bus)) if top)
    albedo = "not reported" if result.albedo is None else f"{result.albedo:.3f} ({albedo_spread(result)})"
    ax.set_title(f"{result.name}: {c1} {100 * p1:.0f}%, {c2} {100 * p2:.0f}%" + (f" ({finer})" if finer else "")
                 + f"; albedo {albedo}", fontsize=9)
    ax.set_xlabel("wavelength (um)")
    ax.set_ylabel("reflectance (normalised at 0.55 um)")
    ax.legend(fontsize=8)
    if wide:
        names, values = list(result.composition), list(result.composition.values())
        sigma = [(result.composition_1sigma or {}).get(k, 0.0) for k in names]
        axes[1].bar(range(len(names)), [100 * v for v in values], yerr=[100 * e for e in sigma], capsize=3,
                    color=["tab:olive", "tab:brown", "tab:gray", "tab:cyan"][:len(names)])
        axes[1].set_xticks(range(len(names)), [f"{k}\n{100 * v:.0f}+-{100 * e:.0f}" for k, v, e in
                                               zip(names, values, sigma)], fontsize=7)
        axes[1].set_ylim(0, 100)
        axes[1].set_ylabel("vol% (1-sigma bars)", fontsize=8)
        axes[1].set_title("CompositionNet modal", fontsize=9)
        band = result.band_parameters or {}
        if "band_i_centre_um" in band:
            analogue = analogue_line(result.meteorite_analogue)
            axes[1].set_xlabel(f"Band I {band['band_i_centre_um']:.3f} um, BAR {band['bar']:.2f}\n"
                               + (", ".join(band["gaffey_subtypes"]) or "no Gaffey region")
                               + (f"\nanalogue: {analogue}" if analogue else ""), fontsize=7)
    return save_png(fig, path)
