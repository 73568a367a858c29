"""The int8 form of masked attention: BoundedMaskSoftmax reproduces Keras's masked softmax, the bounded copy of a
network answers as the network does, and its int8 graph has no tensor whose range the -1e9 mask blew up."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import layers, ops

from astrokeras.export.bounded_attention import (
    BoundedMaskSoftmax,
    with_bounded_attention,
)
from astrokeras.models import ASCNet, CoverageNet
from astrokeras.models.composition_net import CompositionNet


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(0.1, 20.0))
def test_bounded_softmax_is_keras_masked_softmax(seed, spread):
    rng = np.random.default_rng(seed)
    scores = (rng.normal(size=(3, 2, 7, 7)) * spread).astype("float32")
    mask = rng.random((3, 1, 7, 7)) < 0.6
    mask[0] = False                                  # a sample with every key masked: all weights zero
    expected = ops.convert_to_numpy(layers.Softmax(axis=-1)(scores, mask=mask))
    found = ops.convert_to_numpy(BoundedMaskSoftmax(axis=-1)(scores, mask=mask))
    assert np.abs(found - expected).max() < 1e-5
    assert np.all(found[np.broadcast_to(~mask, found.shape)] == 0)


def _masked_inputs(bands, rng):
    mask = np.ones((8, bands), "float32")
    mask[1::2, : bands // 3] = 0                     # half the rows miss their first third
    return {"spectrum": (rng.normal(size=(8, bands)) * mask).astype("float32"), "mask": mask}


def test_the_bounded_copy_answers_as_the_network_and_keeps_it_intact():
    rng = np.random.default_rng(0)
    model = CoverageNet(24, 3, width=8, mlp_units=8, conv_filters=(4,))
    x = _masked_inputs(24, rng)
    copy = with_bounded_attention(model)
    assert copy is not model and type(model.get_layer("block_0_attention")._softmax) is layers.Softmax
    assert np.abs(copy.predict(x, verbose=0)["probabilities"] - model.predict(x, verbose=0)["probabilities"]).max() < 1e-5
    plain = ASCNet(16, 3, dense_units=(4, 4, 4), key_dim=2)  # attention without a mask: the same softmax
    y = rng.normal(size=(4, 16)).astype("float32")
    assert np.allclose(with_bounded_attention(plain).predict(y, verbose=0), plain.predict(y, verbose=0), atol=1e-6)


def test_int8_ranges_stay_small_with_the_bounded_mask(tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    from astrokeras.export import export_savedmodel, to_tflite

    rng = np.random.default_rng(1)
    model = CompositionNet(32, width=8, mlp_units=8, head_units=8, conv_filters=4)
    x = _masked_inputs(32, rng)
    x["spectrum"] = np.where(x["mask"] > 0, np.exp(x["spectrum"] * 0.1), 0).astype("float32")

    def widest_int8_step(network, name):
        lite = to_tflite(export_savedmodel(network, tmp_path / name), "int8", x)
        details = Interpreter(model_content=lite).get_tensor_details()
        return max(float(np.max(d["quantization_parameters"]["scales"], initial=0.0)) for d in details
                   if d["dtype"] == np.int8)

    assert widest_int8_step(model, "keras") > 1e3                      # Keras's -1e9: a step of millions
    assert widest_int8_step(with_bounded_attention(model), "bounded") < 1.0
