"""Precision policy, distribution strategy and the `astrokeras train` command."""

import json

import keras
import numpy as np
import pytest

from astrokeras.cli import main
from astrokeras.models import ASCNet
from astrokeras.training.runtime import configure_precision, distribution_strategy, precision_scope


def test_auto_precision_is_float32_on_this_cpu_and_the_scope_restores_the_policy():
    with precision_scope("auto") as chosen:
        assert chosen == "float32"  # CI has no GPU; mixed precision is slower on CPUs
    with precision_scope("mixed_float16"):
        model = ASCNet(16, 3, conv_filters=(4, 4, 4), dense_units=(8, 8, 8), key_dim=4)
    assert keras.mixed_precision.global_policy().name == "float32"
    assert model.get_layer("encoder_0").compute_dtype == "float16"
    assert model.output.dtype == "float32"  # softmax kept in float32
    with pytest.raises(ValueError, match="precision must be one of"):
        configure_precision("float8")


def test_strategies():
    import tensorflow as tf

    devices = len(tf.config.list_logical_devices("GPU")) or 1   # MirroredStrategy: every GPU, else the CPU
    assert distribution_strategy("mirrored").num_replicas_in_sync == devices
    assert distribution_strategy(None) is tf.distribute.get_strategy()
    with pytest.raises(ValueError, match="needs TF_CONFIG"):
        distribution_strategy("multiworker")
    with pytest.raises(ValueError, match="strategy must be one of"):
        distribution_strategy("horovod")


@pytest.mark.integration
def test_train_command_writes_a_loadable_model_and_its_card(mirror, tmp_path, capsys):
    path = tmp_path / "asc4.keras"
    assert main(["train", "asc-net-visible-4class", "--epochs", "1", "--holdout-fold", "2",
                 "--output", str(path)]) == 0
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["classes"] == ["S", "C", "X", "Other"] and card["epochs_run"] == 1 and card["holdout_fold"] == 2
    assert card["spectra"] == 1334 - 267                      # fold 2 (267 spectra) left out
    model = keras.saving.load_model(path)
    assert model.predict(np.ones((2, 49), "float32"), verbose=0).shape == (2, 4)
    with pytest.raises(SystemExit) as usage:
        main(["train", "no-such-recipe", "--output", str(path)])
    assert usage.value.code == 2 and "unknown recipe 'no-such-recipe'" in capsys.readouterr().err
