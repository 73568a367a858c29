"""Custom Keras layers and constraints of the astrokeras networks (each serializable: ``.keras`` files load
without custom_objects).

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


@keras.saving.register_keras_serializable(package="astrokeras")
class NonNegative(keras.constraints.Constraint):
    """Clip weights at zero after each update (end-member reflectances cannot be negative).

    Example:
        >>> keras.ops.convert_to_numpy(NonNegative()(keras.ops.array([-1.0, 2.0]))).tolist()
        [0.0, 2.0]
    """

    def __call__(self, w):
        return ops.maximum(w, 0.0)

    def get_config(self):
        return {}


@keras.saving.register_keras_serializable(package="astrokeras")
class EndmemberDecoder(keras.layers.Layer):
    """Linear mixing: ``abundances (batch, R) -> abundances @ E (batch, B)``, with the kernel ``E`` (R x B) as
    the end-member spectra: bias-free, non-negative, initialised from given spectra (the mean pure OL / OPX /
    CPX RELAB spectra for AE-trans).

    Args:
        endmembers: initial end-member spectra, nested list or array of shape (R, B).
        trainable_endmembers: whether training may move the end-members.
        **kwargs: passed to ``keras.layers.Layer``.

    Example:
        >>> layer = EndmemberDecoder([[1.0, 2.0], [3.0, 4.0]])
        >>> keras.ops.convert_to_numpy(layer(keras.ops.array([[0.5, 0.5]]))).tolist()
        [[2.0, 3.0]]
    """

    def __init__(self, endmembers, trainable_endmembers: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.endmembers_init = [[float(v) for v in row] for row in endmembers]
        self.trainable_endmembers = trainable_endmembers

    def build(self, input_shape):
        values = self.endmembers_init
        self.kernel = self.add_weight(
            name="endmembers", shape=(len(values), len(values[0])),
            initializer=keras.initializers.Constant(values), constraint=NonNegative(),
            trainable=self.trainable_endmembers)

    @property
    def endmembers(self):
        """The current end-member spectra, (R, B) NumPy array."""
        return keras.ops.convert_to_numpy(self.kernel)

    def call(self, abundances):
        return ops.matmul(abundances, ops.cast(self.kernel, abundances.dtype))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(self.endmembers_init[0]))

    def get_config(self):
        return {**super().get_config(), "endmembers": self.endmembers_init,
                "trainable_endmembers": self.trainable_endmembers}


@keras.saving.register_keras_serializable(package="astrokeras")
class NormaliseAt(keras.layers.Layer):
    """Divide each spectrum by its value at band ``index`` (the band nearest 0.55 um), as the data are.

    Args:
        index: the band to normalise at.
        **kwargs: passed to ``keras.layers.Layer``.

    Example:
        >>> keras.ops.convert_to_numpy(NormaliseAt(1)(keras.ops.array([[1.0, 2.0, 4.0]]))).tolist()
        [[0.5, 1.0, 2.0]]
    """

    def __init__(self, index: int, **kwargs):
        super().__init__(**kwargs)
        self.index = int(index)

    def call(self, spectra):
        return spectra / ops.maximum(spectra[:, self.index : self.index + 1], 1e-6)

    def get_config(self):
        return {**super().get_config(), "index": self.index}
