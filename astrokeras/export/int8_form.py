"""The form of a model that full-integer (int8) exports convert: the same float outputs, tensors with small ranges.

An int8 tensor has 256 steps over its calibrated range, so one extreme value coarsens every other. Two layers
write such values where nothing downstream reads them:

* Keras's masked softmax writes -1e9 into masked attention scores (see
  :mod:`astrokeras.export.bounded_attention`);
* :class:`~astrokeras.composition_layers.MaskedLogCentre` takes the log of every band, its floor (1e-3) included
  where a band is not covered, before the mask zeroes it: the log tensor then spans about -6.9..0.7 instead of the
  covered reflectances' -0.7..0.7, and its int8 step is ten times coarser. Here the uncovered bands enter the log as
  1 (log 0), and the result is the same in float.

:func:`int8_form` returns a copy of a model (same weights) with both changes; the export commands convert it
whenever they quantize to int8. On the composition preset's weights of 2026-12-07 (one CompositionNet), the
log-centre change took the int8 file's modal change against Keras from 15.4 to 8.2 percentage points.

Example
-------
>>> import numpy as np
>>> from astrokeras.models.composition_net import CompositionNet
>>> model = CompositionNet(16, width=8, mlp_units=8, head_units=8, conv_filters=4)
>>> x = {"spectrum": np.random.default_rng(0).uniform(0.5, 1.5, (2, 16)),
...      "mask": np.stack([np.ones(16), np.r_[np.ones(9), np.zeros(7)]])}
>>> a, b = model.predict(x, verbose=0), int8_form(model).predict(x, verbose=0)
>>> bool(np.abs(a["modal"] - b["modal"]).max() < 1e-4)
True
"""

from __future__ import annotations

import types

import keras
from keras import ops

from astrokeras.composition_layers import MaskedLogCentre
from astrokeras.export.bounded_attention import FLOOR, with_bounded_attention


def covered_log_centre(layer: MaskedLogCentre, inputs):
    """:class:`~astrokeras.composition_layers.MaskedLogCentre`'s output, with the log taken of covered bands only
    (an uncovered band enters as 1): every tensor stays within the covered reflectances' range."""
    spectrum, mask = inputs
    mask = ops.cast(mask, spectrum.dtype)
    covered = mask > 0
    logs = ops.log(ops.where(covered, ops.maximum(spectrum, layer.floor), ops.ones_like(spectrum)))
    mean = ops.sum(logs, axis=1, keepdims=True) / ops.maximum(ops.sum(mask, axis=1, keepdims=True), 1.0)
    return ops.where(covered, logs - mean, ops.zeros_like(logs))


def int8_form(model: keras.Model, floor: float = FLOOR) -> keras.Model:
    """A copy of ``model`` (same weights) whose attention is bounded
    (:func:`~astrokeras.export.bounded_attention.with_bounded_attention`) and whose log-centring takes the log of
    covered bands only (:func:`covered_log_centre`); ``model`` itself when it has neither.

    A :class:`~astrokeras.models.composition_blend.CompositionBlend` gives its network's int8 form: the CNNs it
    blends in do not survive int8 activations (their features are differences of about 1e-3 in a tensor whose
    range is about 1, L1-shrunk kernels and a BatchNorm after the ReLU; one CNN alone, int8 against float, moved
    the modal fractions by up to 0.98 on full-coverage korda2023 spectra, 2026-12-07), so an int8 file answers
    with the network alone on every coverage."""
    from astrokeras.models.composition_blend import CompositionBlend

    if isinstance(model, CompositionBlend):
        return int8_form(model.network, floor)
    has_log_centre = any(isinstance(layer, MaskedLogCentre) for layer in model._flatten_layers())
    copy = with_bounded_attention(model, floor)
    if not has_log_centre:
        return copy
    if copy is model:
        copy = model.__class__.from_config(model.get_config())
        copy.set_weights(model.get_weights())
    for layer in copy._flatten_layers(include_self=False):
        if isinstance(layer, MaskedLogCentre):
            # a plain attribute swap, as with_bounded_attention does: Layer.__call__ calls self.call
            object.__setattr__(layer, "call", types.MethodType(covered_log_centre, layer))
    return copy
