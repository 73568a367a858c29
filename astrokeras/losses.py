"""Custom Keras losses (registered, so ``.keras`` files load without ``custom_objects``).

Example
-------
>>> import numpy as np
>>> from astrokeras.losses import GaussianNLL
>>> y = np.array([[0.0]], "float32"); pred = np.array([[0.0, -1.5]], "float32")  # mean 0, log-sigma -1.5
>>> round(float(GaussianNLL()(y, pred)), 4)                                        # the NLL is log-sigma here
-1.5
"""

from __future__ import annotations

import keras
import numpy as np  # noqa: F401  (used by the docstring examples)
from keras import ops

from astrokeras.evaluation import sigma_bounds
from astrokeras.evaluation.sigma_bounds import LOG_SIGMA_MAX, LOG_SIGMA_MIN  # noqa: F401  (re-exported)


def bounded_log_sigma(raw):
    """:func:`astrokeras.evaluation.sigma_bounds.bounded_log_sigma` on tensors (``keras.ops.tanh``): the raw output mapped
    smoothly into [LOG_SIGMA_MIN, LOG_SIGMA_MAX], so it keeps a gradient everywhere.

    >>> round(float(bounded_log_sigma(np.float32(-1.5))), 4), round(float(bounded_log_sigma(np.float32(50.0))), 4)
    (-1.5, 0.0)
    """
    return sigma_bounds.bounded_log_sigma(raw, tanh=ops.tanh)


@keras.saving.register_keras_serializable(package="astrokeras")
class GaussianNLL(keras.losses.Loss):
    """Negative log-likelihood of ``y_true`` under a normal distribution predicted as ``[mean, log_sigma]``.

    ``0.5 * ((y - mean) / sigma)**2 + log_sigma`` (the constant dropped), computed in float32 whatever the
    model's precision, with ``log_sigma = bounded_log_sigma(raw)`` in [-3, 0] (sigma 0.05 to 1) so a collapsing
    sigma cannot blow up the gradients and an exploding one cannot freeze them. Trains a mean and its 1-sigma
    uncertainty together (AAE-Net predicts log10 albedo this way; read sigma with ``exp(bounded_log_sigma(raw))``).

    With ``beta`` > 0 it is the beta-NLL of Seitzer et al. (2022, ICLR, "On the pitfalls of heteroscedastic
    uncertainty estimation"): each row's NLL is weighted by ``sigma ** (2 * beta)``, held constant in the
    gradient, so rows predicted with a large sigma (a wide class, like the X complex's albedos) still pull the mean:
    ``beta`` 0 is the plain NLL, 1 gives the mean the gradient of a squared error.

    Args:
        beta: the beta-NLL exponent, 0 (plain NLL) to 1.
        name: loss name.
        **kwargs: passed to ``keras.losses.Loss`` (``reduction``...).

    Example:
        >>> y, pred = np.array([[1.0]], "float32"), np.array([[0.0, -1.5]], "float32")  # log-sigma -1.5
        >>> nll = 0.5 * np.exp(3.0) - 1.5                                                 # the plain NLL
        >>> bool(np.isclose(float(GaussianNLL(beta=0.5)(y, pred)), np.exp(-1.5) * nll))   # weighted by sigma
        True
    """

    def __init__(self, beta: float = 0.0, name: str = "gaussian_nll", **kwargs):
        super().__init__(name=name, **kwargs)
        if not 0.0 <= beta <= 1.0:
            raise ValueError(f"beta must be between 0 and 1, got {beta}")
        self.beta = float(beta)

    def call(self, y_true, y_pred):
        y_true = ops.cast(ops.reshape(y_true, (-1,)), "float32")
        y_pred = ops.cast(y_pred, "float32")
        mean, log_sigma = y_pred[:, 0], bounded_log_sigma(y_pred[:, 1])
        nll = 0.5 * ops.square((y_true - mean) * ops.exp(-log_sigma)) + log_sigma
        if self.beta:
            nll = nll * ops.stop_gradient(ops.exp(2.0 * self.beta * log_sigma))
        return nll

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


def spectral_angle(y_true, y_pred):
    """Spectral angle (radians) between rows, in float32, with the cosine clipped to [-1, 1]."""
    y_true = ops.cast(y_true, "float32")
    y_pred = ops.cast(y_pred, "float32")
    dot = ops.sum(y_true * y_pred, axis=-1)
    norm = ops.sqrt(ops.sum(ops.square(y_true), axis=-1) * ops.sum(ops.square(y_pred), axis=-1))
    return ops.arccos(ops.clip(dot / ops.maximum(norm, 1e-12), -1.0 + 1e-7, 1.0 - 1e-7))


@keras.saving.register_keras_serializable(package="astrokeras")
class SAD(keras.losses.Loss):
    """Spectral angle distance, the mean angle (radians) between true and reconstructed spectra.

    Example:
        >>> round(float(SAD()(np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]]))), 4)   # 45 degrees
        0.7854
    """

    def __init__(self, name: str = "sad", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        return spectral_angle(y_true, y_pred)


@keras.saving.register_keras_serializable(package="astrokeras")
class SID(keras.losses.Loss):
    """Spectral information divergence: symmetric KL divergence between spectra scaled to unit sum.

    Example:
        >>> round(float(SID()(np.array([[1.0, 2.0]]), np.array([[2.0, 4.0]]))), 6)   # same shape, any scale
        0.0
    """

    def __init__(self, name: str = "sid", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        p = ops.cast(y_true, "float32") + 1e-7
        q = ops.cast(y_pred, "float32") + 1e-7
        p = p / ops.sum(p, axis=-1, keepdims=True)
        q = q / ops.sum(q, axis=-1, keepdims=True)
        return ops.sum(p * ops.log(p / q), axis=-1) + ops.sum(q * ops.log(q / p), axis=-1)


@keras.saving.register_keras_serializable(package="astrokeras")
class MSESAD(keras.losses.Loss):
    """The AE-trans reconstruction loss ``beta * MSE + gamma * SAD`` (float32).

    Args:
        beta: weight of the mean squared error.
        gamma: weight of the spectral angle distance.
        name: loss name.
    """

    def __init__(self, beta: float = 1.0, gamma: float = 0.1, name: str = "mse_sad", **kwargs):
        super().__init__(name=name, **kwargs)
        self.beta = beta
        self.gamma = gamma

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "float32")
        y_pred = ops.cast(y_pred, "float32")
        mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
        return self.beta * mse + self.gamma * spectral_angle(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), "beta": self.beta, "gamma": self.gamma}


@keras.saving.register_keras_serializable(package="astrokeras")
class SADMetric(keras.metrics.MeanMetricWrapper):
    """Mean spectral angle (radians) as a Keras metric."""

    def __init__(self, name: str = "sad", dtype=None):
        super().__init__(spectral_angle, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
