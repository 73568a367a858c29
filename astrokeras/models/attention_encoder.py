"""The trunk ASC-Net and AAE-Net share: Conv1D stages -> per-band Dense encoder -> self-attention -> Dense decoder
with skip connections (Tang et al., section 3.2).

Example
-------
>>> import keras
>>> from astrokeras.models.attention_encoder import attention_trunk
>>> x = keras.Input((49, 2))
>>> tuple(attention_trunk(x, (4, 4, 4), (3, 7, 3), (8, 16, 32), 2, 4, 0.2).shape)
(None, 49, 16)
"""

from __future__ import annotations

from keras import layers


def attention_trunk(x, conv_filters, conv_kernels, dense_units, num_heads, key_dim, dropout):
    """Apply the shared trunk to a ``(batch, bands, channels)`` tensor; returns ``(batch, bands, dense_units[1])``.

    Conv1D ``conv_filters`` / ``conv_kernels`` (stride 1, same padding, LeakyReLU) -> Dense ``dense_units`` per
    band (the encoder) -> multi-head self-attention over the bands (residual + LayerNorm) -> Dense of the encoder
    widths in reverse (all but the first), each added to the encoder stage of the same width.
    """
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
    return x
