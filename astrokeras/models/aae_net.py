"""AAE-Net: geometric albedo from the spectrum and its class (Tang et al.).

Example
-------
>>> from astrokeras.models import aae_net
>>> model = aae_net(bands=201, num_classes=11)
>>> [tuple(i.shape) for i in model.inputs], model.output_shape
([(None, 201), (None, 11)], (None, 2))
"""

from __future__ import annotations

import keras
from keras import layers

from astrokeras.layers import Diff
from astrokeras.models.attention_encoder import attention_trunk


def aae_net(
    bands: int,
    num_classes: int,
    *,
    conv_filters=(32, 64, 64),
    conv_kernels=(3, 7, 3),
    dense_units=(128, 256, 512),
    num_heads: int = 4,
    key_dim: int = 64,
    dropout: float = 0.2,
    uncertainty: bool = True,
    name: str = "aae_net",
) -> keras.Model:
    """Build AAE-Net: ASC-Net's encoder with the class information fused at the input and before the output.

    Inputs: ``spectrum`` (``bands``) and ``class_probabilities`` (``num_classes``, e.g. ASC-Net's softmax or a
    one-hot class). The class vector is repeated along the bands and concatenated with the
    :class:`~astrokeras.layers.Diff` channels (fusion at the input), and concatenated again with the
    flattened features before the output head. Output ``albedo``: ``[mean, log_sigma]`` of the target (train
    with :class:`~astrokeras.losses.GaussianNLL`) when ``uncertainty``, else one value.

    Args:
        bands, num_classes: input sizes.
        conv_filters, conv_kernels, dense_units, num_heads, key_dim, dropout: as in
            :func:`~astrokeras.models.asc_net` (the paper's values are the defaults).
        uncertainty: predict a mean and a log standard deviation (True) or a single value (False).
        name: model name.

    Reference:
        Tang et al. (the paper astrokeras implements), AAE-Net.
    """
    spectrum = keras.Input((bands,), name="spectrum")
    classes = keras.Input((num_classes,), name="class_probabilities")
    x = layers.Concatenate(name="input_fusion")([Diff(name="diff")(spectrum),
                                                 layers.RepeatVector(bands, name="class_per_band")(classes)])
    x = attention_trunk(x, conv_filters, conv_kernels, dense_units, num_heads, key_dim, dropout)
    x = layers.Dropout(dropout, name="dropout")(layers.Flatten(name="flatten")(x))
    x = layers.Concatenate(name="output_fusion")([x, classes])
    x = layers.Dense(64, name="head")(x)
    x = layers.LeakyReLU(negative_slope=0.2, name="head_act")(x)
    # Zero-initialised output: an untrained AAE-Net predicts no deviation from the class prior (and a mid-range
    # sigma), so the first steps do not see huge residuals that push log-sigma to its bound.
    outputs = layers.Dense(2 if uncertainty else 1, dtype="float32", kernel_initializer="zeros", name="albedo")(x)
    return keras.Model([spectrum, classes], outputs, name=name)
