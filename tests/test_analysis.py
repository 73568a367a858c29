"""`analyze` on real spectra with the shipped presets, its CLI, and its errors."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from astrokeras import analyze, datasets
from astrokeras.analysis import ALBEDO, ALBEDO_VISIBLE, CLASSIFIER, COMPOSITION
from astrokeras.models import load_preset
from astrokeras.presets import grid_of, load_lite_preset, preset_cards
from astrokeras.spectra import SpectrumError, paper_grid


def _s_type_like(w):
    """A smooth red spectrum with a 1 um and a 2 um band, built in code (no data needed)."""
    w = np.asarray(w, dtype=float)
    return (1 + 0.3 * (w - 0.55) - 0.15 * np.exp(-(((w - 0.95) / 0.12) ** 2)) - 0.05 * np.exp(-(((w - 1.95) / 0.2) ** 2)))


@pytest.fixture(scope="module")
def eros(mirror):
    """Eros's VIS-NIR spectrum (korda2023 / Bus-DeMeo, an S-type), 401 bands."""
    data = datasets.load_busdemeo()
    row = int(np.flatnonzero(data.meta["designation"].to_numpy() == "433")[0])
    return data.wavelength, data.reflectance[row]


@pytest.fixture(scope="module")
def ceres_visible(mirror):
    data = datasets.load_smass2()
    row = int(np.flatnonzero(data.meta["designation"].to_numpy() == "1")[0])
    return data.wavelength, data.reflectance[row]


def _csv(path, w, r):
    path.write_text("wavelength,reflectance\n" + "".join(f"{a:.6f},{b:.6f}\n" for a, b in zip(w, r)))
    return path


def test_every_preset_has_a_card_a_keras_file_and_a_matching_tflite_copy():
    cards = preset_cards()
    assert {"coverage-net-taxonomy", "asc-net-visible-4class", "asc-net-visnir-11class", "aae-net-albedo",
            "aae-net-albedo-visible", "ae-trans-olivine-pyroxene", "composition-net-mineralogy"} == set(cards)
    rng = np.random.default_rng(0)
    for name, card in cards.items():
        model, _ = load_preset(name)
        run, _ = load_lite_preset(name)
        inputs = {t.name: (1 + 0.05 * rng.random((3,) + tuple(t.shape[1:]))).astype("float32") for t in model.inputs}
        if "class_probabilities" in inputs:
            inputs["class_probabilities"] /= inputs["class_probabilities"].sum(1, keepdims=True)
        reference = model.predict(inputs if len(inputs) > 1 else inputs["spectrum"], verbose=0)
        lite = run(**inputs)
        reference = reference if isinstance(reference, dict) else {next(iter(lite)): reference}
        for key, value in lite.items():
            np.testing.assert_allclose(value, reference[key], atol=1e-4, err_msg=f"{name}:{key}")
        assert grid_of(card).size == model.inputs[0].shape[-1]


def test_visnir_s_type_gets_11_classes_albedo_and_composition(eros):
    result = analyze(*eros, name="433")
    assert result.classifier == CLASSIFIER and result.scheme == "11-class" and len(result.probabilities) == 11
    assert abs(sum(result.probabilities) - 1) < 1e-3 and abs(sum(result.probabilities_4) - 1) < 1e-3
    assert result.top_class == "S"                         # Eros is an S-type (Bus-DeMeo Sw)
    assert result.models == [CLASSIFIER, ALBEDO, COMPOSITION]
    assert 0.1 < result.albedo < 0.4                        # catalogue 0.25: an S-type albedo, not a C-type's
    assert result.albedo_1sigma[0] < result.albedo < result.albedo_1sigma[1]
    assert set(result.composition) == set(result.composition_1sigma) == {"OL", "OPX", "CPX", "PLG"}
    assert abs(sum(result.composition.values()) - 1) < 1e-3
    assert all(0 < s < 1 for s in result.composition_1sigma.values())
    assert result.composition["OL"] > 0.1 and "Fa" in result.chemistry and "Fa" in result.chemistry_1sigma
    band = result.band_parameters                          # Eros: Band I near 1 um, an S(IV) in the literature
    assert 0.9 < band["band_i_centre_um"] < 1.05 and 1.8 < band["band_ii_centre_um"] < 2.1 and band["bar"] > 0
    assert "CompositionNet" in result.composition_note and "full 0.45-2.45" in result.composition_note
    assert not result.out_of_distribution


def test_visible_spectrum_gets_the_4_class_headline_and_no_composition(ceres_visible):
    result = analyze(*ceres_visible, name="1")
    assert result.scheme == "4-class" and result.classes == ["S", "C", "X", "Other"]
    assert result.top_class == "C"                         # Ceres: C (Bus-DeMeo), from its SMASS II spectrum
    assert result.composition is None and "class C is not an olivine-pyroxene" in result.composition_note
    assert result.models == [CLASSIFIER, ALBEDO_VISIBLE] and "Bus-class probabilities" in result.albedo_method
    assert 0.02 < result.albedo < 0.12                     # a C-type's albedo (catalogue 0.034), not an S-type's
    assert result.albedo_1sigma[0] < result.albedo < result.albedo_1sigma[1]


def test_the_visible_albedo_reads_bus_classes_so_vesta_is_a_v_type_not_other(mirror):
    # S / C / X / Other puts V (albedo ~0.3) with D and T (~0.05); the card's Bus class model tells them apart.
    data = datasets.load_smass2()
    row = int(np.flatnonzero(data.meta["designation"].to_numpy() == "4")[0])
    result = analyze(data.wavelength, data.reflectance[row], name="4")
    assert result.top_class == "Other" and "(top: V," in result.albedo_method
    assert result.albedo > 0.2                                  # a V-type's albedo (catalogue 0.35-0.42)
    card = preset_cards()[ALBEDO_VISIBLE]
    assert len(card["classes"]) == 24 and card["class_model"]["scheme"] == "Bus"
    assert np.asarray(card["class_model"]["weights"]).shape == (len(card["grid_um"]), 24)


def test_a_visible_spectrum_short_of_0_44_um_gets_the_class_mean_rule(ceres_visible):
    w, r = ceres_visible
    keep = w >= 0.5
    result = analyze(w[keep], r[keep])
    assert "class-mean" in result.albedo_method and result.models == [CLASSIFIER]


def test_near_infrared_only_s_type_is_classified_without_the_visible_normalisation(eros):
    w, r = eros
    keep = w >= 0.85
    result = analyze(w[keep], r[keep], name="433 NIR")
    assert result.scheme == "11-class" and result.top_class in ("S", "Q")
    assert result.coverage_used.startswith("0.8") and result.composition is None
    assert "class-mean" in result.albedo_method           # AAE-Net needs 0.45-2.45 um


def test_nonsense_is_flagged_out_of_distribution_and_stays_valid_json():
    w = paper_grid(0.45, 2.45)
    sine = 1 + 0.5 * np.sin(2 * np.pi * w / 0.15)
    result = analyze(w, sine, name="sine")
    assert result.out_of_distribution and any("out of distribution" in x for x in result.warnings)
    real = analyze(w, _s_type_like(w))
    assert real.ood_score < result.ood_score
    json.dumps(result.to_dict(), allow_nan=False)


def test_an_s_type_short_of_the_2_um_band_gets_a_class_and_no_composition(eros):
    # Eros's own spectrum cut at 1.9 um (a toy S-like curve is ambiguous between S, K, L and X at this coverage)
    w, r = eros
    keep = w <= 1.9
    result = analyze(w[keep], r[keep])
    assert result.top_class in ("S", "Q") and result.composition is None and result.chemistry is None
    assert "needs 0.82-2.08 um without gaps" in result.composition_note


def test_an_s_type_with_a_gap_between_the_bands_gets_no_composition(eros):
    w, r = eros
    keep = (w < 1.3) | (w > 1.6)                          # a gap wider than the 0.12 um bridged by interpolation
    result = analyze(w[keep], r[keep])
    assert result.top_class in ("S", "Q") and result.composition is None
    assert "without gaps" in result.composition_note


def test_eros_cut_to_the_hayabusa_nirs_range_gets_a_composition_but_no_band_area_ratio(eros):
    w, r = eros
    keep = (w >= 0.80) & (w <= 2.10)
    result = analyze(w[keep], r[keep], name="433 NIRS")
    assert result.top_class in ("S", "Q") and abs(sum(result.composition.values()) - 1) < 1e-3
    assert "trained on the full range and on 0.82-2.08 um" in result.composition_note
    assert "held-out error on 0.82-2.08 um" in result.composition_note   # the card's accuracy for that window
    assert "Band II" in result.band_parameters["error"]    # the BAR needs the spectrum to 2.3 um
    full = analyze(w, r)
    assert full.composition != result.composition          # the network did read a different coverage


def test_units_and_scale_do_not_change_the_answer(eros):
    w, r = eros
    a = analyze(w, r)
    b = analyze(w * 1000.0, 3.7 * r)  # nanometres, another reflectance scale
    np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-4)
    assert a.albedo == pytest.approx(b.albedo, rel=1e-3)


@pytest.mark.parametrize("damage, message", [
    (lambda w, r: (w, np.where(np.arange(w.size) == 10, np.nan, r)), "NaN"),
    (lambda w, r: (w, np.where(np.arange(w.size) == 30, -0.2, r)), "negative"),
    (lambda w, r: (w[::-1], r[::-1]), "not sorted"),
    (lambda w, r: (np.r_[w[:5], w[4:]], np.r_[r[:5], r[4:]]), "duplicate wavelengths"),
    (lambda w, r: (w[(w > 1.0) & (w < 1.15)], r[(w > 1.0) & (w < 1.15)]), "covers only 1.01-1.14 um"),
    (lambda w, r: (w, np.where(np.arange(w.size) == 12, 0.0, r)), "zero at 1 point"),
    (lambda w, r: (w, np.stack([r, r])), "one spectrum"),
])
def test_bad_spectra_are_refused_with_what_is_wrong(damage, message):
    w = paper_grid(0.45, 2.45)
    bad_w, bad_r = damage(w, _s_type_like(w))
    with pytest.raises(SpectrumError, match=message):
        analyze(bad_w, bad_r)


def test_a_spectrum_built_in_code_gets_all_three_answers():
    w = paper_grid(0.45, 2.45)
    result = analyze(w, _s_type_like(w), name="toy")
    assert result.scheme == "11-class" and result.albedo > 0 and result.coverage_um == (0.45, 2.45)
    json.dumps(result.to_dict(), allow_nan=False)        # valid JSON: no NaN or Infinity anywhere


def test_cli_analyze_keeps_going_past_a_bad_file_and_writes_json_csv_and_a_plot(tmp_path):
    w = paper_grid(0.45, 2.45)
    good = _csv(tmp_path / "toy.csv", w, _s_type_like(w))
    visible = _csv(tmp_path / "visible.csv", paper_grid(0.44, 0.92), _s_type_like(paper_grid(0.44, 0.92)))
    bad = tmp_path / "broken.csv"
    bad.write_text("wavelength,reflectance\n0.5,1\n0.4,1\n0.6,1\n")
    run = lambda *args: subprocess.run([sys.executable, "-m", "astrokeras.cli", "analyze", *args],  # noqa: E731
                                       capture_output=True, text=True)
    out = run(str(good), str(bad), str(visible), "--json", "--plot", str(tmp_path / "figs"))
    assert out.returncode == 2, out.stderr
    assert "broken.csv" in out.stderr and "not sorted" in out.stderr
    rows = json.loads(out.stdout)                         # one list, the error in its place
    assert [r["file"] for r in rows] == [str(good), str(bad), str(visible)]
    assert "not sorted" in rows[1]["error"] and rows[0]["scheme"] == "11-class" and rows[2]["scheme"] == "4-class"
    assert (tmp_path / "figs" / "toy.png").stat().st_size > 10_000
    single = json.loads(run(str(good), "--json").stdout)
    assert isinstance(single, list) and len(single) == 1  # the same shape for one file
    out = run(str(good), "--csv")
    assert out.returncode == 0, out.stderr
    header, row = out.stdout.strip().splitlines()
    assert header.startswith("name,coverage_used,classifier,scheme,top_class,class_busdemeo,class_bus,class_demeo2009,p_A")
    assert row.startswith("toy,") and f",{CLASSIFIER},11-class," in row

    usage = run(str(good), "--csv", "--json")
    assert usage.returncode == 2 and "not allowed with" in usage.stderr
    assert run().returncode == 2


def test_cli_csv_carries_the_composition_its_sigma_and_the_band_parameters(eros, tmp_path):
    path = _csv(tmp_path / "eros.csv", *eros)
    out = subprocess.run([sys.executable, "-m", "astrokeras.cli", "analyze", str(path), "--csv"], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    [record] = list(csv.DictReader(out.stdout.strip().splitlines()))
    assert record["top_class"] == "S" and 0 < float(record["OL"]) < 1 and 0 < float(record["OL_sigma"]) < 1
    assert 0 < float(record["Fa"]) < 1 and 0 < float(record["Fa_sigma"]) < 1
    assert 0.9 < float(record["band_i_centre_um"]) < 1.05 and float(record["bar"]) > 0
    assert record["analogue_scheme"] == "ordinary chondrite" and record["analogue"] in {"H", "L", "LL"}
    probabilities = dict(item.split(":") for item in record["analogue_probabilities"].split())
    assert set(probabilities) == {"H", "L", "LL"} and abs(sum(map(float, probabilities.values())) - 1) < 0.01


def test_eros_reads_as_an_l_or_ll_chondrite_and_vesta_as_an_hed(eros, mirror):
    """NEAR's X-ray spectrometer put Eros with the L / LL chondrites; Vesta is the HED parent body."""
    result = analyze(*eros, name="433")
    assert result.meteorite_analogue["scheme"] == "ordinary chondrite"
    assert result.meteorite_analogue["class"] in {"L", "LL"}
    from astrokeras.analysis import format_analysis

    assert "analogue    " in format_analysis(result) and "chondrite" in format_analysis(result)
    data = datasets.load_busdemeo()
    row = int(np.flatnonzero(data.meta["designation"].to_numpy() == "4")[0])
    vesta = analyze(data.wavelength, data.reflectance[row], name="4")
    assert vesta.top_class == "V" and vesta.meteorite_analogue["scheme"] == "HED"
    assert vesta.meteorite_analogue["class"] in {"howardite", "eucrite", "diogenite"}
    assert abs(sum(vesta.meteorite_analogue["probabilities"].values()) - 1) < 0.01


def test_cli_analyze_a_catalogued_asteroid_and_refuse_an_unknown_one(mirror, capsys):
    from astrokeras.cli import main

    assert main(["analyze", "--asteroid", "433", "--json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["name"] == "433 (busdemeo)" and result["scheme"] == "11-class" and result["top_class"] == "S"
    assert main(["analyze", "--asteroid", "1", "--source", "smass2", "--json"]) == 0
    [ceres] = json.loads(capsys.readouterr().out)
    assert ceres["scheme"] == "4-class" and ceres["top_class"] == "C"
    assert main(["analyze", "--asteroid", "no such rock"]) == 2
    assert "not in busdemeo" in capsys.readouterr().err


def test_aae_net_reads_the_11_class_probabilities_not_the_groups(mirror):
    """A C-type with some B probability: AAE-Net must get the 11-class C, not the C group (C + B)."""
    data = datasets.load_busdemeo()
    row = int(np.flatnonzero(data.meta["designation"].to_numpy() == "1")[0])  # Ceres
    result = analyze(data.wavelength, data.reflectance[row])
    assert result.albedo_method.startswith("AAE-Net (aae-net-albedo)")
    run, card = load_lite_preset(ALBEDO)
    X = datasets.load_busdemeo().reflectance[row]
    grid = grid_of(card)
    x = np.interp(grid, data.wavelength, X)
    x = (x / np.interp(card.get("normalise_at_um", 0.55), grid, x)).astype("float32")
    P = np.asarray(result.probabilities_11, "float32")
    raw = run(spectrum=x[None], class_probabilities=P[None])["albedo"][0]
    assert result.albedo == pytest.approx(10 ** (raw[0] + P @ np.asarray(card["class_prior_log10"])), rel=2e-3)
