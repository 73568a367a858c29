"""CoverageAlbedoNet: AAE-Net's albedo head on CoverageNet's trunk, so one network reads the albedo from a
spectrum of any coverage (visible, VIS-NIR, near-infrared) and can train on visible and VIS-NIR data sets at once.

Example
-------
>>> import numpy as np
>>> from astrokeras.models import CoverageAlbedoNet
>>> model = CoverageAlbedoNet(106, 15, width=16, mlp_units=16, feature_units=16)
>>> out = model.predict({"spectrum": np.zeros((2, 106)), "mask": np.ones((2, 106)),
...                      "class_probabilities": np.full((2, 15), 1 / 15)}, verbose=0)
>>> out.shape, float(np.abs(out).max())       # zero-initialised: no deviation from the class prior yet
((2, 2), 0.0)
"""

from __future__ import annotations

import keras
from keras import layers

from astrokeras.models.coverage_net import coverage_features
from astrokeras.models.preset_model import PresetModel


@keras.saving.register_keras_serializable(package="astrokeras")
class CoverageAlbedoNet(PresetModel):
    """Albedo (deviation from the class prior, with a log-sigma) from a spectrum of any coverage.

    Inputs ``spectrum`` and ``mask`` as :class:`~astrokeras.models.CoverageNet` (centred log-reflectance on
    :data:`astrokeras.spectra.coverage.MASTER_GRID`, the coverage mask) and ``class_probabilities`` -> CoverageNet's trunk
    (:func:`~astrokeras.models.coverage_net.coverage_features`) -> the features concatenated with the class
    probabilities (AAE-Net's output fusion) -> Dense 64 (LeakyReLU) -> ``albedo``: ``[mean, log_sigma]`` of the
    target, zero-initialised (train with :class:`~astrokeras.losses.GaussianNLL`).

    Args:
        bands: grid bands; num_classes: length of the class-probability vector.
        conv_filters, kernel_size, width, num_heads, blocks, mlp_units, dropout, feature_units, token_stride:
            CoverageNet's trunk.
        taxonomy_classes: with a number of classes, a second output ``taxonomy`` (softmax on the same features),
            for multitask training; the outputs are then a dict ``{"albedo", "taxonomy"}``.
        **kwargs: passed to ``keras.Model``.
    """

    def __init__(self, bands: int, num_classes: int, *, conv_filters=(32, 32), kernel_size: int = 5, width: int = 32,
                 num_heads: int = 4, blocks: int = 2, mlp_units: int = 64, dropout: float = 0.1,
                 feature_units: int = 64, token_stride: int = 2, taxonomy_classes: int = 0, **kwargs):
        spectrum = keras.Input((bands,), name="spectrum")
        mask = keras.Input((bands,), name="mask")
        classes = keras.Input((num_classes,), name="class_probabilities")
        features = coverage_features(spectrum, mask, conv_filters=conv_filters, kernel_size=kernel_size,
                                     width=width, num_heads=num_heads, blocks=blocks, mlp_units=mlp_units,
                                     dropout=dropout, feature_units=feature_units, token_stride=token_stride)
        x = layers.Concatenate(name="output_fusion")([features, classes])
        x = layers.LeakyReLU(negative_slope=0.2, name="head_act")(layers.Dense(64, name="head")(x))
        outputs = layers.Dense(2, dtype="float32", kernel_initializer="zeros", name="albedo")(x)
        if taxonomy_classes:  # multitask: a softmax over the classes from the same features
            outputs = {"albedo": outputs, "taxonomy": layers.Dense(taxonomy_classes, activation="softmax",
                                                                   dtype="float32", name="taxonomy")(features)}
        kwargs.setdefault("name", "coverage_albedo_net")
        super().__init__({"spectrum": spectrum, "mask": mask, "class_probabilities": classes}, outputs, **kwargs)
        self.bands = bands
        self.num_classes = num_classes
        self.conv_filters = tuple(conv_filters)
        self.kernel_size = kernel_size
        self.width = width
        self.num_heads = num_heads
        self.blocks = blocks
        self.mlp_units = mlp_units
        self.dropout = dropout
        self.feature_units = feature_units
        self.token_stride = token_stride
        self.taxonomy_classes = taxonomy_classes

    def get_config(self):
        return {**super().get_config(), "bands": self.bands, "num_classes": self.num_classes,
                "conv_filters": list(self.conv_filters), "kernel_size": self.kernel_size, "width": self.width,
                "num_heads": self.num_heads, "blocks": self.blocks, "mlp_units": self.mlp_units,
                "dropout": self.dropout, "feature_units": self.feature_units, "token_stride": self.token_stride,
                "taxonomy_classes": self.taxonomy_classes}
