"""`astrokeras export PRESET`: a shipped preset exported by name, its int8 calibration inputs, and the parity check
that warns when a quantized file strays from Keras."""

import subprocess
import sys

import numpy as np

from astrokeras.cli import _preset_named
from astrokeras.export.preset_inputs import agreement_warning, coverage_cuts, preset_inputs
from astrokeras.presets import grid_of, preset_cards, preset_path


def test_a_preset_is_named_by_its_name_or_its_own_keras_file(tmp_path):
    assert _preset_named("coverage-net-taxonomy") == "coverage-net-taxonomy"
    assert _preset_named(str(preset_path("composition-net-mineralogy"))) == "composition-net-mineralogy"
    stranger = tmp_path / preset_path("composition-net-mineralogy").name  # same file name, another folder
    stranger.write_bytes(b"")
    assert _preset_named(str(stranger)) is None and _preset_named("no-such-preset") is None


def test_masked_presets_calibrate_on_real_spectra_at_three_coverages(mirror):
    for preset in ("coverage-net-taxonomy", "composition-net-mineralogy"):
        grid = grid_of(preset_cards()[preset])
        found = preset_inputs(preset, count=5)
        spectrum, mask = found["spectrum"], found["mask"]
        assert spectrum.shape == mask.shape == (15, len(grid))
        covered = [(grid[m > 0][0], grid[m > 0][-1]) for m in mask[:3]]
        for (start, stop), (low, high) in zip(covered, coverage_cuts(preset)):
            assert low - 0.03 <= start and stop <= high + 0.03     # each cut covers its own range only
        assert len({int(m.sum()) for m in mask[:3]}) == 3
        assert np.all(spectrum[mask == 0] == 0)
        if preset == "composition-net-mineralogy":
            assert np.all(spectrum[mask > 0] > 0)                   # reflectance, not log reflectance


def test_the_warning_fires_on_poor_agreement_only():
    assert agreement_warning({"top1_agreement": 0.115}) and agreement_warning({"modal_rms_change_pp": 34.4})
    assert agreement_warning({"top1_agreement": 0.995}) is None
    assert agreement_warning({"modal_rms_change_pp": 0.26}) is None


def test_cli_exports_a_preset_by_name_and_refuses_an_unknown_one(mirror, tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "astrokeras.cli", "export", *args, "--output", str(tmp_path)],
                              capture_output=True, text=True)

    out = run("asc-net-visible-4class", "--to", "tflite", "--quantize", "dynamic")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "asc-net-visible-4class" / "model_dynamic.tflite").stat().st_size > 0
    assert "top1_agreement" in out.stdout
    refused = run("no-such-preset", "--to", "tflite")
    assert refused.returncode == 2 and "no such file and no such preset" in refused.stderr
    assert "coverage-net-taxonomy" in refused.stderr
