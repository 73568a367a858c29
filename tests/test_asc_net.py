"""ASC-Net: shapes, the Diff layer, serialization, and that a tiny model really learns."""

import subprocess
import sys

import keras
import numpy as np
import pytest

from astrokeras.layers import Diff
from astrokeras.models import ASCNet
from astrokeras.training import TrainConfig, fit_classifier, predict_proba

TINY = dict(conv_filters=(4, 4, 4), dense_units=(8, 8, 16), num_heads=2, key_dim=4)


def test_diff_gives_the_spectrum_and_its_first_difference():
    x = np.array([[1.0, 3.0, 6.0, 10.0]], dtype="float32")
    out = keras.ops.convert_to_numpy(Diff()(x))
    np.testing.assert_allclose(out[0, :, 0], x[0])
    np.testing.assert_allclose(out[0, :, 1], [0.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(Diff()(x[..., None])), out)


def test_asc_net_layout_follows_the_paper():
    model = ASCNet(49, 4)
    names = [layer.name for layer in model.layers]
    assert [model.get_layer(f"conv_{i}").kernel_size[0] for i in range(3)] == [3, 7, 3]
    assert [model.get_layer(f"encoder_{i}").units for i in range(3)] == [128, 256, 512]
    assert [model.get_layer(f"decoder_{i}").units for i in (2, 1)] == [512, 256]
    assert "attention" in names and "skip_2" in names and "skip_1" in names
    assert model.get_layer("dropout").rate == 0.2
    assert model.output.dtype == "float32"
    probabilities = keras.ops.convert_to_numpy(model(np.ones((3, 49), "float32")))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_keras_file_round_trips_in_a_fresh_process_without_custom_objects(tmp_path):
    model = ASCNet(16, 3, **TINY)
    x = np.random.default_rng(0).random((5, 16)).astype("float32")
    expected = model.predict(x, verbose=0)
    path = tmp_path / "asc.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    code = (
        "import numpy as np, keras, astrokeras.models\n"
        f"m = keras.saving.load_model(r'{path}')\n"
        "assert type(m).__name__ == 'ASCNet' and m.dense_units == (8, 8, 16)\n"
        f"np.save(r'{tmp_path / 'y.npy'}', m.predict(np.load(r'{tmp_path / 'x.npy'}'), verbose=0))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=1e-5, atol=1e-6)


def test_the_config_is_exactly_the_constructor_arguments():
    model = ASCNet(16, 3, **TINY, name="tiny")
    config = model.get_config()
    assert set(config) == {"name", "trainable", "bands", "num_classes", "conv_filters", "conv_kernels",
                           "dense_units", "num_heads", "key_dim", "dropout"}
    rebuilt = ASCNet.from_config(config)
    assert rebuilt.count_params() == model.count_params() and rebuilt.name == "tiny"


def test_from_preset_gives_the_shipped_network_and_refuses_another_kind():
    from astrokeras.models import AAENet
    from astrokeras.presets import PresetError

    model = ASCNet.from_preset("asc-net-visible-4class")
    assert model.input_shape == (None, 49) and model.output_shape == (None, 4)
    with pytest.raises(PresetError, match="not a AAENet"):
        AAENet.from_preset("asc-net-visible-4class")


def _separable(n=120, bands=16, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n // 3)
    slope = np.array([-0.3, 0.0, 0.3])[y]
    X = 1.0 + slope[:, None] * np.linspace(-1, 1, bands) + 0.03 * rng.normal(size=(n, bands))
    return X.astype("float32"), y


def test_a_tiny_asc_net_learns_a_separable_problem():
    X, y = _separable()
    config = TrainConfig(epochs=40, learning_rate=3e-3, batch_size=32, patience=40, verbose=0)
    model, history = fit_classifier(lambda: ASCNet(16, 3, **TINY), X, y, 3, config)
    X_test, y_test = _separable(seed=1)
    assert (predict_proba(model, X_test).argmax(axis=1) == y_test).mean() > 0.9
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_validation_is_carved_before_augmentation():
    X, y = _separable()
    seen = {}

    def augment(X_fit, y_fit):
        seen["rows"] = len(X_fit)
        return X_fit, y_fit, np.arange(len(X_fit))

    fit_classifier(lambda: ASCNet(16, 3, **TINY), X, y, 3,
                   TrainConfig(epochs=1, validation_fraction=0.25, verbose=0), augment=augment)
    assert seen["rows"] == 90  # 120 minus the 30 validation spectra: augmentation never saw those


def test_l1_loss_and_unknown_loss():
    X, y = _separable(n=30)
    model, _ = fit_classifier(lambda: ASCNet(16, 3, **TINY), X, y, 3, TrainConfig(epochs=1, loss="l1", verbose=0))
    assert model.loss.name == "mean_absolute_error"
    with pytest.raises(ValueError, match="loss must be one of"):
        TrainConfig(loss="hinge")


def test_an_interrupted_run_resumes_from_its_backup(tmp_path):
    X, y = _separable(n=60)

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("interrupted")

    config = TrainConfig(epochs=4, validation_fraction=0, verbose=0)
    build = lambda: ASCNet(16, 3, **TINY)  # noqa: E731
    backup = str(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="interrupted"):
        fit_classifier(build, X, y, 3, config, backup_dir=backup, callbacks=[Interrupt()])
    _, history = fit_classifier(build, X, y, 3, config, backup_dir=backup)
    assert len(history.history["loss"]) == 2  # epochs 3 and 4 only: it resumed after the 2 finished epochs
