"""Load a shipped preset as its Keras network (the presets' cards and TFLite copies need no Keras: see
:mod:`astrokeras.presets`).

Importing this module registers every astrokeras network, so any preset deserialises to its own class.

Example
-------
>>> from astrokeras.models import load_preset
>>> model, card = load_preset("asc-net-visible-4class")
>>> type(model).__name__, card["classes"]
('ASCNet', ['S', 'C', 'X', 'Other'])
"""

from __future__ import annotations

import astrokeras.layers  # registers the custom layers
import astrokeras.losses  # noqa: F401  (registers the losses)
from astrokeras.models import (  # noqa: F401  (register the networks)
    aae_net,
    ae_trans,
    asc_net,
    composition_blend,
    composition_ensemble,
    composition_net,
    coverage_net,
    korda_cnn,
)
from astrokeras.models.preset_model import load_keras_file
from astrokeras.presets import card_of, preset_path


def load_preset(name: str, directory=None):
    """``(model, card)`` of preset ``name`` (each file is loaded once per process)."""
    return load_keras_file(str(preset_path(name, directory))), card_of(name, directory)
