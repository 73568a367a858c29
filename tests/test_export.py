"""SavedModel (TF Serving) and TFLite exports: fresh-process serving, no Flex ops, parity with Keras."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from astrokeras.export import TFLiteModel, export_savedmodel, float32_clone, to_tflite
from astrokeras.models import ASCNet
from astrokeras.training.runtime import precision_scope

TINY = dict(conv_filters=(4, 8, 8), dense_units=(8, 16, 16), num_heads=2, key_dim=4)
BANDS = 16


@pytest.fixture(scope="module")
def model_and_data():
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    X = (1.0 + 0.2 * rng.normal(size=(64, BANDS)) * np.linspace(0, 1, BANDS)).astype("float32")
    return ASCNet(BANDS, 3, **TINY), X


@pytest.fixture(scope="module")
def saved(model_and_data, tmp_path_factory):
    model, _ = model_and_data
    return export_savedmodel(model, tmp_path_factory.mktemp("serving") / "asc_net" / "1")


def test_savedmodel_answers_in_a_fresh_process_without_astrokeras(model_and_data, saved, tmp_path):
    model, X = model_and_data
    np.save(tmp_path / "x.npy", X)
    code = (
        "import sys, numpy as np, tensorflow as tf\n"
        f"serve = tf.saved_model.load(r'{saved}').signatures['serving_default']\n"
        f"out = serve(spectrum=tf.constant(np.load(r'{tmp_path / 'x.npy'}')))\n"
        "assert 'astrokeras' not in sys.modules and list(out) == ['probabilities']\n"
        f"np.save(r'{tmp_path / 'y.npy'}', out['probabilities'].numpy())\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=tmp_path)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), model.predict(X, verbose=0), atol=1e-5)


def test_saved_model_cli_run(model_and_data, saved, tmp_path):
    model, _ = model_and_data
    np.save(tmp_path / "ones.npy", np.ones((2, BANDS), "float32"))
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    result = subprocess.run(
        [cli, "run", "--dir", str(saved), "--tag_set", "serve", "--signature_def", "serving_default",
         "--inputs", f"spectrum={tmp_path / 'ones.npy'}"],
        check=True, capture_output=True, text=True)
    assert "Result for output key probabilities" in result.stdout
    numbers = [float(v) for v in re.findall(r"[-+]?\d*\.\d+(?:e[-+]?\d+)?", result.stdout.split("probabilities")[-1])]
    expected = model.predict(np.ones((2, BANDS), "float32"), verbose=0).ravel()
    np.testing.assert_allclose(numbers[: expected.size], expected, atol=1e-5)


@pytest.mark.parametrize("quantize, atol", [("none", 1e-5), ("float16", 2e-2), ("dynamic", 5e-2), ("int8", 0.1)])
def test_tflite_variants_use_builtin_ops_only_and_agree_with_keras(model_and_data, saved, quantize, atol):
    model, X = model_and_data
    lite = TFLiteModel(to_tflite(saved, quantize, representative=X))
    assert lite.ops and not any(op.startswith("Flex") or op == "DELEGATE" for op in lite.ops), lite.ops
    keras_out = model.predict(X, verbose=0)
    lite_out = lite.predict(X)
    assert lite_out.shape == keras_out.shape
    np.testing.assert_allclose(lite_out, keras_out, atol=atol)


def test_int8_needs_real_representative_spectra(saved):
    with pytest.raises(ValueError, match="representative spectra"):
        to_tflite(saved, "int8")
    with pytest.raises(ValueError, match="quantize must be one of"):
        to_tflite(saved, "int4")


def test_a_mixed_precision_model_exports_and_converts_from_its_float32_clone(model_and_data, tmp_path):
    _, X = model_and_data
    with precision_scope("mixed_float16"):
        mixed = ASCNet(BANDS, 3, **TINY)
    clone = float32_clone(mixed)
    assert clone is not mixed and clone.get_layer("encoder_0").compute_dtype == "float32"
    np.testing.assert_allclose(clone.predict(X, verbose=0), mixed.predict(X, verbose=0), atol=2e-2)
    lite = TFLiteModel(to_tflite(export_savedmodel(mixed, tmp_path / "m"), "none"))
    np.testing.assert_allclose(lite.predict(X), clone.predict(X, verbose=0), atol=1e-5)


@pytest.mark.integration
def test_export_report_on_a_model_with_a_held_out_fold(mirror, tmp_path, capsys):
    from astrokeras.cli import main

    model = tmp_path / "asc4.keras"
    assert main(["train", "asc-net-visible-4class", "--epochs", "2", "--holdout-fold", "0",
                 "--output", str(model)]) == 0
    capsys.readouterr()
    assert main(["export", str(model), "--report", "--json", "--output", str(tmp_path / "exports")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["heldout_spectra"] == 267 and report["holdout_fold"] == 0
    variants = {r["variant"]: r for r in report["variants"]}
    assert list(variants) == ["keras", "savedmodel", "tflite-none", "tflite-float16", "tflite-dynamic", "tflite-int8"]
    assert variants["savedmodel"]["max_abs_diff"] < 1e-4 and variants["tflite-none"]["top1_agreement"] == 1.0
    assert variants["tflite-int8"]["bytes"] < variants["tflite-none"]["bytes"]
    # Every variant is scored on the held-out fold itself: recompute the float32 file's accuracy from scratch.
    from astrokeras.export.parity import heldout_data

    _, X_test, y_test = heldout_data(json.loads(model.with_suffix(".json").read_text()))
    lite = TFLiteModel((tmp_path / "exports" / "asc4" / "model_none.tflite").read_bytes())
    assert variants["tflite-none"]["accuracy"] == pytest.approx(np.mean(lite.predict(X_test).argmax(1) == y_test),
                                                                 abs=1e-4)
    assert variants["keras"]["accuracy"] == variants["tflite-none"]["accuracy"]
    assert main(["export", str(model), "--to", "tflite", "--quantize", "dynamic",
                 "--output", str(tmp_path / "single")]) == 0
    assert (tmp_path / "single" / "asc4" / "model_dynamic.tflite").stat().st_size > 0


def test_a_model_trained_on_everything_has_no_report(tmp_path):
    from astrokeras.export.parity import heldout_data

    with pytest.raises(ValueError, match="no held-out fold"):
        heldout_data({"recipe": "asc-net-visible-4class", "holdout_fold": None})


@pytest.mark.integration
def test_export_report_of_aae_net_and_ae_trans_on_held_out_data(mirror, tmp_path, capsys):
    """Two-input AAE-Net and dict-output AE-trans: every variant converts (builtin ops) and is measured."""
    from astrokeras.cli import main

    assert main(["export", "--report", "aae-net", "ae-trans", "--quick", "--json",
                 "--output", str(tmp_path)]) == 0
    reports = {r["network"]: r for r in json.loads(capsys.readouterr().out)["reports"]}
    assert reports["aae-net"]["heldout_spectra"] == 106 and reports["ae-trans"]["heldout_spectra"] == 2500
    for network, metric, tolerance in (("aae-net", "mae", 0.01), ("ae-trans", "rmse", 0.01)):
        variants = {r["variant"]: r for r in reports[network]["variants"]}
        assert list(variants) == ["keras", "savedmodel", "tflite-none", "tflite-float16", "tflite-dynamic",
                                  "tflite-int8"]
        assert variants["tflite-none"]["max_abs_diff"] < 1e-4 and variants["savedmodel"]["max_abs_diff"] < 1e-4
        assert variants["tflite-int8"]["bytes"] < variants["tflite-none"]["bytes"]
        for row in variants.values():  # quantization may cost a little, never the whole metric
            assert abs(row[metric] - variants["keras"][metric]) < tolerance, (network, row)
    lite = TFLiteModel((tmp_path / "aae_net_heldout" / "model_int8.tflite").read_bytes())
    assert not any(op.startswith("Flex") for op in lite.ops)


def test_export_report_without_a_model_card_says_what_is_missing(tmp_path, capsys):
    from astrokeras.cli import main

    with pytest.raises(SystemExit) as usage:
        main(["export", "--report", str(tmp_path / "nope.keras")])
    assert usage.value.code == 2 and re.search("needs its card .*aae-net", capsys.readouterr().err)
