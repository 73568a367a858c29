"""A masked softmax whose every tensor stays in a small range: the form of the attention that int8 exports need.

Keras's masked softmax (inside ``MultiHeadAttention``) writes -1e9 into the masked scores. In float that is
exact; in an int8 graph the scores tensor then spans 1e9, its quantization step is millions, and every real
score rounds to the same value: the full-integer CoverageNet agreed with Keras on 11% of spectra. Here the
scores are shifted by their maximum over the covered keys and floored at ``-floor`` (masked keys sit at the
floor, then are zeroed after the softmax), so the int8 range is ``[-floor, 0]``. With ``floor=16`` a key that
was floored had a weight under exp(-16) = 1e-7: the float outputs move by about 1e-5 at most.

:func:`with_bounded_attention` returns a copy of a model, same weights, whose ``MultiHeadAttention`` layers use
it; the export commands convert that copy when they quantize to int8. Models without attention masks are
unchanged (no mask: a plain softmax).

Example
-------
>>> import numpy as np
>>> from astrokeras.models import CoverageNet
>>> model = CoverageNet(16, 3, width=8, mlp_units=8)
>>> x = {"spectrum": np.random.default_rng(0).normal(size=(2, 16)),
...      "mask": np.stack([np.ones(16), np.r_[np.ones(9), np.zeros(7)]])}
>>> a, b = model.predict(x, verbose=0), with_bounded_attention(model).predict(x, verbose=0)
>>> bool(np.abs(a["probabilities"] - b["probabilities"]).max() < 1e-4)
True
"""

from __future__ import annotations

import keras
from keras import ops

FLOOR = 16.0  # scores this far below the top (in nats) count as zero weight: exp(-16) = 1.1e-7


@keras.saving.register_keras_serializable(package="astrokeras")
class BoundedMaskSoftmax(keras.layers.Layer):
    """Softmax over ``axis`` of the scores where ``mask`` is true, zero elsewhere, computed on
    ``max(scores - top, -floor)`` (``top``: the largest covered score), so that its tensors stay within
    ``[-floor, 0]`` after the shift.

    Example:
        >>> out = BoundedMaskSoftmax()(ops.array([[2.0, 1.0, 50.0]]), mask=ops.array([[True, True, False]]))
        >>> [round(float(v), 4) for v in ops.convert_to_numpy(out)[0]]
        [0.7311, 0.2689, 0.0]
    """

    def __init__(self, axis=-1, floor: float = FLOOR, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
        self.floor = float(floor)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.softmax(inputs, axis=self.axis)
        keep = mask if keras.backend.standardize_dtype(mask.dtype) == "bool" else ops.greater(mask, 0.5)
        covered = ops.where(keep, inputs, ops.min(inputs, axis=self.axis, keepdims=True))
        top = ops.max(covered, axis=self.axis, keepdims=True)
        shifted = ops.where(keep, ops.maximum(covered, top - self.floor) - top, -self.floor)  # in [-floor, 0]
        return ops.where(keep, ops.softmax(shifted, axis=self.axis), 0.0)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "floor": self.floor}


def with_bounded_attention(model: keras.Model, floor: float = FLOOR) -> keras.Model:
    """A copy of ``model`` (same weights) whose ``MultiHeadAttention`` layers use :class:`BoundedMaskSoftmax`;
    ``model`` itself when it has no attention layer."""
    if not any(isinstance(layer, keras.layers.MultiHeadAttention) for layer in model._flatten_layers()):
        return model
    clone = model.__class__.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    for layer in clone._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.MultiHeadAttention):
            # a plain attribute swap: MultiHeadAttention calls self._softmax(scores, mask=...)
            object.__setattr__(layer, "_softmax", BoundedMaskSoftmax(layer._softmax.axis, floor,
                                                                     name=f"{layer.name}_bounded_softmax"))
    return clone
