"""Shared test set-up: the real data mirror (``ASTROKERAS_DATA_DIR``, set by .ci/run) and the doctest flag
``REQUIRES_DATA``.

A docstring example marked ``# doctest: +REQUIRES_DATA`` runs when the mirror is there (CI) and is skipped, with
the reason printed (``make test`` runs pytest with ``-rs``), when it is not.
"""

import doctest
import os
import pathlib

import pytest

REQUIRES_DATA = doctest.register_optionflag("REQUIRES_DATA")


def _mirror_path():
    path = os.environ.get("ASTROKERAS_DATA_DIR")
    return pathlib.Path(path) if path and pathlib.Path(path).is_dir() else None


@pytest.fixture(scope="session")
def mirror() -> pathlib.Path:
    """The local mirror of the real data; integration tests are skipped (loudly) without it."""
    path = _mirror_path()
    if path is None:
        pytest.skip("ASTROKERAS_DATA_DIR does not point at the real data mirror (bash .ci/run sets it)")
    return path


def pytest_collection_modifyitems(config, items):
    if _mirror_path() is not None:
        return
    skip = pytest.mark.skip(reason="doctest reads the real data: set ASTROKERAS_DATA_DIR to the mirror")
    for item in items:
        examples = getattr(getattr(item, "dtest", None), "examples", ())
        if any(example.options.get(REQUIRES_DATA) for example in examples):
            item.add_marker(skip)
