"""Deployment: SavedModel for TF Serving, TFLite (float32, float16, dynamic-range, int8), parity checks, and the
TF Serving layout of the shipped presets.

The names below load on first use (PEP 562), so ``from astrokeras.export.tflite import TFLiteModel`` -- what
inference needs -- imports neither Keras nor TensorFlow; ``export_savedmodel`` and the converters import them
when called for.

Example
-------
>>> from astrokeras.export import QUANTIZATIONS
>>> QUANTIZATIONS
('none', 'float16', 'dynamic', 'int8')
"""

from __future__ import annotations

import importlib
import sys
import types

# public name -> the submodule that defines it
_SOURCES = {
    "QUANTIZATIONS": "tflite",
    "TFLiteModel": "tflite",
    "to_tflite": "tflite",
    "export_savedmodel": "savedmodel",
    "float32_clone": "float32_clone",
    "write_serving_layout": "serving",
}

__all__ = sorted(_SOURCES)


def __getattr__(name: str):
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_SOURCES[name]}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_SOURCES))


class _Package(types.ModuleType):
    """Keeps ``astrokeras.export.float32_clone`` the function: importing a submodule sets it as an attribute of
    its package, which would otherwise replace the function of the same name once any module imported it."""

    def __setattr__(self, name, value):
        if isinstance(value, types.ModuleType) and _SOURCES.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
