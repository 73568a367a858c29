"""Custom Keras pieces of the composition network: a scale-free input layer, the sigma calibration layer and the
masked Gaussian negative log-likelihood (all registered: ``.keras`` files load without custom_objects).

Example
-------
>>> import numpy as np
>>> from astrokeras.composition_layers import MaskedLogCentre
>>> x = MaskedLogCentre()([np.array([[1.0, 2.0, 4.0, 9.0]], "float32"), np.array([[1.0, 1.0, 1.0, 0.0]], "float32")])
>>> [round(float(v), 4) for v in np.asarray(x)[0]]   # log 2 is the mean log over the covered bands; 0 outside
[-0.6931, 0.0, 0.6931, 0.0]
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="astrokeras")
class MaskedLogCentre(keras.layers.Layer):
    """Log-reflectance minus its mean over the covered bands, zero where not covered:
    ``[spectrum (batch, B), mask (batch, B)] -> (batch, B)``.

    The network then reads the shape of the spectrum whatever its scale (normalised at 0.55 um, at its first
    band, or not at all), which lets one network read a VIS-NIR spectrum and a near-infrared-only one (Hayabusa
    NIRS, 0.82-2.08 um) alike.

    Args:
        floor: reflectances below this are raised to it before the log (guards against zeros in uncovered bands).
        **kwargs: passed to ``keras.layers.Layer``.
    """

    def __init__(self, floor: float = 1e-3, **kwargs):
        super().__init__(**kwargs)
        self.floor = float(floor)

    def call(self, inputs):
        spectrum, mask = inputs
        mask = ops.cast(mask, spectrum.dtype)
        logs = ops.log(ops.maximum(spectrum, self.floor)) * mask
        mean = ops.sum(logs, axis=1, keepdims=True) / ops.maximum(ops.sum(mask, axis=1, keepdims=True), 1.0)
        return ops.where(mask > 0, logs - mean, ops.zeros_like(logs))

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "floor": self.floor}


@keras.saving.register_keras_serializable(package="astrokeras")
class SigmaCalibration(keras.layers.Layer):
    """Add a fixed (non-trainable) log scale to predicted log-sigmas: ``(batch, K) -> (batch, K)``.

    Zero (no change) when built; :func:`astrokeras.training.composition.calibrate_sigma` sets it after training
    from a validation split, so that about 68% of validation residuals fall within one predicted sigma. Saved with
    the weights, so a loaded model predicts calibrated sigmas.

    Args:
        units: number of log-sigmas.
        **kwargs: passed to ``keras.layers.Layer``.

    Example:
        >>> layer = SigmaCalibration(2); _ = layer(keras.ops.zeros((1, 2)))
        >>> _ = layer.log_scale.assign([0.5, -1.0]); keras.ops.convert_to_numpy(layer(keras.ops.zeros((1, 2)))).tolist()
        [[0.5, -1.0]]
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        self.log_scale = self.add_weight(name="log_scale", shape=(self.units,), initializer="zeros", trainable=False)

    def call(self, log_sigma):
        return log_sigma + ops.cast(self.log_scale, log_sigma.dtype)[None]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="astrokeras")
class MaskedGaussianNLL(keras.losses.Loss):
    """Squared error of the means plus a Gaussian NLL of the residuals, over the labels that are present.

    ``y_pred`` is ``[means (K), log_sigmas (K)]`` per sample; ``y_true`` the K labels with NaN where a label is
    missing (a chemistry without its mineral, an unmeasured value): a missing label contributes nothing, whatever
    is predicted for it. Per sample: ``sum_present[(y - mean)^2 + nll_weight * (0.5 ((y - mean') / sigma)^2 +
    log_sigma)] / K``, where ``mean'`` is the mean with its gradient stopped: the means learn from the squared
    error only (the RMSE the tables score) and the sigmas learn the size of the residuals. Computed in float32.

    Args:
        size: K, the number of labels.
        nll_weight: weight of the NLL term.
        name: loss name.
        **kwargs: passed to ``keras.losses.Loss``.

    Example:
        >>> import numpy as np
        >>> loss = MaskedGaussianNLL(2, nll_weight=0.0)
        >>> pred = np.array([[0.5, 0.9, 0.0, 0.0]], "float32")
        >>> float(loss(np.array([[0.3, np.nan]], "float32"), pred)) == float(loss(np.array([[0.3, 0.0]], "float32"),
        ...     np.array([[0.5, 0.0, 0.0, 0.0]], "float32")))                           # the NaN label is ignored
        True
    """

    def __init__(self, size: int, nll_weight: float = 0.1, name: str = "masked_gaussian_nll", **kwargs):
        super().__init__(name=name, **kwargs)
        self.size = int(size)
        self.nll_weight = float(nll_weight)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "float32")
        y_pred = ops.cast(y_pred, "float32")
        mean, log_sigma = y_pred[:, : self.size], y_pred[:, self.size:]
        present = ops.logical_not(ops.isnan(y_true))
        target = ops.where(present, y_true, ops.zeros_like(y_true))
        weight = ops.cast(present, "float32")
        squared = ops.square(target - mean)
        standardised = (target - ops.stop_gradient(mean)) * ops.exp(-log_sigma)
        nll = 0.5 * ops.square(standardised) + log_sigma
        return ops.sum(weight * (squared + self.nll_weight * nll), axis=-1) / self.size

    def get_config(self):
        return {**super().get_config(), "size": self.size, "nll_weight": self.nll_weight}
