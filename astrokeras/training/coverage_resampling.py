"""Two ways to change what CoverageNet trains on, measured by ``astrokeras reproduce --table coverage-training``:
repeat the rare 11-class spectra, and add the near-infrared part of every labelled VIS-NIR spectrum.

Both act on a training collection only (after the test fold and the validation asteroids are carved), and both keep
each added spectrum's asteroid key, so a later split by asteroid keeps an asteroid's copies together.

Example
-------
>>> import numpy as np, pandas as pd
>>> from astrokeras.datasets.collection import SpectrumCollection
>>> w = np.linspace(0.45, 2.45, 101)
>>> meta = pd.DataFrame({"key": list("abcde"), "survey": "toy", "label_11": [7, 7, 7, 7, 0],
...                      "label_4": [0, 0, 0, 0, 3], "name": ""})
>>> out = near_infrared_copies(repeat_rare(SpectrumCollection([(w, w)] * 5, meta)))
>>> out.meta["key"].tolist()
['a', 'b', 'c', 'd', 'e', 'e', 'a', 'b', 'c', 'd', 'e', 'e']
"""

from __future__ import annotations

import dataclasses

import numpy as np

from astrokeras.spectra.coverage import COVERAGES, crop
from astrokeras.training.recipes import CoverageRecipe

MAX_REPEATS = 4
NIR = COVERAGES["NIR 0.85-2.45"]
SPAN_TOLERANCE = 0.012  # as the coverage table decides that a spectrum covers a range


def repeat_rare(train):
    """``train`` with each 11-class spectrum repeated ``round(sqrt(n_max / n_class))`` times (at most
    :data:`MAX_REPEATS`); spectra without an 11-class label stay once.

    >>> import numpy as np, pandas as pd
    >>> from astrokeras.datasets.collection import SpectrumCollection
    >>> w = np.linspace(0.45, 2.45, 5)
    >>> meta = pd.DataFrame({"key": list("abcdef"), "survey": "toy", "label_11": [7, 7, 7, 7, 0, -1],
    ...                      "label_4": [0, 0, 0, 0, 3, 1], "name": ""})
    >>> repeat_rare(SpectrumCollection([(w, w)] * 6, meta)).meta["key"].tolist()
    ['a', 'b', 'c', 'd', 'e', 'e', 'f']
    """
    y = train.meta["label_11"].to_numpy()
    labelled = y >= 0
    counts = np.bincount(y[labelled])
    repeats = np.ones(len(y), int)
    repeats[labelled] = np.clip(np.round(np.sqrt(counts.max() / counts[y[labelled]])), 1, MAX_REPEATS)
    return train.subset(np.repeat(np.arange(len(y)), repeats))


def near_infrared_copies(train):
    """``train`` plus, for each 11-class spectrum that covers 0.85-2.45 um and reaches below 0.8 um, its
    0.85-2.45 um part (same asteroid key and labels).

    >>> import numpy as np, pandas as pd
    >>> from astrokeras.datasets.collection import SpectrumCollection
    >>> visnir, nir = np.linspace(0.45, 2.45, 101), np.linspace(0.85, 2.45, 81)
    >>> meta = pd.DataFrame({"key": list("ab"), "survey": "toy", "label_11": [7, 7], "label_4": [0, 0], "name": ""})
    >>> out = near_infrared_copies(SpectrumCollection([(visnir, visnir), (nir, nir)], meta))
    >>> [round(float(w[0]), 2) for w, _ in out.spectra], out.meta["key"].tolist()
    ([0.45, 0.85, 0.85], ['a', 'b', 'a'])
    """
    y = train.meta["label_11"].to_numpy()
    rows = [i for i, (w, _) in enumerate(train.spectra)
            if y[i] >= 0 and w[0] < 0.8 and w[0] <= NIR[0] + SPAN_TOLERANCE and w[-1] >= NIR[1] - SPAN_TOLERANCE]
    extra = train.subset(rows)
    extra.spectra = [crop(w, r, *NIR) for w, r in extra.spectra]
    return train + extra


def rebalanced(train):
    """Both: the rare classes repeated, then the near-infrared parts added (of the repeats too)."""
    return near_infrared_copies(repeat_rare(train))


@dataclasses.dataclass(frozen=True)
class ResampledCoverageRecipe(CoverageRecipe):
    """A :class:`~astrokeras.training.recipes.CoverageRecipe` whose :meth:`fit` first passes the training
    collection through ``resample`` (e.g. :func:`rebalanced`)."""

    resample: object = None

    def fit(self, collection, *, quick: bool = False, **overrides):
        return super().fit(self.resample(collection) if self.resample else collection, quick=quick, **overrides)
