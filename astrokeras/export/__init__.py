"""Deployment: SavedModel for TF Serving, TFLite (float32, float16, dynamic-range, int8), parity checks.

Example
-------
>>> from astrokeras.export import QUANTIZATIONS
>>> QUANTIZATIONS
('none', 'float16', 'dynamic', 'int8')
"""

from astrokeras.export.float32_clone import float32_clone
from astrokeras.export.savedmodel import export_savedmodel
from astrokeras.export.tflite import QUANTIZATIONS, TFLiteModel, to_tflite

__all__ = ["QUANTIZATIONS", "TFLiteModel", "export_savedmodel", "float32_clone", "to_tflite"]
