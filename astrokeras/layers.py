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


@keras.saving.register_keras_serializable(package="astrokeras")
class CoverageChannels(keras.layers.Layer):
    """A spectrum on a fixed grid and its coverage mask as three channels per band: the value, the mask, and the
    first difference where both bands are covered (zero elsewhere): ``[(batch, B), (batch, B)] -> (batch, B, 3)``.

    Args:
        **kwargs: passed to ``keras.layers.Layer``.

    Example:
        >>> out = CoverageChannels()([keras.ops.array([[0.0, 1.0, 3.0, 0.0]]), keras.ops.array([[0.0, 1.0, 1.0, 1.0]])])
        >>> keras.ops.convert_to_numpy(out)[0].tolist()
        [[0.0, 0.0, 0.0], [1.0, 1.0, 0.0], [3.0, 1.0, 2.0], [0.0, 1.0, -3.0]]
    """

    def call(self, inputs):
        values, mask = inputs
        values = values * mask
        step = ops.concatenate([ops.zeros_like(values[:, :1]), values[:, 1:] - values[:, :-1]], axis=1)
        both = ops.concatenate([ops.zeros_like(mask[:, :1]), mask[:, 1:] * mask[:, :-1]], axis=1)
        return ops.stack([values, mask, step * both], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], input_shape[0][1], 3)


@keras.saving.register_keras_serializable(package="astrokeras")
class BandPositions(keras.layers.Layer):
    """Add a learned vector per band (the band's wavelength on the fixed grid): ``(batch, B, D) -> (batch, B, D)``.

    Args:
        bands: number of bands of the grid.
        **kwargs: passed to ``keras.layers.Layer``.

    Example:
        >>> tuple(BandPositions(4)(keras.ops.zeros((2, 4, 3))).shape)
        (2, 4, 3)
    """

    def __init__(self, bands: int, **kwargs):
        super().__init__(**kwargs)
        self.bands = int(bands)

    def build(self, input_shape):
        self.positions = self.add_weight(name="positions", shape=(self.bands, input_shape[-1]),
                                         initializer=keras.initializers.RandomNormal(stddev=0.02))

    def call(self, x):
        return x + ops.cast(self.positions, x.dtype)[None]

    def get_config(self):
        return {**super().get_config(), "bands": self.bands}


@keras.saving.register_keras_serializable(package="astrokeras")
class PairMask(keras.layers.Layer):
    """Attention mask from a coverage mask: band ``i`` may attend to band ``j`` when both are covered
    (``(batch, B) -> (batch, B, B)`` booleans).

    Example:
        >>> keras.ops.convert_to_numpy(PairMask()(keras.ops.array([[1.0, 0.0]]))).tolist()
        [[[True, False], [False, False]]]
    """

    def call(self, mask):
        covered = mask > 0.5
        return ops.logical_and(covered[:, :, None], covered[:, None, :])


@keras.saving.register_keras_serializable(package="astrokeras")
class MaskedMean(keras.layers.Layer):
    """Mean over the covered bands only: ``[(batch, B, D), (batch, B)] -> (batch, D)``.

    Example:
        >>> x = keras.ops.array([[[1.0], [3.0], [100.0]]]); m = keras.ops.array([[1.0, 1.0, 0.0]])
        >>> keras.ops.convert_to_numpy(MaskedMean()([x, m])).tolist()
        [[2.0]]
    """

    def call(self, inputs):
        x, mask = inputs
        mask = ops.cast(mask, x.dtype)[:, :, None]
        return ops.sum(x * mask, axis=1) / ops.maximum(ops.sum(mask, axis=1), 1.0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], input_shape[0][2])


@keras.saving.register_keras_serializable(package="astrokeras")
class GroupSum(keras.layers.Layer):
    """Sum class probabilities into coarser groups: ``(batch, K) -> (batch, G)``, ``groups[k]`` being class
    ``k``'s group (e.g. the 11 VIS-NIR classes into S / C / X / Other).

    Args:
        groups: the group index of each class.
        **kwargs: passed to ``keras.layers.Layer``.

    Example:
        >>> keras.ops.convert_to_numpy(GroupSum([1, 0, 1])(keras.ops.array([[0.2, 0.5, 0.3]]))).round(3).tolist()
        [[0.5, 0.5]]
    """

    def __init__(self, groups, **kwargs):
        super().__init__(**kwargs)
        self.groups = [int(g) for g in groups]

    def call(self, probabilities):
        matrix = ops.one_hot(ops.array(self.groups), max(self.groups) + 1, dtype=probabilities.dtype)
        return ops.matmul(probabilities, matrix)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], max(self.groups) + 1)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}
