"""Figures of the composition table: S-type asteroids in the Band I centre / Band Area Ratio plane with the Gaffey
et al. 1993 S(I)-S(VII) regions (matplotlib, Agg backend, PNG).

Example
-------
>>> import tempfile, pathlib
>>> from astrokeras.reproduce.composition_figures import gaffey_png
>>> path = gaffey_png([0.5, 1.2], [0.95, 0.93], ["S", "Sq"], pathlib.Path(tempfile.mkdtemp()) / "g.png")
>>> path.stat().st_size > 0
True
"""

from __future__ import annotations

import numpy as np

from astrokeras.evaluation.figures import pyplot, save_png
from astrokeras.physics.band_parameters import GAFFEY_REGIONS

_LABEL_AT = {"S(I)": (0.02, 1.092), "S(II)": (0.52, 1.066), "S(III)": (0.02, 0.985), "S(IV)": (0.80, 0.978),
             "S(V)": (1.55, 0.972), "S(VI)": (1.20, 0.897), "S(VII)": (2.45, 0.895), "BA": (1.95, 0.962)}


def gaffey_png(bar, band_i_centre, classes, path, *, title: str = "") -> object:
    """Scatter of (BAR, Band I centre) coloured by class over the Gaffey et al. 1993 regions; returns the path."""
    plt = pyplot()
    bar, centre, classes = np.asarray(bar, float), np.asarray(band_i_centre, float), np.asarray(classes, str)
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    for name, polygons in GAFFEY_REGIONS.items():
        for polygon in polygons:
            closed = np.vstack([polygon, polygon[:1]])
            ax.plot(closed[:, 0], closed[:, 1], color="tab:red" if name == "S(IV)" else "0.35", lw=1.2)
        ax.text(*_LABEL_AT[name], name, fontsize=8, color="tab:red" if name == "S(IV)" else "0.25")
    for cls, marker in zip(sorted(set(classes)), "osD^v<>ph*"):
        keep = classes == cls
        ax.scatter(bar[keep], centre[keep], s=14, marker=marker, alpha=0.75, label=f"{cls} ({int(keep.sum())})")
    ax.set_xlim(-0.05, 3.0)
    ax.set_ylim(0.88, 1.12)
    ax.set_xlabel("Band Area Ratio (Band II / Band I)")
    ax.set_ylabel("Band I centre (um)")
    ax.set_title(title or "S-complex asteroids and the Gaffey et al. (1993) S-subtypes", fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    ax.text(0.99, 0.01, "regions: Gaffey et al. 1993 as re-drawn in SARA (Lindsay et al. 2015)", fontsize=6,
            ha="right", va="bottom", transform=ax.transAxes, color="0.4")
    return save_png(fig, path)
