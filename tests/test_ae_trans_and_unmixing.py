"""AE-trans, its layers and losses, and the classical unmixing used as baselines."""

import subprocess
import sys

import keras
import numpy as np
import pytest

from astrokeras.layers import EndmemberDecoder, NonNegative, NormaliseAt
from astrokeras.losses import MSESAD, SAD, SID, SADMetric
from astrokeras.models import AETrans
from astrokeras.physics.unmixing import endmember_sad, fcls, match_endmembers, rmse, spectral_angles, vca

RNG = np.random.default_rng(0)
E = RNG.uniform(0.1, 0.9, size=(3, 24))


def test_sad_and_sid_are_scale_free_and_sad_matches_the_angle():
    a = np.array([[1.0, 2.0, 3.0]])
    assert float(SAD()(a, 5 * a)) == pytest.approx(0.0, abs=1e-3)
    assert float(SAD()(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))) == pytest.approx(np.pi / 2, abs=1e-3)
    assert float(SID()(a, 3 * a)) == pytest.approx(0.0, abs=1e-6)
    assert float(SID()(a, a[:, ::-1])) == pytest.approx(float(SID()(a[:, ::-1], a)))
    assert float(SID()(a, a[:, ::-1])) > 0.1
    combined = MSESAD(beta=2.0, gamma=0.5)
    b = np.array([[1.0, 2.5, 2.0]])
    expected = 2.0 * np.mean((a - b) ** 2) + 0.5 * float(SAD()(a, b))
    assert float(combined(a, b)) == pytest.approx(expected, rel=1e-5)
    assert MSESAD.from_config(combined.get_config()).gamma == 0.5
    metric = SADMetric()
    metric.update_state(a, 5 * a)
    assert float(metric.result()) == pytest.approx(0.0, abs=1e-3)


def test_endmember_decoder_mixes_linearly_and_stays_non_negative_after_training():
    layer = EndmemberDecoder(E)
    abundances = np.array([[0.2, 0.3, 0.5]], "float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(abundances)), abundances @ E, rtol=1e-5)
    np.testing.assert_allclose(layer.endmembers, E, rtol=1e-6)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, EndmemberDecoder(E)(inputs))
    model.compile(keras.optimizers.SGD(10.0), "mse")      # a huge step pushes weights below zero...
    model.fit(RNG.dirichlet([1, 1, 1], 32), -np.ones((32, 24)), epochs=2, verbose=0)
    assert model.layers[-1].endmembers.min() >= 0.0      # ...and the constraint clips them back
    assert keras.ops.convert_to_numpy(NonNegative()(keras.ops.array([-1.0, 1.0]))).tolist() == [0.0, 1.0]


def test_ae_trans_abundances_are_on_the_simplex_and_reconstruct_normalised_spectra():
    model = AETrans(24, E, normalise_index=5, cbs_channels=(8, 8, 4), width=8, num_heads=2, mlp_units=8)
    out = model.predict(RNG.uniform(0.5, 1.5, size=(6, 24)).astype("float32"), verbose=0)
    assert out["abundances"].shape == (6, 3) and out["abundances"].min() >= 0
    np.testing.assert_allclose(out["abundances"].sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(out["reconstruction"][:, 5], 1.0, rtol=1e-5)
    expected = out["abundances"] @ E
    np.testing.assert_allclose(out["reconstruction"], expected / expected[:, 5:6], rtol=1e-4)
    with pytest.raises(ValueError, match=r"endmembers must be \(R, 24\)"):
        AETrans(24, E[:, :10])


def test_ae_trans_round_trips_in_a_fresh_process(tmp_path):
    model = AETrans(24, E, normalise_index=5, cbs_channels=(8, 8, 4), width=8, num_heads=2, mlp_units=8)
    x = RNG.uniform(0.5, 1.5, size=(4, 24)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    model.save(tmp_path / "ae.keras")
    code = (
        "import numpy as np, keras, astrokeras.models\n"
        f"m = keras.saving.load_model(r'{tmp_path / 'ae.keras'}')\n"
        "assert type(m).__name__ == 'AETrans' and m.normalise_index == 5\n"
        f"np.save(r'{tmp_path / 'a.npy'}', m.predict(np.load(r'{tmp_path / 'x.npy'}'), verbose=0)['abundances'])\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    np.testing.assert_allclose(np.load(tmp_path / "a.npy"), model.predict(x, verbose=0)["abundances"], rtol=1e-5)


def test_normalise_at():
    out = keras.ops.convert_to_numpy(NormaliseAt(1)(keras.ops.array([[2.0, 4.0, 8.0]])))
    assert out.tolist() == [[0.5, 1.0, 2.0]]


def test_fcls_is_exact_on_linear_mixtures_with_or_without_normalisation():
    A = RNG.dirichlet([1, 1, 1], 50)
    X = A @ E
    np.testing.assert_allclose(fcls(X, E, scale_free=False), A, atol=1e-6)
    np.testing.assert_allclose(fcls(X / X[:, :1], E), A, atol=1e-8)


def test_vca_finds_pure_spectra_and_matching_undoes_a_permutation():
    A = np.vstack([np.eye(3), RNG.dirichlet([1, 1, 1], 200)])
    V = vca(A @ E, 3)
    assert endmember_sad(V, E) == pytest.approx(0.0, abs=1e-6)
    shuffled = E[[2, 0, 1]]
    order = match_endmembers(shuffled, E)
    np.testing.assert_allclose(shuffled[order], E)
    assert spectral_angles(E, E).diagonal().max() < 1e-6
    assert rmse([0.0, 0.0], [3.0, 4.0]) == pytest.approx(np.sqrt(12.5))


@pytest.mark.integration
def test_relab_mixtures_select_the_plagioclase_free_samples(mirror):
    from astrokeras.datasets.tasks import relab_olivine_pyroxene

    X, A, samples = relab_olivine_pyroxene()
    assert X.shape == (483, 201) and int((A.max(axis=1) < 0.99).sum()) == 155
    np.testing.assert_allclose(A.sum(axis=1), 1.0)
    np.testing.assert_allclose(X[:, 10], 1.0)   # normalised at 0.55 um


@pytest.mark.integration
def test_table8_machinery_on_few_mixtures(mirror, monkeypatch, tmp_path):
    from astrokeras.datasets import tasks
    from astrokeras.reproduce import unmixing_tables

    monkeypatch.setattr(tasks, "ACAD_MIXTURES", 150)
    monkeypatch.setattr(unmixing_tables, "_TRAINED", {})
    result = unmixing_tables.run_unmixing_table("8", quick=True, output=tmp_path)
    rows = {(r["method"], r["data"]): r for r in result["rows"]}
    assert set(m for m, _ in rows) == {"AE-trans", "FCLS (true end-members)", "VCA + FCLS", "NMF", "SparsePCA"}
    assert rows[("FCLS (true end-members)", "noise-free")]["rmse"] < 1e-6       # exact on noise-free mixtures
    assert rows[("FCLS (true end-members)", "SNR 100")]["rmse"] > 1e-4
    assert rows[("AE-trans", "noise-free")]["sad"] == pytest.approx(0.0, abs=1e-6)  # frozen end-members
    assert 0 < rows[("AE-trans", "noise-free")]["rmse"] < 0.6
    assert (tmp_path / "table8.json").exists()
    assert "VCA + FCLS" in unmixing_tables.format_unmixing_table(result)
