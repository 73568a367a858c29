"""CompositionBlend: the blend where the spectrum covers the grid, the network alone elsewhere, saving, calibration,
refusing parts that do not fit, and the training step on real spectra."""

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astrokeras.models.composition_blend import CompositionBlend
from astrokeras.models.composition_ensemble import CompositionEnsemble
from astrokeras.models.composition_net import CompositionNet, split_outputs
from astrokeras.models.korda_cnn import KordaCNN

BANDS = 16


def _net(bands=BANDS):
    return CompositionNet(bands, width=8, mlp_units=8, head_units=8, patch=4, conv_filters=4)


def _inputs(rows=6, seed=0):
    rng = np.random.default_rng(seed)
    spectrum = rng.uniform(0.5, 1.5, (rows, BANDS)).astype("float32")
    mask = np.ones((rows, BANDS), "float32")
    mask[rows // 2:, :5] = 0.0                     # the second half does not cover the first 5 bands
    spectrum[rows // 2:, :5] = 0.0
    return {"spectrum": spectrum, "mask": mask}


def _parts(model, x):
    return split_outputs(model.predict(x, verbose=0))


def test_full_coverage_blends_and_any_other_coverage_is_the_network_alone():
    net, partners = _net(), [KordaCNN(BANDS), KordaCNN(BANDS)]
    x = _inputs()
    alone = _parts(net, x)
    level = np.maximum(x["spectrum"][:, 3:4], 1e-6)   # rows that do not cover band 3 are not compared
    cnn = [p.predict(x["spectrum"] / level, verbose=0) for p in partners]
    cnn_modal = np.mean([c["modal"] for c in cnn], axis=0)
    cnn_chemistry = np.mean([c["chemistry"] for c in cnn], axis=0)
    blend = CompositionBlend(net, partners, modal_weight=0.3, chemistry_weight=0.0, normalise_index=3)
    out = _parts(blend, x)
    full, partial = slice(0, 3), slice(3, 6)
    np.testing.assert_allclose(out["modal"][full], 0.3 * alone["modal"][full] + 0.7 * cnn_modal[full], atol=1e-5)
    np.testing.assert_allclose(out["chemistry"][full], cnn_chemistry[full], atol=1e-5)
    for key in ("modal", "chemistry", "modal_sigma", "chemistry_sigma"):
        np.testing.assert_allclose(out[key][partial], alone[key][partial], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["modal"].sum(axis=1), 1.0, atol=1e-5)
    assert not np.allclose(out["modal"][full], alone["modal"][full], atol=1e-3)


def test_the_answer_does_not_depend_on_the_level_of_the_spectrum():
    blend = CompositionBlend(_net(), [KordaCNN(BANDS)], 0.5, 0.5, normalise_index=3)
    x = _inputs()
    scaled = {"spectrum": 3.0 * x["spectrum"], "mask": x["mask"]}
    a, b = _parts(blend, x), _parts(blend, scaled)
    np.testing.assert_allclose(a["modal"], b["modal"], atol=1e-4)
    np.testing.assert_allclose(a["chemistry"], b["chemistry"], atol=1e-4)


def test_a_saved_blend_loads_with_its_weights_and_calibration(tmp_path):
    members = [_net(), _net()]
    blend = CompositionBlend(CompositionEnsemble(members), [KordaCNN(BANDS), KordaCNN(BANDS)], 0.2, 0.8,
                             normalise_index=3)
    blend.get_layer("modal_blend").log_scale.assign(np.full(4, 0.3, "float32"))
    x = _inputs()
    path = tmp_path / "blend.keras"
    blend.save(path)
    loaded = keras.saving.load_model(path, compile=False)
    assert isinstance(loaded, CompositionBlend) and (loaded.modal_weight, loaded.chemistry_weight) == (0.2, 0.8)
    assert [m.name for m in loaded.members] == ["member_0", "member_1"]
    np.testing.assert_allclose(loaded.predict(x, verbose=0)["modal"], blend.predict(x, verbose=0)["modal"],
                               atol=1e-6)
    copy = CompositionBlend.from_config(blend.get_config())   # how the int8 exports clone a model
    copy.set_weights(blend.get_weights())
    np.testing.assert_allclose(copy.predict(x, verbose=0)["modal"], blend.predict(x, verbose=0)["modal"], atol=1e-6)


def test_the_calibration_scales_only_the_full_coverage_sigma():
    from astrokeras.training.composition_blend import calibrate_blend

    net = _net()
    blend = CompositionBlend(net, [KordaCNN(BANDS)], 0.5, 0.5, normalise_index=3)
    x = _inputs(rows=40, seed=1)
    full = {k: v[:20] for k, v in x.items()}
    before = _parts(blend, x)
    rng = np.random.default_rng(2)
    modal = before["modal"][:20] + rng.normal(0, 5 * before["modal_sigma"][:20].mean(), (20, 4))
    chemistry = before["chemistry"][:20] + rng.normal(0, 0.01, (20, 5))
    factors = calibrate_blend(blend, full, modal, chemistry)
    after = _parts(blend, x)
    assert all(f > 1.0 for f in factors["modal"])                     # residuals far beyond the 1-sigma: widened
    inside = np.abs(after["modal"][:20] - modal) <= after["modal_sigma"][:20]
    assert 0.55 <= inside.mean() <= 0.8
    np.testing.assert_allclose(after["modal_sigma"][20:], before["modal_sigma"][20:], rtol=1e-5)   # partial: as was


def test_parts_that_do_not_fit_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="not KordaCNNs with the network's grid"):
        CompositionBlend(_net(), [KordaCNN(BANDS + 4)])
    with pytest.raises(ValueError, match="at least one partner"):
        CompositionBlend(_net(), [])
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        CompositionBlend(_net(), [KordaCNN(BANDS)], modal_weight=1.5)
    with pytest.raises(TypeError, match="not a CompositionEnsemble or CompositionNet"):
        CompositionBlend(KordaCNN(BANDS), [KordaCNN(BANDS)])


@pytest.mark.integration
def test_fitting_a_blend_on_real_spectra_never_scores_worse_than_its_ends(mirror):
    from astrokeras.datasets.relab_composition import (
        VISNIR_GRID,
        carve_validation,
        composition_data,
    )
    from astrokeras.training.composition_blend import WEIGHTS, fit_composition_blend
    from astrokeras.training.korda_baseline import KordaConfig

    data = composition_data(VISNIR_GRID)
    rows = np.arange(len(data))
    validation = carve_validation(data, rows, 0.15, seed=0)[1]
    net = CompositionNet(len(VISNIR_GRID), width=8, mlp_units=8, head_units=8, patch=8, conv_filters=4)
    model, info = fit_composition_blend(data, rows, validation, net, KordaConfig(epochs=2, patience=2), seeds=(0,))
    assert set(info["weights"].values()) <= set(WEIGHTS) and info["validation_rows"] == len(validation)
    scores = info["validation_scores"]
    assert scores["blend"] <= min(scores["network"], scores["cnn_mean"]) + 1e-4   # each share is the best of 11
    assert model.get_layer("normalise").index == int(np.argmin(np.abs(VISNIR_GRID - 0.55)))


def test_the_int8_form_of_a_blend_is_its_networks():
    from astrokeras.export.int8_form import int8_form

    net = _net()
    blend = CompositionBlend(net, [KordaCNN(BANDS)], 0.0, 0.0, normalise_index=3)
    x = _inputs()
    form = int8_form(blend)
    assert not isinstance(form, CompositionBlend) and sorted(t.name for t in form.inputs) == ["mask", "spectrum"]
    np.testing.assert_allclose(_parts(form, x)["modal"], _parts(net, x)["modal"], atol=1e-4)


def _window(low, high, rows=1, gap=None):
    mask = np.zeros((rows, BANDS), "float32")
    mask[:, low:high + 1] = 1.0
    if gap is not None:
        mask[:, gap] = 0.0
    return mask


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 6), st.integers(9, BANDS - 1), st.one_of(st.none(), st.integers(0, BANDS - 1)),
       st.integers(0, 1000))
def test_the_core_gate_and_the_filled_ends_agree_with_their_numpy_twins(low, high, gap, seed):
    """CoreCovered against mineralogy.blended (what `analyze` says answered), FillEnds against the table's fill."""
    from astrokeras.mineralogy import blended
    from astrokeras.models.composition_blend import CoreCovered, FillEnds
    from astrokeras.reproduce.composition_coverage_folds import fill_uncovered_ends

    mask = _window(low, high, gap=gap)
    grid = np.round(0.45 + 0.01 * np.arange(BANDS), 2)
    card = {"model": "CompositionBlend", "training": {"blend": {"core_um": [float(grid[4]), float(grid[10])]}}}
    flag = float(keras.ops.convert_to_numpy(CoreCovered(4, 10)(mask))[0, 0])
    assert flag == float(blended(card, mask[0] > 0, grid))
    spectrum = np.random.default_rng(seed).uniform(0.5, 1.5, (1, BANDS)).astype("float32") * mask
    filled = keras.ops.convert_to_numpy(FillEnds()([spectrum, mask]))
    if mask.any():
        np.testing.assert_allclose(filled, fill_uncovered_ends(spectrum, mask[0] > 0), rtol=1e-6)


def test_with_a_core_a_spectrum_short_of_the_ends_is_blended_with_its_ends_filled(tmp_path):
    from astrokeras.training.composition_blend import with_core

    net, partners = _net(), [KordaCNN(BANDS), KordaCNN(BANDS)]
    whole = CompositionBlend(net, partners, modal_weight=0.3, chemistry_weight=0.6, normalise_index=4)
    whole.get_layer("modal_blend").set_weights([np.full(4, 0.2, "float32")])
    grid = np.round(0.45 + 0.01 * np.arange(BANDS), 2)
    gated = with_core(whole, grid, (float(grid[3]), float(grid[12])))
    assert gated.core == (3, 12)
    rng = np.random.default_rng(3)
    spectrum = rng.uniform(0.5, 1.5, (4, BANDS)).astype("float32")
    mask = np.concatenate([_window(0, BANDS - 1), _window(2, 13), _window(5, BANDS - 1), _window(0, 15, gap=8)])
    x = {"spectrum": spectrum * mask, "mask": mask}
    out, before, alone = _parts(gated, x), _parts(whole, x), _parts(net, x)
    for key in ("modal", "chemistry", "modal_sigma", "chemistry_sigma"):   # the whole grid: as before
        np.testing.assert_allclose(out[key][0], before[key][0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(out[key][2:], alone[key][2:], rtol=1e-5, atol=1e-6)   # core cut; a gap
    filled = spectrum[1].copy()
    filled[:2], filled[14:] = filled[2], filled[13]
    cnn = np.mean([p.predict(filled[None] / filled[4], verbose=0)["modal"] for p in partners], axis=0)[0]
    np.testing.assert_allclose(out["modal"][1], 0.3 * alone["modal"][1] + 0.7 * cnn, atol=1e-5)
    np.testing.assert_allclose(out["modal_sigma"][1], alone["modal_sigma"][1] * np.exp(0.2), rtol=1e-4)
    path = tmp_path / "gated.keras"
    gated.save(path)
    again = keras.saving.load_model(path)
    assert again.core == (3, 12)
    np.testing.assert_allclose(_parts(again, x)["modal"], out["modal"], atol=1e-6)
    with pytest.raises(ValueError, match="normalisation band"):
        CompositionBlend(net, partners, normalise_index=4, core=(5, 12))
