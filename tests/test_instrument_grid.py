"""Fixed-input exports for an instrument (`astrokeras export PRESET --grid ...`): the baked-in encoding is encode()
itself, grids parse with clear errors, the card finds the held-out row of its coverage, and full-integer files
run as a board runs them."""

import json
import subprocess
import sys

import numpy as np
import pytest

from astrokeras.export.instrument_grid import (
    accuracy_at_coverage,
    encoding_matrix,
    fixed_grid_model,
    grid_wavelengths,
)
from astrokeras.models import CoverageNet
from astrokeras.models.composition_net import CompositionNet
from astrokeras.spectra.coverage import MASTER_GRID, encode


def test_grids_parse_and_refuse_what_they_cannot_read():
    assert len(grid_wavelengths("hayabusa-nirs")) == 64 and len(grid_wavelengths("gaia-dr3")) == 11
    assert grid_wavelengths("0.5:0.9:5").tolist() == [0.5, 0.6, 0.7, 0.8, 0.9]
    for bad in ("820:2080:64", "0.9:0.5:5", "0.5-0.9", "hayabusa"):
        with pytest.raises(ValueError, match="START:STOP:N"):
            grid_wavelengths(bad)
    with pytest.raises(ValueError, match="nothing to read"):
        encoding_matrix([2.6, 2.7, 2.8], MASTER_GRID)


@pytest.mark.parametrize("network", ["coverage", "composition"])
def test_the_fixed_model_is_encode_then_the_network(network):
    rng = np.random.default_rng(0)
    if network == "coverage":
        grid, model = MASTER_GRID, CoverageNet(len(MASTER_GRID), 3, width=8, mlp_units=8, conv_filters=(4,))
    else:
        grid = np.round(np.arange(0.45, 2.4501, 0.01), 3)
        model = CompositionNet(len(grid), width=8, mlp_units=8, head_units=8, conv_filters=4)
    wavelengths = np.sort(rng.uniform(0.7, 1.9, 40))          # an uneven instrument, several points per bin
    reflectance = np.exp(0.2 * rng.normal(size=(6, 40))).astype("float32") * rng.uniform(0.05, 3, (6, 1))
    fixed = fixed_grid_model(model, grid, wavelengths, reflectance_input=network == "composition")
    pairs = [encode(wavelengths, r, grid) for r in reflectance]
    spectrum, mask = np.stack([v for v, _ in pairs]), np.stack([m for _, m in pairs]).astype("float32")
    if network == "composition":
        spectrum = np.where(mask > 0, np.exp(spectrum), 0.0)
    expected = model.predict({"spectrum": spectrum.astype("float32"), "mask": mask}, verbose=0)
    found = fixed.predict(reflectance, verbose=0)
    for key in expected:
        assert np.abs(np.asarray(found[key]) - np.asarray(expected[key])).max() < 1e-4, key


def test_the_card_takes_the_held_out_row_of_its_coverage_only(tmp_path):
    rows = [{"coverage": "Gaia bands 0.46-0.90", "method": "CoverageNet", "acc": 0.888},
            {"coverage": "NIR 0.85-2.45", "method": "CoverageNet", "acc": 0.738}]
    (tmp_path / "tablecoverage.json").write_text(json.dumps({"rows": rows, "of_folds": 5}))
    _, gaia = encoding_matrix(grid_wavelengths("gaia-dr3"), MASTER_GRID)
    found = accuracy_at_coverage("coverage-net-taxonomy", gaia, MASTER_GRID, tmp_path)
    assert found["coverage"].startswith("Gaia") and found["rows"][0]["acc"] == 0.888 and found["folds"] == 5
    _, nirs = encoding_matrix(grid_wavelengths("hayabusa-nirs"), MASTER_GRID)   # 0.82-2.08: no such row
    assert "not measured" in accuracy_at_coverage("coverage-net-taxonomy", nirs, MASTER_GRID, tmp_path)["note"]
    assert "reproduce --table composition" in accuracy_at_coverage(
        "composition-net-mineralogy", nirs, MASTER_GRID, tmp_path / "none")["note"]


def test_full_integer_files_run_with_their_own_scales(tmp_path):
    from astrokeras.export import export_savedmodel, to_tflite
    from astrokeras.export.tflite import TFLiteModel, run_integer_io
    from astrokeras.models import ASCNet

    rng = np.random.default_rng(2)
    X = (1 + 0.1 * rng.normal(size=(64, 16))).astype("float32")
    saved = export_savedmodel(ASCNet(16, 3, dense_units=(8, 8, 8), key_dim=4), tmp_path / "m")
    floats = TFLiteModel(to_tflite(saved, "int8", X)).run(spectrum=X)["probabilities"]
    integer = TFLiteModel(to_tflite(saved, "int8", X, integer_io=True))
    assert integer.interpreter.get_input_details()[0]["dtype"] == np.int8
    found = run_integer_io(integer, spectrum=X)["probabilities"]
    assert found.dtype == np.float32 and np.abs(found - floats).max() < 0.02   # the output's own int8 step
    with pytest.raises(ValueError, match="int8"):
        to_tflite(saved, "dynamic", integer_io=True)


def test_export_by_grid_writes_a_fixed_input_file_and_its_card(mirror, tmp_path):
    out = subprocess.run([sys.executable, "-m", "astrokeras.cli", "export", "coverage-net-taxonomy", "--to", "tflite",
                          "--grid", "gaia-dr3", "--output", str(tmp_path), "--tables", str(tmp_path), "--json"],
                         check=False, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    card = json.loads(out.stdout)
    assert card["input"]["shape"] == [-1, 11] and card["covered_bands"] == "0.46-0.9 um"
    assert card["agreement_with_keras"]["top1_agreement"] == 1.0 and card["peak_memory_kib"] > 0
    assert (tmp_path / "coverage-net-taxonomy" / card["file"]).is_file()
    refused = subprocess.run([sys.executable, "-m", "astrokeras.cli", "export", "aae-net-albedo", "--to", "tflite",
                              "--grid", "gaia-dr3", "--output", str(tmp_path)], check=False, capture_output=True, text=True)
    assert refused.returncode == 2 and "coverage-masked" in refused.stderr
