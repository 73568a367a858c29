"""Pretrained models shipped with the package, and the registry that describes them.

Each preset is a small ``.keras`` file in ``astrokeras/pretrained/``, its float32 TFLite copy, and its card in
``presets.json``: what it answers, the wavelength grid it reads, the data it was trained on, its honest
cross-validated metrics (from ``astrokeras reproduce``, never from its own training data), and the date.
``astrokeras train presets`` re-creates every file. This module needs no Keras: ``analyze`` runs the TFLite
copies; :func:`astrokeras.models.load_preset` loads the Keras networks.

Example
-------
>>> from astrokeras.presets import preset_cards
>>> card = preset_cards()["asc-net-visible-4class"]
>>> card["classes"], card["grid_um"][0], card["grid_um"][-1]
(['S', 'C', 'X', 'Other'], 0.44, 0.92)
"""

from __future__ import annotations

import functools
import json
import os
import pathlib

import numpy as np

from astrokeras.lite import TFLiteModel

PRETRAINED_DIR = pathlib.Path(__file__).parent / "pretrained"
CARDS_FILE = "presets.json"


class PresetError(RuntimeError):
    """A preset that is missing or unreadable; the message says how to re-create it."""


def presets_dir() -> pathlib.Path:
    """Where presets are read from: ``$ASTROKERAS_PRESETS_DIR`` when set, else the package's own folder."""
    return pathlib.Path(os.environ.get("ASTROKERAS_PRESETS_DIR", PRETRAINED_DIR))


def preset_cards(directory=None) -> dict:
    """``{name: card}`` of every preset in ``directory`` (default :func:`presets_dir`); the cards file is read
    once until it changes on disk."""
    path = pathlib.Path(directory or presets_dir()) / CARDS_FILE
    if not path.exists():
        raise PresetError(f"no pretrained models at {path.parent}: run `astrokeras train presets` to create them")
    return _read_cards(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _read_cards(path: str, mtime_ns: int) -> dict:
    return json.loads(pathlib.Path(path).read_text())


def card_of(name: str, directory=None) -> dict:
    """The card of preset ``name``; a clear error when the folder has no such preset."""
    cards = preset_cards(directory)
    if name not in cards:
        raise PresetError(f"unknown preset {name!r}; available: {sorted(cards)}")
    return cards[name]


def preset_path(name: str, directory=None, kind: str = "file") -> pathlib.Path:
    """The path of preset ``name``'s ``.keras`` file (``kind="file"``) or TFLite copy (``kind="tflite"``)."""
    card = card_of(name, directory)
    if kind not in card:
        raise PresetError(f"preset {name!r} has no {kind!r} entry in its card: run `astrokeras train presets`")
    return pathlib.Path(directory or presets_dir()) / card[kind]


def grid_of(card: dict) -> np.ndarray:
    """The wavelength grid (um) a preset reads.

    >>> grid_of({"grid_um": [0.45, 0.55]}).tolist()
    [0.45, 0.55]
    """
    return np.asarray(card["grid_um"], dtype=float)


@functools.lru_cache(maxsize=None)
def _lite(path: str, threads: int) -> TFLiteModel:
    return TFLiteModel.from_file(path, num_threads=threads)


def load_lite_preset(name: str, directory=None, *, threads: int = 1):
    """``(run, card)``: the preset's float32 TFLite copy, run with ``ai_edge_litert`` (no TensorFlow import,
    hence a fast cold start); ``run(spectrum=X, ...)`` returns the named outputs as a dict."""
    path = preset_path(name, directory, "tflite")
    if not path.is_file():
        raise PresetError(f"the TFLite copy of preset {name!r} ({path}) is missing: run `astrokeras train presets`")
    return _lite(str(path), threads).run, card_of(name, directory)
