"""Pretrained models shipped with the package, and the registry that describes them.

Each preset is a small ``.keras`` file in ``astrokeras/pretrained/`` plus its card in ``presets.json``: what it
answers, the wavelength grid it reads, the data it was trained on, its honest cross-validated metrics (from
``astrokeras reproduce``, never from its own training data), and the date. ``astrokeras train presets``
re-creates every file.

Example
-------
>>> from astrokeras.presets import preset_cards
>>> sorted(preset_cards())  # doctest: +SKIP
['aae-net-albedo', 'ae-trans-olivine-pyroxene', 'asc-net-gaia-4class', 'asc-net-visible-4class', 'asc-net-visnir-11class']
>>> card = preset_cards()["asc-net-visible-4class"]  # doctest: +SKIP
>>> card["classes"], card["grid_um"][0], card["grid_um"][-1]  # doctest: +SKIP
(['S', 'C', 'X', 'Other'], 0.44, 0.92)
"""

from __future__ import annotations

import functools
import json
import os
import pathlib

import numpy as np

PRETRAINED_DIR = pathlib.Path(__file__).parent / "pretrained"
CARDS_FILE = "presets.json"


class PresetError(RuntimeError):
    """A preset that is missing or unreadable; the message says how to re-create it."""


def presets_dir() -> pathlib.Path:
    """Where presets are read from: ``$ASTROKERAS_PRESETS_DIR`` when set, else the package's own folder."""
    return pathlib.Path(os.environ.get("ASTROKERAS_PRESETS_DIR", PRETRAINED_DIR))


def preset_cards(directory=None) -> dict:
    """``{name: card}`` of every preset in ``directory`` (default :func:`presets_dir`)."""
    path = pathlib.Path(directory or presets_dir()) / CARDS_FILE
    if not path.exists():
        raise PresetError(f"no pretrained models at {path.parent}: run `astrokeras train presets` to create them")
    return json.loads(path.read_text())


def grid_of(card: dict) -> np.ndarray:
    """The wavelength grid (um) a preset reads."""
    return np.asarray(card["grid_um"], dtype=float)


@functools.lru_cache(maxsize=None)
def _load(path: str):
    import keras

    import astrokeras.layers  # noqa: F401  (registers the custom layers for deserialisation)

    return keras.saving.load_model(path, compile=False)


def _lookup(name: str, directory):
    """``(folder, card)`` of preset ``name``; a clear error when it is not in the folder's cards."""
    directory = pathlib.Path(directory or presets_dir())
    cards = preset_cards(directory)
    if name not in cards:
        raise PresetError(f"unknown preset {name!r}; available: {sorted(cards)}")
    return directory, cards[name]


def load_preset(name: str, directory=None):
    """``(model, card)`` of preset ``name`` (models are loaded once per process)."""
    directory, card = _lookup(name, directory)
    path = directory / card["file"]
    if not path.exists():
        raise PresetError(f"preset file {path} is missing: run `astrokeras train presets` to re-create it")
    return _load(str(path)), card


@functools.lru_cache(maxsize=None)
def _runner(path: str, threads: int):
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(model_path=path, num_threads=threads).get_signature_runner("serving_default")


def load_lite_preset(name: str, directory=None, *, threads: int = 1):
    """``(run, card)``: the preset's float32 TFLite copy, run with ``ai_edge_litert`` (no TensorFlow import,
    hence a fast cold start); ``run(spectrum=X, ...)`` returns the named outputs as a dict."""
    directory, card = _lookup(name, directory)
    path = directory / card.get("tflite", "")
    if not path.is_file():
        raise PresetError(f"the TFLite copy of preset {name!r} ({path}) is missing: run `astrokeras train presets`")
    runner = _runner(str(path), threads)
    return (lambda **inputs: runner(**{k: np.asarray(v, dtype="float32") for k, v in inputs.items()})), card
