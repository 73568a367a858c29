"""AAE-Net: geometric albedo from the spectrum and its class (Tang et al.).

Example
-------
>>> from astrokeras.models import AAENet
>>> model = AAENet(bands=201, num_classes=11)
>>> [tuple(i.shape) for i in model.inputs], model.output_shape
([(None, 201), (None, 11)], (None, 2))
"""

from __future__ import annotations

import keras
from keras import layers

from astrokeras.layers import Diff
from astrokeras.models.attention_encoder import attention_trunk
from astrokeras.models.preset_model import PresetModel


@keras.saving.register_keras_serializable(package="astrokeras")
class AAENet(PresetModel):
    """AAE-Net: ASC-Net's encoder with the class information fused at the input and before the output.

    Inputs: ``spectrum`` (``bands``) and ``class_probabilities`` (``num_classes``, e.g. ASC-Net's softmax or a
    one-hot class). The class vector is repeated along the bands and concatenated with the
    :class:`~astrokeras.layers.Diff` channels (fusion at the input), and concatenated again with the
    flattened features before the output head. Output ``albedo``: ``[mean, log_sigma]`` of the target (train
    with :class:`~astrokeras.losses.GaussianNLL`) when ``uncertainty``, else one value.

    Args:
        bands, num_classes: input sizes.
        conv_filters, conv_kernels, dense_units, num_heads, key_dim, dropout: as in
            :class:`~astrokeras.models.ASCNet` (the paper's values are the defaults).
        uncertainty: predict a mean and a log standard deviation (True) or a single value (False).
        **kwargs: passed to ``keras.Model``.

    Example:
        >>> AAENet(16, 3, dense_units=(8, 8, 8), key_dim=4, uncertainty=False).output_shape
        (None, 1)

    Reference:
        Tang et al. (the paper astrokeras implements), AAE-Net.
    """

    def __init__(self, bands: int, num_classes: int, *, conv_filters=(32, 64, 64), conv_kernels=(3, 7, 3),
                 dense_units=(128, 256, 512), num_heads: int = 4, key_dim: int = 64, dropout: float = 0.2,
                 uncertainty: bool = True, **kwargs):
        spectrum = keras.Input((bands,), name="spectrum")
        classes = keras.Input((num_classes,), name="class_probabilities")
        x = layers.Concatenate(name="input_fusion")([Diff(name="diff")(spectrum),
                                                     layers.RepeatVector(bands, name="class_per_band")(classes)])
        x = attention_trunk(x, conv_filters, conv_kernels, dense_units, num_heads, key_dim, dropout)
        x = layers.Dropout(dropout, name="dropout")(layers.Flatten(name="flatten")(x))
        x = layers.Concatenate(name="output_fusion")([x, classes])
        x = layers.Dense(64, name="head")(x)
        x = layers.LeakyReLU(negative_slope=0.2, name="head_act")(x)
        # Zero-initialised output: an untrained AAE-Net predicts no deviation from the class prior (and a
        # mid-range sigma), so the first steps do not see huge residuals that push log-sigma to its bound.
        outputs = layers.Dense(2 if uncertainty else 1, dtype="float32", kernel_initializer="zeros",
                               name="albedo")(x)
        kwargs.setdefault("name", "aae_net")
        super().__init__([spectrum, classes], outputs, **kwargs)
        self.bands = bands
        self.num_classes = num_classes
        self.conv_filters = tuple(conv_filters)
        self.conv_kernels = tuple(conv_kernels)
        self.dense_units = tuple(dense_units)
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.dropout = dropout
        self.uncertainty = uncertainty

    def get_config(self):
        return {**super().get_config(), "bands": self.bands, "num_classes": self.num_classes,
                "conv_filters": list(self.conv_filters), "conv_kernels": list(self.conv_kernels),
                "dense_units": list(self.dense_units), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "dropout": self.dropout, "uncertainty": self.uncertainty}
