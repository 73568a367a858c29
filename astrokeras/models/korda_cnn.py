"""KordaCNN: the two-layer convolutional composition network of Korda et al. 2023, rebuilt as a baseline row.

Layout as in their published model (read from their code: ``docs/korda2023.md``): BatchNorm on the input ->
Conv1D(24, kernel 5, ReLU, L1 0.005) -> BatchNorm -> Dropout 0.3 -> Conv1D(8, kernel 5, ReLU, L1 0.005) ->
BatchNorm -> Flatten -> Dropout 0.4 -> the outputs. Theirs is one Dense(10) whose groups (modal; each mineral's
end-members) are sigmoids divided by their sum; here the modal output is a softmax over OL / OPX / CPX / PLG and
the chemistry output (Fa, Fs and Wo of OPX and CPX, mole fractions) a sigmoid, the labels astrokeras has. Trained
with their loss, :class:`ModalWeightedMSE` (the chemistry errors weighted by the true modal abundance of their
mineral, times 0.1).

Example
-------
>>> import numpy as np
>>> from astrokeras.models.korda_cnn import KordaCNN
>>> model = KordaCNN(201)
>>> {k: v.shape for k, v in model.predict(np.ones((2, 201)), verbose=0).items()}
{'modal': (2, 4), 'chemistry': (2, 5)}
>>> model.count_params() < 20000
True

Reference: Korda, D., Penttilä, A., Klami, A., Kohout, T. 2023, "Neural network for determining the
characteristic of asteroids' compositions", A&A 669, A101.
"""

from __future__ import annotations

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="astrokeras")
class KordaCNN(keras.Model):
    """Args:
        bands: length of the input spectrum (normalised at 0.55 um).
        minerals: modal outputs (softmax).
        chemistry: chemistry outputs (sigmoid).
        filters, kernel_size, dropout, l1: their published settings.
    """

    def __init__(self, bands: int, minerals: int = 4, chemistry: int = 5, filters=(24, 8), kernel_size: int = 5,
                 dropout=(0.3, 0.4), l1: float = 0.005, **kwargs):
        spectrum = keras.Input((bands,), name="spectrum")
        x = layers.Reshape((bands, 1))(spectrum)
        x = layers.BatchNormalization()(x)
        for k, count in enumerate(filters):
            regulariser = keras.regularizers.L1(l1)
            x = layers.Conv1D(count, kernel_size, activation="relu", kernel_regularizer=regulariser,
                              bias_regularizer=keras.regularizers.L1(l1))(x)
            x = layers.BatchNormalization()(x)
            if k == 0:
                x = layers.Dropout(dropout[0])(x)
        x = layers.Dropout(dropout[1])(layers.Flatten()(x))
        outputs = {"modal": layers.Dense(minerals, activation="softmax", name="modal")(x),
                   "chemistry": layers.Dense(chemistry, activation="sigmoid", name="chemistry")(x)}
        super().__init__(spectrum, outputs, **kwargs)
        self.bands, self.minerals, self.chemistry = bands, minerals, chemistry
        self.filters, self.kernel_size, self.dropout, self.l1 = tuple(filters), kernel_size, tuple(dropout), l1

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "bands": self.bands, "minerals": self.minerals,
                "chemistry": self.chemistry, "filters": list(self.filters), "kernel_size": self.kernel_size,
                "dropout": list(self.dropout), "l1": self.l1}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="astrokeras")
class ModalWeightedMSE(keras.losses.Loss):
    """Korda et al.'s chemistry loss: ``y_true`` holds the labels and, after them, their weights (the true modal
    abundance of the label's mineral, 0 where the label is missing); the squared errors are weighted, summed over
    labels and scaled by ``alpha``.

    >>> import numpy as np
    >>> loss = ModalWeightedMSE(alpha=1.0)
    >>> float(loss(np.array([[0.2, 0.5, 1.0, 0.0]]), np.array([[0.4, 0.9]])))  # only the first label counts
    0.04...
    """

    def __init__(self, alpha: float = 0.1, name: str = "modal_weighted_mse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.alpha = alpha

    def call(self, y_true, y_pred):
        y_true = keras.ops.cast(y_true, "float32")
        y_pred = keras.ops.cast(y_pred, "float32")
        count = keras.ops.shape(y_pred)[-1]
        labels, weights = y_true[..., :count], y_true[..., count:]
        return self.alpha * keras.ops.sum(weights * keras.ops.square(labels - y_pred), axis=-1)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
