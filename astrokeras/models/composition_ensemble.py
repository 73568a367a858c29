"""CompositionEnsemble: several CompositionNets read as one network, so that the answer does not hang on a seed.

Each member predicts a mean and a 1-sigma per output. The ensemble answers with the mixture's moments: the mean of
the members' means, and ``sqrt(mean(sigma^2) + var(means))``, so its 1-sigma holds the members' own uncertainty and
the spread between them. A last fixed log-scale per output (set on a validation split with
:func:`astrokeras.training.composition_ensemble.calibrate_ensemble`) brings its coverage back to 68%.

It is one Keras model with CompositionNet's inputs (``spectrum``, ``mask``) and outputs (``modal``,
``chemistry``: means then log-sigmas), so :func:`~astrokeras.models.composition_net.split_outputs`, the SavedModel
and TFLite exports, the serving layout and :func:`astrokeras.analyze` read it exactly as a single CompositionNet.

Example
-------
>>> import numpy as np
>>> from astrokeras.models.composition_net import CompositionNet, split_outputs
>>> members = [CompositionNet(16, width=8, mlp_units=8, head_units=8, patch=4, conv_filters=4) for _ in range(2)]
>>> ensemble = CompositionEnsemble(members)
>>> x = {"spectrum": np.ones((3, 16)), "mask": np.ones((3, 16))}
>>> parts = split_outputs(ensemble.predict(x, verbose=0))
>>> parts["modal"].shape, bool(np.allclose(parts["modal"].sum(axis=1), 1.0, atol=1e-5))
((3, 4), True)
>>> [m.name for m in ensemble.members]
['member_0', 'member_1']
"""

from __future__ import annotations

import keras
from keras import ops

from astrokeras.models.composition_net import CompositionNet
from astrokeras.models.preset_model import PresetModel

OUTPUTS = ("modal", "chemistry")


@keras.saving.register_keras_serializable(package="astrokeras")
class EnsembleMoments(keras.layers.Layer):
    """K packed outputs ``[means (n), log_sigmas (n)]`` -> the mixture's ``[mean, log_sigma + log_scale]``.

    ``mean = mean_k(mean_k)``; ``sigma^2 = mean_k(sigma_k^2) + var_k(mean_k)``; ``log_scale`` (one per output,
    not trainable, zero when built) is the calibration.

    Example:
        >>> a = ops.convert_to_tensor([[0.2, 0.0]])            # mean 0.2, sigma 1
        >>> b = ops.convert_to_tensor([[0.4, 0.0]])            # mean 0.4, sigma 1
        >>> out = ops.convert_to_numpy(EnsembleMoments(1)([a, b]))[0]
        >>> round(float(out[0]), 4), round(float(out[1]), 4)   # 0.3; log sqrt(1 + 0.01)
        (0.3, 0.005)
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        self.log_scale = self.add_weight(name="log_scale", shape=(self.units,), initializer="zeros", trainable=False)

    def call(self, packed):
        stacked = ops.stack(packed, axis=0)  # (members, batch, 2 units)
        means, log_sigmas = stacked[..., :self.units], stacked[..., self.units:]
        mean = ops.mean(means, axis=0)
        variance = ops.mean(ops.exp(2.0 * log_sigmas), axis=0) + ops.mean(ops.square(means - mean[None]), axis=0)
        log_sigma = 0.5 * ops.log(variance) + ops.cast(self.log_scale, variance.dtype)[None]
        return ops.concatenate([mean, log_sigma], axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _named(member: keras.Model, name: str) -> keras.Model:
    """``member`` itself when it is already called ``name``, else a copy so named (same weights): a functional
    model's layers need unique names, and every CompositionNet is built as ``composition_net``."""
    if member.name == name:
        return member
    copy = member.__class__.from_config({**member.get_config(), "name": name})
    copy.set_weights(member.get_weights())
    return copy


@keras.saving.register_keras_serializable(package="astrokeras")
class CompositionEnsemble(PresetModel):
    """The mean of ``members`` (CompositionNets on one grid, or their serialized configs) with the mixture's
    1-sigma; see the module docstring. ``members[i]`` is kept as ``member_i``."""

    def __init__(self, members, **kwargs):
        if not members:
            raise ValueError("CompositionEnsemble needs at least one member")
        members = [m if isinstance(m, keras.Model) else keras.saving.deserialize_keras_object(m) for m in members]
        members = [_named(m, f"member_{i}") for i, m in enumerate(members)]
        first = members[0]
        strangers = [m.name for m in members if not isinstance(m, CompositionNet)
                     or (m.bands, m.minerals, m.chemistry) != (first.bands, first.minerals, first.chemistry)]
        if strangers:
            raise ValueError(f"members {strangers} are not CompositionNets with the first one's grid and outputs")
        spectrum = keras.Input((first.bands,), name="spectrum")
        mask = keras.Input((first.bands,), name="mask")
        answers = [m({"spectrum": spectrum, "mask": mask}) for m in members]
        sizes = {"modal": len(first.minerals), "chemistry": len(first.chemistry)}
        outputs = {key: EnsembleMoments(sizes[key], name=f"{key}_ensemble", dtype="float32")(
            [a[key] for a in answers]) for key in OUTPUTS}
        kwargs.setdefault("name", "composition_ensemble")
        super().__init__({"spectrum": spectrum, "mask": mask}, outputs, **kwargs)
        self.members = members
        self.bands, self.minerals, self.chemistry = first.bands, first.minerals, first.chemistry

    def get_config(self):
        return {**super().get_config(),
                "members": [keras.saving.serialize_keras_object(m) for m in self.members]}
