"""Class template spectra: the Bus-DeMeo class means (DeMeo et al. 2009).

Example
-------
>>> from astrokeras.datasets import load_demeo_templates
>>> t = load_demeo_templates()                     # doctest: +SKIP
>>> len(t), t.bands, t.meta["class"].tolist()[:3]  # doctest: +SKIP
(25, 41, ['A', 'B', 'C'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astrokeras.datasets.fetching import fetch
from astrokeras.datasets.spectral_data import SpectralData, count_sources

_SINGLE_MEMBER = -0.999


def load_demeo_templates() -> SpectralData:
    """The 25 Bus-DeMeo class mean spectra, 0.45..2.45 um step 0.05 (41 bands), normalised at 0.55 um.

    One row per class (``meta["class"]``); ``error`` is the class's 1-sigma spread (NaN for classes with a
    single member, published as -0.999).
    """
    found = fetch("demeo2009/templates.csv")
    table = pd.read_csv(found.path)
    classes = [c[: -len("_Mean")] for c in table.columns if c.endswith("_Mean")]
    mean = np.stack([table[f"{c}_Mean"].to_numpy(float) for c in classes])
    sigma = np.stack([table[f"{c}_Sigma"].to_numpy(float) for c in classes])
    sigma[np.isclose(sigma, _SINGLE_MEMBER)] = np.nan
    return SpectralData("demeo_templates", table["wave"].to_numpy(float), mean,
                        pd.DataFrame({"class": classes}), error=sigma, sources=count_sources([found]))
