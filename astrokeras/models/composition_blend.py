"""CompositionBlend: the composition network blended with Korda-style CNNs where a spectrum covers the whole grid.

On the composition table's folds (``astrokeras reproduce --table composition-blend``) the rebuilt Korda et al. 2023
CNN (:class:`~astrokeras.models.korda_cnn.KordaCNN`) reads the chemistry far better than CompositionNet, and a blend
of the two reads the modal fractions better than either. The CNN reads only the full grid (it has no coverage
mask), so the blend is one graph that answers:

* on a spectrum that covers every band of the grid (``min(mask) == 1``), or with ``core`` every band of that
  window of the grid without a gap between its first and last covered band: ``w * network + (1 - w) *
  mean(CNNs)`` for the modal fractions and the chemistry, each output with its own ``w`` (chosen on a validation
  split), and the network's 1-sigma times a last calibration factor (a fixed log-scale per label, set on that
  split). With ``core``, the CNNs read the spectrum with its uncovered end bands set to the nearest covered value
  (:class:`FillEnds`): a visible-to-near-infrared file that misses the grid's ends by a few bands;
* on any other coverage (Hayabusa NIRS' 0.82-2.08 um, a SpeX spectrum from 0.8 um, a spectrum with a gap): the
  network's answer, unchanged.

The network is a :class:`~astrokeras.models.composition_ensemble.CompositionEnsemble` (or one CompositionNet); the
CNNs read the spectrum divided by its value at the normalisation band (0.55 um on the shipped grid), so the blend
takes CompositionNet's inputs (``spectrum`` at any level, ``mask``) and gives its outputs (``modal``,
``chemistry``: means then log-sigmas): :func:`~astrokeras.models.composition_net.split_outputs`, the exports,
the serving layout and :func:`astrokeras.analyze` read it as they read the network alone.

Example
-------
>>> import numpy as np
>>> from astrokeras.models.composition_net import CompositionNet, split_outputs
>>> from astrokeras.models.korda_cnn import KordaCNN
>>> net = CompositionNet(16, width=8, mlp_units=8, head_units=8, patch=4, conv_filters=4)
>>> blend = CompositionBlend(net, [KordaCNN(16), KordaCNN(16)], modal_weight=0.0, chemistry_weight=0.0,
...                          normalise_index=2)
>>> spectrum = np.random.default_rng(0).uniform(0.5, 1.5, (2, 16))
>>> mask = np.stack([np.ones(16), np.r_[np.zeros(4), np.ones(12)]])   # full; 4 bands not covered
>>> both = split_outputs(blend.predict({"spectrum": spectrum, "mask": mask}, verbose=0))
>>> alone = split_outputs(net.predict({"spectrum": spectrum, "mask": mask}, verbose=0))
>>> bool(np.allclose(both["modal"][1], alone["modal"][1], atol=1e-6))   # not full: the network's answer
True
>>> bool(np.allclose(both["modal"][0], alone["modal"][0], atol=1e-3))   # full, w = 0: the CNNs' answer
False
"""

from __future__ import annotations

import keras
from keras import ops

from astrokeras.models.composition_ensemble import CompositionEnsemble, _named
from astrokeras.models.composition_net import CompositionNet
from astrokeras.models.korda_cnn import KordaCNN
from astrokeras.models.preset_model import PresetModel


@keras.saving.register_keras_serializable(package="astrokeras")
class NormaliseAt(keras.layers.Layer):
    """``[spectrum, mask]`` -> the spectrum divided by its value in band ``index``, or by 1 where the mask does not
    cover that band: no division by zero in any runtime (an int8 TFLite DIV refuses a zero divisor).

    >>> spectrum = ops.convert_to_tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 3.0]])
    >>> mask = ops.convert_to_tensor([[1.0, 1.0, 1.0], [0.0, 0.0, 1.0]])
    >>> ops.convert_to_numpy(NormaliseAt(1)([spectrum, mask])).round(2).tolist()
    [[0.5, 1.0, 1.5], [0.0, 0.0, 3.0]]
    """

    def __init__(self, index: int, **kwargs):
        super().__init__(**kwargs)
        self.index = int(index)

    def call(self, inputs):
        spectrum, mask = inputs
        covered = ops.cast(mask[:, self.index:self.index + 1] > 0.5, spectrum.dtype)
        level = covered * spectrum[:, self.index:self.index + 1] + (1.0 - covered)
        return spectrum / level

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "index": self.index}


@keras.saving.register_keras_serializable(package="astrokeras")
class FillEnds(keras.layers.Layer):
    """``[spectrum, mask]`` -> the spectrum with the bands before its first covered band set to that band's value
    and the bands after its last covered band set to the last one's (a gap inside is left as it is).

    >>> spectrum = ops.convert_to_tensor([[0.0, 2.0, 0.0, 4.0, 0.0]])
    >>> mask = ops.convert_to_tensor([[0.0, 1.0, 0.0, 1.0, 0.0]])
    >>> ops.convert_to_numpy(FillEnds()([spectrum, mask])).tolist()
    [[2.0, 2.0, 0.0, 4.0, 4.0]]
    """

    def call(self, inputs):
        spectrum, mask = inputs
        covered = ops.cast(mask > 0.5, spectrum.dtype)
        before = ops.cumsum(covered, axis=1)                               # covered bands up to here
        after = ops.flip(ops.cumsum(ops.flip(covered, axis=1), axis=1), axis=1)   # covered bands from here on
        first = ops.sum(spectrum * covered * ops.cast(ops.equal(before, 1.0), spectrum.dtype), axis=1, keepdims=True)
        last = ops.sum(spectrum * covered * ops.cast(ops.equal(after, 1.0), spectrum.dtype), axis=1, keepdims=True)
        head = ops.cast(ops.equal(before, 0.0), spectrum.dtype)
        tail = ops.cast(ops.equal(after, 0.0), spectrum.dtype)
        return spectrum * covered + head * first + tail * last

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])


@keras.saving.register_keras_serializable(package="astrokeras")
class CoreCovered(keras.layers.Layer):
    """``mask`` -> one flag per spectrum: 1 where bands ``start``..``stop`` (indices, both included) are all covered
    and no band is uncovered between the first and the last covered one, else 0.

    >>> mask = ops.convert_to_tensor([[0.0, 1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0, 1.0]])
    >>> ops.convert_to_numpy(CoreCovered(1, 3)(mask)).ravel().tolist()   # ends cut; a gap inside; the core cut
    [1.0, 0.0, 0.0]
    """

    def __init__(self, start: int, stop: int, **kwargs):
        super().__init__(**kwargs)
        self.start, self.stop = int(start), int(stop)

    def call(self, mask):
        covered = ops.cast(mask > 0.5, "float32")
        core = ops.min(covered[:, self.start:self.stop + 1], axis=1, keepdims=True)
        before = ops.cumsum(covered, axis=1)
        after = ops.flip(ops.cumsum(ops.flip(covered, axis=1), axis=1), axis=1)
        outside = ops.sum(ops.cast(ops.equal(before, 0.0), "float32") + ops.cast(ops.equal(after, 0.0), "float32"),
                          axis=1, keepdims=True)
        whole = ops.cast(ops.equal(outside + ops.sum(covered, axis=1, keepdims=True), float(mask.shape[1])), "float32")
        return core * whole

    def get_config(self):
        return {**super().get_config(), "start": self.start, "stop": self.stop}


@keras.saving.register_keras_serializable(package="astrokeras")
class CoverageBlend(keras.layers.Layer):
    """``[network's packed output (means, log-sigmas), partners' mean, mask]`` -> the packed blend.

    Where ``mask`` covers every band (or, given a :class:`CoreCovered` flag as the mask, where it is 1):
    ``weight * mean + (1 - weight) * partners`` and ``log_sigma + log_scale``;
    elsewhere the network's output. ``log_scale`` (one per label, not trainable, zero when built) is the
    calibration of the full-coverage 1-sigma.

    >>> packed = ops.convert_to_tensor([[0.2, 0.0], [0.2, 0.0]])   # mean 0.2, log-sigma 0
    >>> partner = ops.convert_to_tensor([[0.6], [0.6]])
    >>> mask = ops.convert_to_tensor([[1.0, 1.0], [1.0, 0.0]])
    >>> out = ops.convert_to_numpy(CoverageBlend(1, 0.25)([packed, partner, mask]))
    >>> [round(float(v), 3) for v in out[:, 0]]                    # 0.25 * 0.2 + 0.75 * 0.6; not full: 0.2
    [0.5, 0.2]
    """

    def __init__(self, units: int, weight: float, **kwargs):
        super().__init__(**kwargs)
        self.units, self.weight = int(units), float(weight)

    def build(self, input_shape):
        self.log_scale = self.add_weight(name="log_scale", shape=(self.units,), initializer="zeros", trainable=False)

    def call(self, inputs):
        packed, partner, mask = inputs
        full = ops.cast(ops.min(mask, axis=1, keepdims=True) > 0.5, packed.dtype)
        share = 1.0 - full * (1.0 - self.weight)  # the network's share: weight where full, 1 elsewhere
        mean = share * packed[:, :self.units] + (1.0 - share) * ops.cast(partner, packed.dtype)
        log_sigma = packed[:, self.units:] + full * ops.cast(self.log_scale, packed.dtype)[None]
        return ops.concatenate([mean, log_sigma], axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "units": self.units, "weight": self.weight}


@keras.saving.register_keras_serializable(package="astrokeras")
class CompositionBlend(PresetModel):
    """``network`` (a CompositionEnsemble or CompositionNet) blended with ``partners`` (KordaCNNs on the same grid)
    on full-coverage spectra; see the module docstring. ``modal_weight`` / ``chemistry_weight``: the network's
    share of each output there; ``normalise_index``: the band the CNNs' input is normalised at; ``core``:
    ``(start, stop)`` band indices (None: the whole grid) that a spectrum must cover, without a gap, to be blended,
    its ends filled for the CNNs."""

    def __init__(self, network, partners, modal_weight: float = 0.5, chemistry_weight: float = 0.5,
                 normalise_index: int = 10, core: tuple | list | None = None, **kwargs):
        if not isinstance(network, keras.Model):
            network = keras.saving.deserialize_keras_object(network)
        partners = [p if isinstance(p, keras.Model) else keras.saving.deserialize_keras_object(p) for p in partners]
        if not isinstance(network, (CompositionEnsemble, CompositionNet)):
            raise TypeError(f"the network is a {type(network).__name__}, not a CompositionEnsemble or CompositionNet")
        if not partners:
            raise ValueError("CompositionBlend needs at least one partner (a KordaCNN)")
        strangers = [p.name for p in partners if not isinstance(p, KordaCNN) or p.bands != network.bands
                     or p.minerals != len(network.minerals) or p.chemistry != len(network.chemistry)]
        if strangers:
            raise ValueError(f"partners {strangers} are not KordaCNNs with the network's grid ({network.bands} "
                             f"bands) and outputs ({len(network.minerals)} minerals, {len(network.chemistry)} "
                             "chemistry labels)")
        for weight in (modal_weight, chemistry_weight):
            if not 0.0 <= weight <= 1.0:
                raise ValueError(f"a blend weight must lie in [0, 1], got {weight}")
        if core is not None:
            core = (int(core[0]), int(core[1]))
            if not 0 <= core[0] <= normalise_index <= core[1] < network.bands:
                raise ValueError(f"the core {core} must be band indices inside the grid (0..{network.bands - 1}) "
                                 f"that hold the normalisation band {normalise_index}: the CNNs divide by it")
        partners = [_named(p, f"partner_{i}") for i, p in enumerate(partners)]
        spectrum = keras.Input((network.bands,), name="spectrum")
        mask = keras.Input((network.bands,), name="mask")
        answer = network({"spectrum": spectrum, "mask": mask})
        read, gate = spectrum, mask
        if core is not None:
            read = FillEnds(name="fill_ends")([spectrum, mask])
            gate = CoreCovered(*core, name="core_covered")(mask)
        normalised = NormaliseAt(normalise_index, name="normalise")([read, mask])
        answers = [p(normalised) for p in partners]
        sizes = {"modal": len(network.minerals), "chemistry": len(network.chemistry)}
        weights = {"modal": modal_weight, "chemistry": chemistry_weight}
        outputs = {}
        for key in ("modal", "chemistry"):
            found = [a[key] for a in answers]
            mean = found[0] if len(found) == 1 else keras.layers.Average(name=f"{key}_partners")(found)
            outputs[key] = CoverageBlend(sizes[key], weights[key], name=f"{key}_blend", dtype="float32")(
                [answer[key], mean, gate])
        kwargs.setdefault("name", "composition_blend")
        super().__init__({"spectrum": spectrum, "mask": mask}, outputs, **kwargs)
        self.network, self.partners = network, partners
        self.modal_weight, self.chemistry_weight = float(modal_weight), float(chemistry_weight)
        self.normalise_index, self.core = int(normalise_index), core
        self.bands, self.minerals, self.chemistry = network.bands, network.minerals, network.chemistry

    @property
    def members(self) -> list:
        """The network's members (itself when it is one CompositionNet), as a CompositionEnsemble lists them."""
        return list(getattr(self.network, "members", [self.network]))

    def get_config(self):
        return {**super().get_config(), "network": keras.saving.serialize_keras_object(self.network),
                "partners": [keras.saving.serialize_keras_object(p) for p in self.partners],
                "modal_weight": self.modal_weight, "chemistry_weight": self.chemistry_weight,
                "normalise_index": self.normalise_index, "core": None if self.core is None else list(self.core)}
