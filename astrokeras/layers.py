"""Custom Keras layers of the astrokeras networks (each serializable: ``.keras`` files load without custom_objects).

Example
-------
>>> import numpy as np
>>> from astrokeras.layers import Diff
>>> Diff()(np.array([[1.0, 3.0, 6.0]], dtype="float32")).numpy().tolist()
[[[1.0, 0.0], [3.0, 2.0], [6.0, 3.0]]]
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="astrokeras")
class Diff(keras.layers.Layer):
    """Spectrum and its first difference as two channels: ``(batch, B) -> (batch, B, 2)``.

    Channel 0 is the reflectance ``r_i``; channel 1 is ``r_i - r_{i-1}`` with a zero in front, so the length
    stays ``B`` (paper section 3.2). A ``(batch, B, 1)`` input is accepted too.

    Args:
        **kwargs: passed to ``keras.layers.Layer`` (``name``, ``dtype``...).

    Example:
        >>> tuple(Diff()(keras.ops.ones((2, 5))).shape)
        (2, 5, 2)

    Reference:
        Tang et al., ASC-Net (the paper astrokeras implements), section 3.2.
    """

    def call(self, inputs):
        x = inputs if len(inputs.shape) == 2 else ops.squeeze(inputs, axis=-1)
        step = x[:, 1:] - x[:, :-1]
        step = ops.concatenate([ops.zeros_like(x[:, :1]), step], axis=1)
        return ops.stack([x, step], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], 2)
