"""Write a trained network as a preset: a small ``.keras`` file (no optimizer state) and its float32 TFLite copy.

Example
-------
>>> import tempfile, pathlib
>>> from astrokeras.models import ASCNet
>>> from astrokeras.export.preset_files import save_small
>>> path = pathlib.Path(tempfile.mkdtemp()) / "toy.keras"
>>> save_small(ASCNet(16, 3, dense_units=(4, 4, 4), key_dim=2), path) > 0, path.with_suffix(".tflite").exists()
(True, True)
"""

from __future__ import annotations

import pathlib
import tempfile

import keras

from astrokeras.export.savedmodel import export_savedmodel
from astrokeras.export.tflite import to_tflite


def save_small(model, path) -> int:
    """Save ``model`` without its optimizer state (a third of the size) as ``path`` (.keras) and, beside it, a
    float32 TFLite copy (``.tflite``) that :func:`astrokeras.analyze` runs without TensorFlow; returns the
    ``.keras`` size in bytes."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        full = pathlib.Path(scratch) / "full.keras"
        model.save(full)
        bare = keras.saving.load_model(full, compile=False)  # drops the optimizer and the compile config
        bare.save(path)
        saved = export_savedmodel(bare, pathlib.Path(scratch) / "savedmodel")
        path.with_suffix(".tflite").write_bytes(to_tflite(saved, "none"))
    return path.stat().st_size
