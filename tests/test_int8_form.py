"""The int8 form of CompositionNet's log-centring: the same float answer, and a log tensor whose int8 range is that
of the covered reflectances (not stretched to the floor of the uncovered bands)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import ops

from astrokeras.composition_layers import MaskedLogCentre
from astrokeras.export.int8_form import covered_log_centre, int8_form
from astrokeras.models import CoverageNet
from astrokeras.models.composition_net import CompositionNet


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(0.0, 0.9))
def test_covered_log_centre_is_the_masked_log_centre(seed, uncovered):
    rng = np.random.default_rng(seed)
    spectrum = rng.uniform(0.0, 2.0, (4, 20)).astype("float32")
    mask = (rng.random((4, 20)) >= uncovered).astype("float32")
    spectrum[mask == 0] = 0.0                              # what an encoded spectrum holds where not covered
    layer = MaskedLogCentre()
    expected = ops.convert_to_numpy(layer([spectrum, mask]))
    found = ops.convert_to_numpy(covered_log_centre(layer, [spectrum, mask]))
    np.testing.assert_allclose(found, expected, atol=1e-5)


def _inputs(rng, bands=32):
    mask = np.ones((16, bands), "float32")
    mask[1::2, : bands // 3] = 0                           # half the rows miss their first third
    return {"spectrum": np.where(mask > 0, rng.uniform(0.6, 1.4, (16, bands)), 0).astype("float32"), "mask": mask}


def test_the_int8_form_answers_as_the_network_and_leaves_it_intact():
    rng = np.random.default_rng(0)
    model = CompositionNet(32, width=8, mlp_units=8, head_units=8, conv_filters=4)
    x = _inputs(rng)
    copy = int8_form(model)
    assert copy is not model
    assert "covered_log_centre" not in str(model.get_layer("log_centre").call)   # the original is untouched
    for key in ("modal", "chemistry"):
        np.testing.assert_allclose(copy.predict(x, verbose=0)[key], model.predict(x, verbose=0)[key], atol=1e-5)
    plain = CoverageNet(16, 3, width=8, mlp_units=8, conv_filters=(4,))         # no log-centring: bounded only
    assert type(int8_form(plain).get_layer("block_0_attention")._softmax).__name__ == "BoundedMaskSoftmax"


def test_the_log_tensor_keeps_the_covered_range_in_int8(tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    from astrokeras.export import export_savedmodel, to_tflite
    from astrokeras.export.bounded_attention import with_bounded_attention

    model = CompositionNet(32, width=8, mlp_units=8, head_units=8, conv_filters=4)
    x = _inputs(np.random.default_rng(1))

    def log_step(network, name):
        lite = to_tflite(export_savedmodel(network, tmp_path / name), "int8", x)
        steps = [float(np.max(d["quantization_parameters"]["scales"])) for d in
                 Interpreter(model_content=lite).get_tensor_details()
                 if d["dtype"] == np.int8 and "log_centre" in d["name"] and d["name"].endswith("Log")]
        assert steps, "no int8 log tensor found"
        return max(steps)

    before, after = log_step(with_bounded_attention(model), "bounded"), log_step(int8_form(model), "int8_form")
    assert before > 6.5 / 255                      # the floor's log (-6.9) stretches the range
    assert after < 1.0 / 255 < before              # log 0.6 .. log 1.4 spans 0.85
