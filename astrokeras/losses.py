"""Custom Keras losses (registered, so ``.keras`` files load without ``custom_objects``).

Example
-------
>>> import numpy as np
>>> from astrokeras.losses import GaussianNLL
>>> y = np.array([[0.0]], "float32"); pred = np.array([[0.0, 0.0]], "float32")   # mean 0, log-sigma 0
>>> float(GaussianNLL()(y, pred))
0.0
"""

from __future__ import annotations

import keras
from keras import ops


LOG_SIGMA_MIN, LOG_SIGMA_MAX = -3.0, 2.0


@keras.saving.register_keras_serializable(package="astrokeras")
class GaussianNLL(keras.losses.Loss):
    """Negative log-likelihood of ``y_true`` under a normal distribution predicted as ``[mean, log_sigma]``.

    ``0.5 * ((y - mean) / sigma)**2 + log_sigma`` (the constant dropped), computed in float32 whatever the
    model's precision; ``log_sigma`` is clipped to [-3, 2] (sigma >= 0.05) so a collapsing sigma cannot blow
    up the gradients. Trains a mean and its 1-sigma
    uncertainty together (AAE-Net predicts log10 albedo this way).

    Args:
        name: loss name.
        **kwargs: passed to ``keras.losses.Loss`` (``reduction``...).
    """

    def __init__(self, name: str = "gaussian_nll", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        y_true = ops.cast(ops.reshape(y_true, (-1,)), "float32")
        y_pred = ops.cast(y_pred, "float32")
        mean, log_sigma = y_pred[:, 0], ops.clip(y_pred[:, 1], LOG_SIGMA_MIN, LOG_SIGMA_MAX)
        return 0.5 * ops.square((y_true - mean) * ops.exp(-log_sigma)) + log_sigma
