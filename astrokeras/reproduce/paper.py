"""Figures the paper reports, for the side-by-side tables (fractions, not percent).

Only figures quoted in the project's issues are transcribed; the paper's baseline rows are not, and show as
missing rather than invented.

Example
-------
>>> from astrokeras.reproduce.paper import PAPER
>>> PAPER["5"]["ASC-Net"]["acc"]
0.973
"""

PAPER = {
    "5": {"ASC-Net": {"acc": 0.973, "ap": 0.973}},
    "7": {"ASC-Net": {"acc": 0.957, "ap": 0.979}},
}
