"""Figures shared by the tables, `analyze` and the surveys (matplotlib, Agg backend, PNG files).

Example
-------
>>> import numpy as np, tempfile, pathlib
>>> from astrokeras.evaluation.figures import confusion_png
>>> path = confusion_png(np.array([[5, 1], [0, 4]]), ["S", "C"], "toy", pathlib.Path(tempfile.mkdtemp()) / "c.png")
>>> path.stat().st_size > 0
True
"""

from __future__ import annotations

import pathlib

import numpy as np


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (files only, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_png(fig, path) -> pathlib.Path:
    """Lay out ``fig``, write it to ``path`` (folders created) at 120 dpi, close it, return the path."""
    fig.tight_layout()
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    pyplot().close(fig)
    return path


def confusion_png(matrix, classes, title: str, path) -> pathlib.Path:
    """A row-normalised confusion matrix (true class per row) with the counts written in each cell."""
    plt = pyplot()
    matrix = np.asarray(matrix)
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = 2.0 + 0.5 * len(classes)
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(classes)):
        for j in range(len(classes)):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if share[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(classes)), classes)
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title, fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.046, label="share of the true class")
    return save_png(fig, path)
