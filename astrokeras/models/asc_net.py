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
    for i, (filters, kernel) in enumerate(zip(conv_filters, conv_kernels)):
        x = layers.Conv1D(filters, kernel, padding="same", name=f"conv_{i}")(x)
        x = layers.LeakyReLU(negative_slope=0.2, name=f"conv_{i}_act")(x)
    encoder = []
    for i, units in enumerate(dense_units):
        x = layers.Dense(units, name=f"encoder_{i}")(x)
        x = layers.LeakyReLU(negative_slope=0.2, name=f"encoder_{i}_act")(x)
        encoder.append(x)
    attended = layers.MultiHeadAttention(num_heads, key_dim, dropout=dropout, name="attention")(x, x)
    x = layers.LayerNormalization(name="attention_norm")(layers.Add(name="attention_residual")([x, attended]))
    for i in reversed(range(1, len(dense_units))):  # decoder 512, 256: each added to the encoder stage of its width
        x = layers.Dense(dense_units[i], name=f"decoder_{i}")(x)
        x = layers.LeakyReLU(negative_slope=0.2, name=f"decoder_{i}_act")(x)
        x = layers.Add(name=f"skip_{i}")([x, encoder[i]])
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
