"""ASC-Net: the attention classifier of asteroid spectra (Tang et al., section 3.2).

Example
-------
>>> from astrokeras.models import ASCNet
>>> model = ASCNet(bands=49, num_classes=4)
>>> model.output_shape
(None, 4)
"""

from __future__ import annotations

import keras
from keras import layers

from astrokeras.layers import Diff
from astrokeras.models.attention_encoder import attention_trunk
from astrokeras.models.preset_model import PresetModel


@keras.saving.register_keras_serializable(package="astrokeras")
class ASCNet(PresetModel):
    """ASC-Net, a Keras functional model with a softmax output in float32.

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
        **kwargs: passed to ``keras.Model`` (``name``...).

    Example:
        >>> ASCNet(201, 11, dense_units=(8, 16, 32), key_dim=4).input_shape
        (None, 201)

    Reference:
        Tang et al., "ASC-Net / AAE-Net / AE-trans" (the paper astrokeras implements), section 3.2.
    """

    def __init__(self, bands: int, num_classes: int, *, conv_filters=(32, 64, 64), conv_kernels=(3, 7, 3),
                 dense_units=(128, 256, 512), num_heads: int = 4, key_dim: int = 64, dropout: float = 0.2,
                 **kwargs):
        inputs = keras.Input((bands,), name="spectrum")
        x = Diff(name="diff")(inputs)
        x = attention_trunk(x, conv_filters, conv_kernels, dense_units, num_heads, key_dim, dropout)
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="probabilities")(x)
        kwargs.setdefault("name", "asc_net")
        super().__init__(inputs, outputs, **kwargs)
        self.bands = bands
        self.num_classes = num_classes
        self.conv_filters = tuple(conv_filters)
        self.conv_kernels = tuple(conv_kernels)
        self.dense_units = tuple(dense_units)
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.dropout = dropout

    def get_config(self):
        return {**super().get_config(), "bands": self.bands, "num_classes": self.num_classes,
                "conv_filters": list(self.conv_filters), "conv_kernels": list(self.conv_kernels),
                "dense_units": list(self.dense_units), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "dropout": self.dropout}
