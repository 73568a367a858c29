"""CompositionEnsemble: the mixture's moments, calibration, saving, and refusing members that do not fit."""

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astrokeras.evaluation.fold_store import FoldStore
from astrokeras.models.composition_ensemble import CompositionEnsemble, EnsembleMoments
from astrokeras.models.composition_net import CompositionNet, split_outputs
from astrokeras.training.composition import sigma_scales
from astrokeras.training.composition_ensemble import calibrate_ensemble

BANDS = 16


def _members(count, bands=BANDS, seed=0):
    keras.utils.set_random_seed(seed)
    return [CompositionNet(bands, width=8, mlp_units=8, head_units=8, conv_filters=4) for _ in range(count)]


def _inputs(rows=6, bands=BANDS, seed=0):
    rng = np.random.default_rng(seed)
    mask = np.ones((rows, bands), "float32")
    mask[0, bands // 2:] = 0  # one partial spectrum
    return {"spectrum": rng.uniform(0.5, 1.5, (rows, bands)).astype("float32"), "mask": mask}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(-1, 1), st.floats(-4, 1)), min_size=1, max_size=5))
def test_moments_are_the_mixture_mean_and_total_variance(members):
    means = np.array([[m] for m, _ in members], "float32")
    log_sigmas = np.array([[s] for _, s in members], "float32")
    packed = [keras.ops.convert_to_tensor(np.concatenate([means[k:k + 1], log_sigmas[k:k + 1]], axis=1))
              for k in range(len(members))]
    out = keras.ops.convert_to_numpy(EnsembleMoments(1)(packed))[0]
    variance = np.mean(np.exp(2.0 * log_sigmas)) + np.var(means)
    assert out[0] == pytest.approx(means.mean(), abs=1e-5)
    assert out[1] == pytest.approx(0.5 * np.log(variance), abs=1e-4)


def test_the_ensemble_answers_what_its_members_say_together():
    members = _members(3)
    ensemble = CompositionEnsemble(members)
    x = _inputs()
    parts = split_outputs(ensemble.predict(x, verbose=0))
    alone = [split_outputs(m.predict(x, verbose=0)) for m in members]
    for key in ("modal", "chemistry"):
        means = np.stack([a[key] for a in alone])
        sigmas = np.stack([a[f"{key}_sigma"] for a in alone])
        np.testing.assert_allclose(parts[key], means.mean(axis=0), atol=1e-5)
        np.testing.assert_allclose(parts[f"{key}_sigma"], np.sqrt((sigmas ** 2).mean(axis=0) + means.var(axis=0)),
                                   rtol=1e-4)
        assert (parts[f"{key}_sigma"] >= sigmas.min(axis=0) - 1e-6).all()  # never tighter than its members
    np.testing.assert_allclose(parts["modal"].sum(axis=1), 1.0, atol=1e-5)


def test_one_member_is_that_member():
    member = _members(1)[0]
    x = _inputs()
    np.testing.assert_allclose(CompositionEnsemble([member]).predict(x, verbose=0)["modal"],
                               member.predict(x, verbose=0)["modal"], atol=1e-6)


def test_saved_and_loaded_with_its_calibration(tmp_path):
    ensemble = CompositionEnsemble(_members(2))
    ensemble.get_layer("modal_ensemble").log_scale.assign(np.full(4, 0.25, "float32"))
    ensemble.save(tmp_path / "e.keras")
    loaded = keras.saving.load_model(tmp_path / "e.keras", compile=False)
    assert isinstance(loaded, CompositionEnsemble) and [m.name for m in loaded.members] == ["member_0", "member_1"]
    x = _inputs()
    for key in ("modal", "chemistry"):
        np.testing.assert_allclose(loaded.predict(x, verbose=0)[key], ensemble.predict(x, verbose=0)[key], atol=1e-6)


def test_calibration_puts_68_percent_within_one_sigma():
    ensemble = CompositionEnsemble(_members(2))
    x = _inputs(rows=200, seed=1)
    parts = split_outputs(ensemble.predict(x, verbose=0))
    rng = np.random.default_rng(2)
    modal = parts["modal"] + rng.normal(0, 0.2, parts["modal"].shape)  # residuals far wider than predicted
    chemistry = parts["chemistry"] + rng.normal(0, 0.01, parts["chemistry"].shape)
    factors = calibrate_ensemble(ensemble, x, modal, chemistry)
    assert min(factors["modal"]) > 1 and max(factors["chemistry"]) < max(factors["modal"])
    after = split_outputs(ensemble.predict(x, verbose=0))
    np.testing.assert_allclose(sigma_scales(after["modal"], after["modal_sigma"], modal), 1.0, atol=1e-3)


def test_members_on_another_grid_or_of_another_kind_are_refused():
    with pytest.raises(ValueError, match="first one's grid"):
        CompositionEnsemble([*_members(1), *_members(1, bands=20)])
    with pytest.raises(ValueError, match="at least one member"):
        CompositionEnsemble([])


def test_an_interrupted_ensemble_training_resumes_at_the_next_member(tmp_path, monkeypatch, mirror):
    from astrokeras.datasets.relab_composition import composition_data
    from astrokeras.training import composition_ensemble
    from astrokeras.training.composition import CompositionConfig

    data = composition_data()
    rows = np.arange(0, len(data), 4)
    config = CompositionConfig(mixtures="none", epochs=1, patience=1)
    store = FoldStore(tmp_path, {"test": 1})
    first, _ = composition_ensemble.fit_composition_ensemble(data, rows, config, (0, 1), store=store)
    trained = []
    real_fit = composition_ensemble.fit_composition
    monkeypatch.setattr(composition_ensemble, "fit_composition",
                        lambda *a, **k: trained.append(a[2].seed) or real_fit(*a, **k))
    again, info = composition_ensemble.fit_composition_ensemble(data, rows, config, (0, 1, 2), store=store)
    assert trained == [2] and [m["seed"] for m in info["members"]] == [0, 1, 2]  # 0 and 1 read back
    x = {"spectrum": data.spectra[:3].astype("float32"), "mask": np.ones((3, data.spectra.shape[1]), "float32")}
    np.testing.assert_array_equal(again.members[1].predict(x, verbose=0)["modal"],
                                  first.members[1].predict(x, verbose=0)["modal"])


@pytest.mark.integration
def test_quick_composition_ensemble_table_on_the_real_data(mirror, tmp_path):
    from astrokeras.reproduce.composition_ensemble_table import (
        format_composition_ensemble,
        mixture,
        run_composition_ensemble_table,
    )

    result = run_composition_ensemble_table(output=tmp_path, quick=True, only_folds=(1,))
    assert [r["method"] for r in result["rows"]] == [
        "CompositionNet, seed 0", "CompositionNet, seed 1", "CompositionEnsemble of 2 (seeds [0, 1])"]
    single = [r["conditions"]["fresh"]["subsets"]["all"]["modal_rmse"] for r in result["rows"][:2]]
    assert single[0] != single[1]                                       # the seeds trained different networks
    assert result["rows"][2]["conditions"]["weathered_nirs"]["subsets"]["all"]["n"] > 100
    asteroids = result["asteroids"]
    assert asteroids["preset"] == "composition-net-mineralogy" and len(asteroids["members"]) == len(asteroids["seeds"])
    members_ol = [m["itokawa"]["OL"] for m in asteroids["members"]]
    assert min(members_ol) - 0.05 <= asteroids["ensemble"]["itokawa"]["OL"] <= max(members_ol) + 0.05
    text = format_composition_ensemble(result)
    assert "spread over the members" in text and "Itokawa" in text
    again = run_composition_ensemble_table(output=tmp_path, quick=True, only_folds=(1,))   # read back, not retrained
    assert again["rows"] == result["rows"] and again["seconds"] < result["seconds"]
    parts = [{"modal": np.array([[0.2, 0.8]]), "modal_sigma": np.array([[0.1, 0.1]])},
             {"modal": np.array([[0.4, 0.6]]), "modal_sigma": np.array([[0.1, 0.1]])}]
    np.testing.assert_allclose(mixture(parts, ("modal",))["modal_sigma"], np.sqrt(0.01 + 0.01), atol=1e-12)


def test_a_second_ensemble_is_compared_with_the_shipped_one(monkeypatch, tmp_path, mirror):
    from astrokeras.reproduce import composition_ensemble_table as table
    from astrokeras.training import composition_ensemble

    class Ensemble:
        members = ("member 5", "member 6")

    def answers(model, ol=None):
        ol = {"member 5": 0.40, "member 6": 0.70, "ensemble": 0.55}.get(model, ol)
        return {"itokawa": {"OL": ol, "OPX": 0.2, "CPX": 0.8 - ol}, "itokawa_sigma": {}, "eros_ol_px": ol}

    seen = {}
    monkeypatch.setattr(composition_ensemble, "fit_composition_ensemble", lambda data, rows, config, seeds, store:
                        seen.update(seeds=seeds, folder=store.folder) or
                        (Ensemble(), {"validation_score": 0.2, "members": [{"validation_score": 0.3}] * 2}))
    monkeypatch.setattr(table, "_asteroid_answers", lambda m: answers("ensemble" if isinstance(m, Ensemble) else m))
    first = {"ensemble": answers(None, 0.65), "members": [answers(None, 0.60), answers(None, 0.70)]}
    second = table.second_ensemble_rows(tmp_path, first, seeds=(5, 6), echo=lambda *_: None)
    assert seen["seeds"] == (5, 6) and seen["folder"].name == "composition-ensemble-second"
    assert [m["seed"] for m in second["members"]] == [5, 6]
    assert second["difference_pp"]["itokawa"] == {"OL": 10.0, "OPX": 0.0, "CPX": 10.0}
    assert second["ten_members_pp"]["itokawa"]["OL"]["range"] == 30.0  # 0.40..0.70 over the four members
