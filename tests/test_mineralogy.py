"""`astrokeras.mineralogy`: which spectra get a composition, what goes into the network, and the chemistry rule, with
the network replaced by a stand-in so the rules are checked exactly."""

import numpy as np
import pytest

from astrokeras import mineralogy
from astrokeras.mineralogy import band_summary, composition_of
from astrokeras.presets import card_of
from astrokeras.spectra import Spectrum


def _s_type(w):
    return 1 + 0.3 * (w - 0.55) - 0.15 * np.exp(-(((w - 0.95) / 0.12) ** 2)) - 0.05 * np.exp(-(((w - 1.95) / 0.2) ** 2))


@pytest.fixture
def stand_in(monkeypatch):
    """The network replaced by a function that records its inputs and answers OL 5%, OPX 60%, CPX 30%, PLG 5%."""
    seen = {}
    card = card_of(mineralogy.PRESET)

    def run(spectrum, mask):
        seen.update(spectrum=spectrum, mask=mask)
        modal = np.log([[0.05, 0.6, 0.3, 0.05]])
        chemistry = np.full((1, len(card["chemistry"])), 0.3)
        return {"modal": np.c_[np.exp(modal), np.log(np.full((1, 4), 0.1))],
                "chemistry": np.c_[chemistry, np.log(np.full_like(chemistry, 0.05))]}

    monkeypatch.setattr(mineralogy, "load_lite_preset", lambda name, presets=None: (run, card))
    return seen


def test_chemistry_only_for_minerals_of_at_least_10_percent(stand_in):
    w = np.linspace(0.45, 2.45, 300)
    found = composition_of(Spectrum(w, _s_type(w)), "S")
    assert found.modal == {"OL": 0.05, "OPX": 0.6, "CPX": 0.3, "PLG": 0.05}
    assert found.modal_1sigma["OL"] == pytest.approx(0.1)
    assert "Fa" not in found.chemistry                     # olivine at 5 vol%: its Fa is not reported
    assert set(found.chemistry) == {"Fs_OPX", "Wo_OPX", "Fs_CPX", "Wo_CPX"}
    assert found.chemistry_1sigma["Fs_OPX"] == pytest.approx(0.05)


def test_the_network_gets_the_spectrum_on_its_grid_with_the_coverage_mask(stand_in):
    grid = np.asarray(card_of(mineralogy.PRESET)["grid_um"])
    w = np.linspace(0.70, 2.20, 400)
    composition_of(Spectrum(w, 5.0 * _s_type(w)), "S")
    mask, spectrum = stand_in["mask"][0].astype(bool), stand_in["spectrum"][0]
    assert mask.shape == grid.shape and grid[mask].min() >= 0.69 and grid[mask].max() <= 2.21
    assert np.all(spectrum[~mask] == 0) and np.all(spectrum[mask] > 0)
    inside = grid[mask]                                    # the shape is kept (the level is the network's business)
    ratio = spectrum[mask] / _s_type(inside)
    assert ratio.std() / ratio.mean() < 0.01


@pytest.mark.parametrize("top, w, message", [
    ("C", np.linspace(0.45, 2.45, 300), "class C is not an olivine-pyroxene"),
    ("X", np.linspace(0.45, 2.45, 300), "class X is not"),
    ("S", np.linspace(0.90, 2.45, 300), "needs 0.82-2.08 um"),
    ("S", np.linspace(0.45, 2.00, 300), "needs 0.82-2.08 um"),
])
def test_no_composition_and_a_reason(stand_in, top, w, message):
    found = composition_of(Spectrum(w, _s_type(w)), top)
    assert found.modal is None and found.models == [] and message in found.note
    assert "spectrum" not in stand_in                      # the network never ran


def test_band_summary_of_an_s_type_and_why_not_for_a_short_one():
    w = np.linspace(0.45, 2.45, 300)
    band = band_summary(w, _s_type(w))
    assert 0.9 < band["band_i_centre_um"] < 1.0 and 1.85 < band["band_ii_centre_um"] < 2.05
    assert band["gaffey_subtypes"] and 0 < band["dunn_ol_px"] < 1
    short = band_summary(w[w < 2.0], _s_type(w[w < 2.0]))
    assert set(short) == {"error"} and "Band II" in short["error"]


def test_the_recipe_trains_a_preset_that_composition_of_reads(mirror, tmp_path):
    import json

    from astrokeras.export.preset_files import save_small
    from astrokeras.recipes import RECIPES

    recipe = RECIPES[mineralogy.PRESET]
    with pytest.raises(ValueError, match="does not take"):
        recipe.train(quick=True, precision="mixed_float16")
    model, card = recipe.train(quick=True, epochs=1)
    assert len(card["grid_um"]) == 201 and card["requires_um"] == [0.82, 2.08] and card["spectra"] == 674
    card = {"file": "c.keras", "tflite": "c.tflite", **card}
    save_small(model, tmp_path / "c.keras")
    (tmp_path / "presets.json").write_text(json.dumps({mineralogy.PRESET: card}))
    w = np.linspace(0.45, 2.45, 300)
    found = composition_of(Spectrum(w, _s_type(w)), "S", presets=tmp_path)
    assert found.modal is not None and sum(found.modal.values()) == pytest.approx(1, abs=1e-3)
    assert found.models == [mineralogy.PRESET] and all(v > 0 for v in found.modal_1sigma.values())
