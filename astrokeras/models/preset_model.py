"""The base of the astrokeras networks: a functional ``keras.Model`` whose config is its constructor arguments
(KerasHub's functional-subclass pattern) and which loads a shipped preset with ``from_preset``.

Example
-------
>>> from astrokeras.models import ASCNet
>>> model = ASCNet.from_preset("asc-net-visible-4class")
>>> model.bands, model.num_classes
(49, 4)
"""

from __future__ import annotations

import functools
import pathlib

import keras

from astrokeras.presets import PresetError, preset_path


class PresetModel(keras.Model):
    """A functional model built in ``__init__``; subclasses return their constructor arguments from
    ``get_config`` (on top of this class's ``name`` and ``trainable``) and register themselves."""

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @classmethod
    def from_preset(cls, name: str, directory=None):
        """The shipped (or ``directory``'s) preset ``name`` as an instance of this class.

        Raises :class:`~astrokeras.presets.PresetError` when the preset is another network.
        """
        model = load_keras_file(str(preset_path(name, directory)))
        if not isinstance(model, cls):
            raise PresetError(f"preset {name!r} is a {type(model).__name__}, not a {cls.__name__}: load it with "
                              f"{type(model).__name__}.from_preset or astrokeras.models.load_preset")
        return model


@functools.lru_cache(maxsize=None)
def load_keras_file(path: str) -> keras.Model:
    """A ``.keras`` file loaded once per process, without its optimizer (the networks are registered when
    :mod:`astrokeras.models` is imported)."""
    if not pathlib.Path(path).is_file():
        raise PresetError(f"{path} is missing: run `astrokeras train presets` to re-create it")
    return keras.saving.load_model(path, compile=False)
