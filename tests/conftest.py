"""Shared fixtures: the real data mirror (``ASTROKERAS_DATA_DIR``, set by .ci/run)."""

import os
import pathlib

import pytest


@pytest.fixture(scope="session")
def mirror() -> pathlib.Path:
    """The local mirror of the real data; integration tests are skipped (loudly) without it."""
    path = os.environ.get("ASTROKERAS_DATA_DIR")
    if not path or not pathlib.Path(path).is_dir():
        pytest.skip("ASTROKERAS_DATA_DIR does not point at the real data mirror (bash .ci/run sets it)")
    return pathlib.Path(path)
