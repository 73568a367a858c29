"""Asteroid taxonomic schemes and the mappings the paper's data sets use.

Every scheme has the same small interface: ``classes`` (the output classes, in model order), ``map(label)``
(one catalogue label -> scheme class, or ``None`` when the paper drops it) and ``encode(labels)`` (integer
targets plus the mask of kept labels).

- :data:`FOUR_CLASS`: Bus (1999) classes -> S / C / X / Other (paper Table 1; O and R dropped).
- :data:`VISNIR_11`: Bus-DeMeo classes -> 11 classes (paper Table 6): C, S and X complexes merged; weathered
  ``w`` and uncertain ``:`` suffixes map to their base class (Sw -> S, Sqw -> S, Vw -> V, Sq: -> S); O, R and
  U dropped.
- :data:`BUS_DEMEO`: the full Bus-DeMeo scheme (24 classes + Xn of Binzel et al. 2019), suffixes stripped.
- :data:`BUS`: the 24 Bus (1999) classes that :data:`FOUR_CLASS` keeps (all but O and R), unmerged: the class
  information of the visible albedo network (Bus subclasses differ in albedo: V 0.32, D 0.05 under one "Other").

Example
-------
>>> from astrokeras.schemes.taxonomy import FOUR_CLASS, VISNIR_11
>>> FOUR_CLASS.map("Sq"), FOUR_CLASS.map("Cgh"), FOUR_CLASS.map("Ld"), FOUR_CLASS.map("O")
('S', 'C', 'Other', None)
>>> VISNIR_11.map("Sqw"), VISNIR_11.map("Xn"), VISNIR_11.map("U")
('S', 'X', None)
>>> y, kept = VISNIR_11.encode(["S", "R", "Vw"])
>>> y.tolist(), kept.tolist()
([7, 9], [True, False, True])
"""

from __future__ import annotations

import dataclasses

import numpy as np

BUS_CLASSES = (
    "A", "B", "C", "Cb", "Cg", "Cgh", "Ch", "D", "K", "L", "Ld", "O", "Q", "R",
    "S", "Sa", "Sk", "Sl", "Sq", "Sr", "T", "V", "X", "Xc", "Xe", "Xk",
)  # fmt: skip
BUS_DEMEO_CLASSES = (
    "A", "B", "C", "Cb", "Cg", "Cgh", "Ch", "D", "K", "L", "O", "Q", "R",
    "S", "Sa", "Sq", "Sr", "Sv", "T", "V", "X", "Xc", "Xe", "Xk", "Xn",
)  # fmt: skip


def base_class(label) -> str:
    """Strip the weathering ``w`` and uncertainty ``:`` suffixes: ``"Sqw" -> "Sq"``, ``"Sq:" -> "Sq"``.

    >>> base_class("Srw"), base_class("Vw"), base_class(" Sq: ")
    ('Sr', 'V', 'Sq')
    """
    text = str(label).strip().rstrip(":")
    return text[:-1] if len(text) > 1 and text.endswith("w") else text


@dataclasses.dataclass(frozen=True)
class TaxonomyScheme:
    """A class scheme: ``classes`` in model order, ``mapping`` from catalogue labels, suffix handling.

    Parameters
    ----------
    name : str
        Short name (``"4-class"``).
    classes : tuple of str
        Output classes; a class's index is its integer target.
    mapping : dict
        Catalogue label -> class; labels absent from it are dropped (``map`` returns ``None``).
    strip_suffixes : bool
        Map ``Sw``/``Sq:``-style labels through :func:`base_class` first.
    """

    name: str
    classes: tuple
    mapping: dict
    strip_suffixes: bool = False

    def map(self, label):
        """The scheme class of one catalogue label, or ``None`` when the label is dropped."""
        if label is None:
            return None
        key = base_class(label) if self.strip_suffixes else str(label).strip()
        return self.mapping.get(key)

    def encode(self, labels):
        """``(targets, kept)``: integer targets of the kept labels and the boolean mask of kept labels."""
        mapped = [self.map(label) for label in labels]
        kept = np.array([m is not None for m in mapped], dtype=bool)
        index = {c: i for i, c in enumerate(self.classes)}
        return np.array([index[m] for m in mapped if m is not None], dtype=np.int64), kept

    def decode(self, targets):
        """Class names of integer targets."""
        return [self.classes[int(t)] for t in targets]


def _invert(groups: dict) -> dict:
    return {label: cls for cls, labels in groups.items() for label in labels}


FOUR_CLASS = TaxonomyScheme(
    "4-class",
    ("S", "C", "X", "Other"),
    _invert({
        "S": ("S", "Sa", "Sk", "Sl", "Sq", "Sr"),
        "C": ("B", "C", "Cb", "Cg", "Cgh", "Ch"),
        "X": ("X", "Xc", "Xe", "Xk"),
        "Other": ("A", "D", "K", "L", "Ld", "Q", "T", "V"),
    }),
)

VISNIR_11 = TaxonomyScheme(
    "11-class",
    ("A", "B", "C", "D", "K", "L", "Q", "S", "T", "V", "X"),
    _invert({
        "A": ("A",), "B": ("B",), "D": ("D",), "K": ("K",), "L": ("L",), "Q": ("Q",), "T": ("T",), "V": ("V",),
        "C": ("C", "Cb", "Cg", "Cgh", "Ch"),
        "S": ("S", "Sa", "Sv", "Sq", "Sr"),
        "X": ("X", "Xc", "Xe", "Xk", "Xn"),
    }),
    strip_suffixes=True,
)

BUS_DEMEO = TaxonomyScheme("Bus-DeMeo", BUS_DEMEO_CLASSES, {c: c for c in BUS_DEMEO_CLASSES}, strip_suffixes=True)

BUS = TaxonomyScheme("Bus", tuple(c for c in BUS_CLASSES if FOUR_CLASS.map(c)),
                     {c: c for c in BUS_CLASSES if FOUR_CLASS.map(c)})

SCHEMES = {s.name: s for s in (FOUR_CLASS, VISNIR_11, BUS_DEMEO, BUS)}

# The 11 VIS-NIR classes folded into the 4 visible ones, as FOUR_CLASS groups the Bus classes.
ELEVEN_TO_FOUR = {"A": "Other", "B": "C", "C": "C", "D": "Other", "K": "Other", "L": "Other", "Q": "Other",
                  "S": "S", "T": "Other", "V": "Other", "X": "X"}


def four_class_of_busdemeo(labels):
    """``(targets, kept)`` in :data:`FOUR_CLASS` order for Bus-DeMeo labels (suffixes such as ``w`` stripped).

    >>> four_class_of_busdemeo(["Sqw", "Xn", "B", "Vw", "U"])[0].tolist()
    [0, 2, 1, 3]
    """
    mapped = [ELEVEN_TO_FOUR.get(VISNIR_11.map(label)) for label in labels]
    kept = np.array([m is not None for m in mapped], dtype=bool)
    return np.array([FOUR_CLASS.classes.index(m) for m in mapped if m is not None], dtype=np.int64), kept
