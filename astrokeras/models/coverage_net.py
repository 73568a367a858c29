"""CoverageNet: a wavelength-aware ASC-Net that reads a spectrum of any coverage.

The spectrum arrives on the fixed grid of :mod:`astrokeras.spectra.coverage` (106 bands, 0.40-2.50 um) with a coverage
mask. Each band is a token that carries its wavelength (a learned position per band); missing bands are masked
out of the attention and of the pooling, so the same network reads a visible, a near-infrared, a VIS-NIR or a
Gaia-band spectrum, with or without gaps.

Example
-------
>>> import numpy as np
>>> from astrokeras.models import CoverageNet
>>> model = CoverageNet(106, 11, groups=[3, 1, 1, 3, 3, 3, 3, 0, 3, 3, 2], width=16, mlp_units=16)
>>> out = model.predict({"spectrum": np.zeros((2, 106)), "mask": np.ones((2, 106))}, verbose=0)
>>> sorted(out), out["probabilities"].shape, out["groups"].shape
(['features', 'groups', 'probabilities'], (2, 11), (2, 4))
"""

from __future__ import annotations

import keras
from keras import layers

from astrokeras.layers import BandPositions, CoverageChannels, GroupSum, MaskedMean, PairMask
from astrokeras.models.preset_model import PresetModel


def coverage_features(spectrum, mask, *, conv_filters=(32, 32), kernel_size: int = 5, width: int = 64,
                      num_heads: int = 4, blocks: int = 2, mlp_units: int = 128, dropout: float = 0.1,
                      feature_units: int = 64, token_stride: int = 1):
    """CoverageNet's trunk on the symbolic ``spectrum`` and ``mask`` inputs (``(None, bands)``): the ``features``
    tensor (``(None, feature_units)``), read by CoverageNet's softmax and by
    :class:`~astrokeras.models.CoverageAlbedoNet`'s albedo head. Layer names are CoverageNet's."""
    bands = spectrum.shape[-1]
    x = CoverageChannels(name="channels")([spectrum, mask])
    for i, filters in enumerate(conv_filters):
        x = layers.Conv1D(filters, kernel_size, padding="same", name=f"conv_{i}")(x)
        x = layers.LeakyReLU(negative_slope=0.2, name=f"conv_{i}_act")(x)
    tokens_mask = mask
    if token_stride > 1:  # tokens of token_stride bands: attention costs token_stride**2 less
        x = layers.Conv1D(width, token_stride, strides=token_stride, name="tokens")(x)
        tokens_mask = layers.Reshape((-1,), name="token_mask")(layers.MaxPooling1D(
            token_stride, name="token_coverage")(layers.Reshape((bands, 1), name="mask_channel")(mask)))
    else:
        x = layers.Dense(width, name="tokens")(x)
    x = BandPositions(bands // token_stride, name="wavelength")(x)
    pairs = PairMask(name="pairs")(tokens_mask)
    for i in range(blocks):
        h = layers.LayerNormalization(name=f"block_{i}_norm_1")(x)
        h = layers.MultiHeadAttention(num_heads, width // num_heads, dropout=dropout,
                                      name=f"block_{i}_attention")(h, h, attention_mask=pairs)
        x = layers.Add(name=f"block_{i}_residual_1")([x, h])
        h = layers.LayerNormalization(name=f"block_{i}_norm_2")(x)
        h = layers.Dense(mlp_units, activation="gelu", name=f"block_{i}_mlp_1")(h)
        h = layers.Dense(width, name=f"block_{i}_mlp_2")(layers.Dropout(dropout, name=f"block_{i}_dropout")(h))
        x = layers.Add(name=f"block_{i}_residual_2")([x, h])
    pooled = MaskedMean(name="pool")([layers.LayerNormalization(name="final_norm")(x), tokens_mask])
    features = layers.Dense(feature_units, activation="relu", name="features")(
        layers.Dropout(dropout, name="pool_dropout")(pooled))
    return features


@keras.saving.register_keras_serializable(package="astrokeras")
class CoverageNet(PresetModel):
    """A classifier of spectra of any coverage (Keras functional model).

    Inputs ``spectrum`` (centred log-reflectance on the grid, zero where not covered) and ``mask`` (1 where
    covered) -> :class:`~astrokeras.layers.CoverageChannels` (value, mask, first difference) -> Conv1D stages
    (LeakyReLU) -> per-band Dense to ``width`` plus a learned vector per band (its wavelength) -> ``blocks``
    pre-norm transformer blocks whose multi-head self-attention only joins covered bands -> mean over the covered
    bands -> ``features`` (Dense, ReLU) -> softmax ``probabilities``; with ``groups``, also their sums per group
    (``groups``, e.g. S / C / X / Other from the 11 VIS-NIR classes), which lets coarser labels train the same
    softmax.

    Args:
        bands: number of grid bands.
        num_classes: number of classes of the softmax.
        groups: optional group index of each class.
        conv_filters, kernel_size: the Conv1D stages.
        width: token width; num_heads: attention heads; blocks: transformer blocks; mlp_units: their MLP width.
        dropout: dropout in attention, the MLPs and before the features.
        feature_units: width of the ``features`` output (read by the out-of-distribution score).
        token_stride: bands per attention token (a strided convolution makes the tokens; a token is covered
            when any of its bands is).
        **kwargs: passed to ``keras.Model``.

    Example:
        >>> CoverageNet(106, 4, width=8, mlp_units=8).get_layer("probabilities").output.shape
        (None, 4)
    """

    def __init__(self, bands: int, num_classes: int, groups=None, *, conv_filters=(32, 32), kernel_size: int = 5,
                 width: int = 64, num_heads: int = 4, blocks: int = 2, mlp_units: int = 128, dropout: float = 0.1,
                 feature_units: int = 64, token_stride: int = 1, **kwargs):
        spectrum = keras.Input((bands,), name="spectrum")
        mask = keras.Input((bands,), name="mask")
        features = coverage_features(spectrum, mask, conv_filters=conv_filters, kernel_size=kernel_size,
                                     width=width, num_heads=num_heads, blocks=blocks, mlp_units=mlp_units,
                                     dropout=dropout, feature_units=feature_units, token_stride=token_stride)
        probabilities = layers.Dense(num_classes, activation="softmax", dtype="float32",
                                     name="probabilities")(features)
        outputs = {"probabilities": probabilities, "features": layers.Activation("linear", dtype="float32",
                                                                                 name="feature_output")(features)}
        if groups is not None:
            outputs["groups"] = GroupSum(groups, dtype="float32", name="groups")(probabilities)
        kwargs.setdefault("name", "coverage_net")
        super().__init__({"spectrum": spectrum, "mask": mask}, outputs, **kwargs)
        self.bands = bands
        self.num_classes = num_classes
        self.groups = None if groups is None else [int(g) for g in groups]
        self.conv_filters = tuple(conv_filters)
        self.kernel_size = kernel_size
        self.width = width
        self.num_heads = num_heads
        self.blocks = blocks
        self.mlp_units = mlp_units
        self.dropout = dropout
        self.feature_units = feature_units
        self.token_stride = token_stride

    def get_config(self):
        return {**super().get_config(), "bands": self.bands, "num_classes": self.num_classes, "groups": self.groups,
                "conv_filters": list(self.conv_filters), "kernel_size": self.kernel_size, "width": self.width,
                "num_heads": self.num_heads, "blocks": self.blocks, "mlp_units": self.mlp_units,
                "dropout": self.dropout, "feature_units": self.feature_units, "token_stride": self.token_stride}
