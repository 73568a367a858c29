"""ASC-Net: the attention classifier of asteroid spectra (Tang et al., section 3.2).

Example
-------
>>> from astrokeras.models import asc_net
>>> model = asc_net(bands=49, num_classes=4)
>>> model.output_shape
(None, 4)
"""

from __future__ import annotations

import keras
from keras import layers

from astrokeras.layers import Diff
from astrokeras.models.attention_encoder import attention_trunk


def asc_net(
    bands: int,
    num_classes: int,
    *,
    conv_filters=(32, 64, 64),
    conv_kernels=(3, 7, 3),
    dense_units=(128, 256, 512),
    num_heads: int = 4,
    key_dim: int = 64,
    dropout: float = 0.2,
    name: str = "asc_net",
) -> keras.Model:
    """Build ASC-Net (Keras functional model, softmax output in float32).

    Spectrum (``bands`` values, normalised at 0.55 um) -> :class:`~astrokeras.layers.Diff` (spectrum and its
    first difference as two channels) -> Conv1D k=3, 7, 3 (stride 1, LeakyReLU) -> per-band Dense 128, 256,
    512 (the encoder) -> multi-head self-attention over the bands (residual + LayerNorm) -> decoder Dense 512,
    256 each added to the encoder stage of the same width (skip connections) -> flatten -> dropout -> softmax.
    The paper's values are the defaults; only ``bands`` and ``num_classes`` come from the data.

    Args:
        bands: number of wavelengths of the input spectrum.
        num_classes: number of taxonomic classes.
        conv_filters, conv_kernels: the three Conv1D stages.
        dense_units: encoder widths; the decoder mirrors the last two.
        num_heads, key_dim: multi-head attention size.
        dropout: dropout rate (attention and before the classifier).
        name: model name.

    Reference:
        Tang et al., "ASC-Net / AAE-Net / AE-trans" (the paper astrokeras implements), section 3.2.
    """
    inputs = keras.Input((bands,), name="spectrum")
    x = Diff(name="diff")(inputs)
    x = attention_trunk(x, conv_filters, conv_kernels, dense_units, num_heads, key_dim, dropout)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
