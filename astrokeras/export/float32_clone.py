"""A float32 copy of a (possibly mixed-precision) Keras model: the form that exports and converts to TFLite.

A ``mixed_float16`` graph does not convert to TFLite with builtin ops, so every export starts from this clone.

Example
-------
>>> from astrokeras.models import ASCNet
>>> from astrokeras.export.float32_clone import float32_clone
>>> model = ASCNet(16, 3, dense_units=(8, 8, 8), key_dim=4)
>>> float32_clone(model) is model          # already float32: no copy
True
"""

from __future__ import annotations

import keras


def _is_float32(model: keras.Model) -> bool:
    return all(layer.dtype_policy.name == "float32" for layer in model._flatten_layers(include_self=False))


def _strip_policies(config):
    if isinstance(config, dict):
        return {k: ("float32" if k == "dtype" and isinstance(v, (dict, str)) and "float" in str(v) else
                    _strip_policies(v)) for k, v in config.items()}
    if isinstance(config, list):
        return [_strip_policies(v) for v in config]
    return config


def float32_clone(model: keras.Model) -> keras.Model:
    """``model`` itself when every layer computes in float32, else a float32 rebuild with the same weights."""
    if _is_float32(model):
        return model
    clone = model.__class__.from_config(_strip_policies(model.get_config()))
    clone.set_weights(model.get_weights())
    return clone
