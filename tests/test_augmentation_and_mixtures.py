import numpy as np
import pytest

from astrokeras.physics.mixtures import simulate_mixtures
from astrokeras.spectra import SpectrumError
from astrokeras.spectra.augmentation import augment_pca_noise


def _toy(seed=0):
    rng = np.random.default_rng(seed)
    base = np.linspace(0.8, 1.2, 25)
    X = np.concatenate([base + 0.02 * rng.normal(size=(12, 25)), base[::-1] + 0.02 * rng.normal(size=(5, 25))])
    return X, np.array([0] * 12 + [1] * 5)


def test_augmentation_fills_every_class_and_keeps_originals():
    X, y = _toy()
    out = augment_pca_noise(X, y, n_per_class=40, seed=3)
    assert np.bincount(out.y).tolist() == [40, 40]
    np.testing.assert_array_equal(out.X[: len(X)], X)
    assert np.array_equal(out.y, y[out.parent])


def test_augmented_copies_are_new_but_close_to_their_class():
    X, y = _toy()
    out = augment_pca_noise(X, y, n_per_class=40, seed=3)
    synthetic = out.X[len(X):]
    assert not np.any(np.all(np.isclose(synthetic[:, None, :], X[None]), axis=-1))  # no verbatim copy
    distance_own = np.abs(synthetic - X[out.parent[len(X):]]).mean()
    distance_other = np.abs(synthetic - X[np.where(out.parent[len(X):] < 12, 12, 0)]).mean()
    assert distance_own < distance_other


def test_augmentation_is_seeded():
    X, y = _toy()
    a = augment_pca_noise(X, y, n_per_class=30, seed=5)
    b = augment_pca_noise(X, y, n_per_class=30, seed=5)
    c = augment_pca_noise(X, y, n_per_class=30, seed=6)
    assert np.array_equal(a.X, b.X) and not np.array_equal(a.X, c.X)


def test_a_full_class_gets_no_copies():
    X, y = _toy()
    out = augment_pca_noise(X, y, n_per_class=8, seed=0)
    assert np.bincount(out.y).tolist() == [12, 8]


def test_mixtures_are_linear_normalised_and_on_the_simplex():
    wavelength = np.array([0.45, 0.55, 0.75, 1.0])
    E = np.array([[0.2, 0.25, 0.3, 0.2], [0.4, 0.4, 0.35, 0.3], [0.1, 0.2, 0.3, 0.4]])
    mix = simulate_mixtures(E, wavelength, n=200, seed=1)
    assert np.all(mix.abundances >= 0) and np.allclose(mix.abundances.sum(axis=1), 1)
    np.testing.assert_allclose(mix.spectra[:, 1], 1.0)
    raw = mix.abundances @ E
    np.testing.assert_allclose(mix.spectra, raw / raw[:, 1:2])


def test_mixture_noise_follows_the_snr():
    wavelength = np.linspace(0.45, 2.45, 50)
    E = np.vstack([np.full(50, 0.3), np.full(50, 0.5)])
    clean = simulate_mixtures(E, wavelength, n=2000, seed=2, normalise_at=None)
    noisy = simulate_mixtures(E, wavelength, n=2000, seed=2, snr=50, normalise_at=None)
    ratio = np.std((noisy.spectra - clean.spectra) / clean.spectra)
    assert 0.018 < ratio < 0.022


def test_mixtures_refuse_bad_endmembers():
    with pytest.raises(SpectrumError, match="negative"):
        simulate_mixtures(np.array([[0.1, -0.2, 0.3]]), [0.45, 0.55, 0.65], n=3)
