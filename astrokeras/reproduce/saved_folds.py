"""Where each table keeps its per-fold results (:class:`~astrokeras.evaluation.fold_store.FoldStore`), and which
folds a run computes.

Every table saves its units under ``<output>/folds/<table>/`` (``<table>-quick/`` for ``--quick``, so a smoke run
never overwrites a measured fold), keyed by the table's settings, the data registry's digest and the code of the
table's module with everything it imports, and the versions of the libraries that
train (:func:`library_versions`). ``astrokeras reproduce --table coverage --folds 4 5`` computes (or
reuses) folds 4 and 5 only and prints the table on them; ``--table coverage`` then computes what is still missing
and assembles all five folds from the saved arrays.

Example
-------
>>> from astrokeras.reproduce.saved_folds import chosen_folds
>>> chosen_folds(5, (4, 5))
[3, 4]
>>> chosen_folds(5, None)
[0, 1, 2, 3, 4]
"""

from __future__ import annotations

import functools
import importlib.metadata
import pathlib

from astrokeras.datasets.registry import registry_digest
from astrokeras.evaluation.fold_store import FoldStore, code_digest

LIBRARIES = ("numpy", "scipy", "scikit-learn", "pandas", "keras", "tensorflow", "tensorflow-cpu", "ai-edge-litert")


def table_store(output, table: str, *, settings: dict, module: str | tuple, quick: bool = False,
                reuse: bool = True) -> FoldStore:
    """The saved units of ``table``; ``module``: the table's module, or several (their import closure is the code
    key, read once per process: see :func:`code_key`)."""
    modules = (module,) if isinstance(module, str) else tuple(module)
    key = {"settings": {**settings, "quick": quick}, "data": registry_digest(), "code": code_key(modules),
           "libraries": library_versions()}
    folder = pathlib.Path(output) / "folds" / (f"{table}-quick" if quick else table)
    return FoldStore(folder, key, reuse=reuse)


@functools.lru_cache(maxsize=None)
def code_key(modules: tuple) -> str:
    """:func:`~astrokeras.evaluation.fold_store.code_digest` of ``modules``, read once per process: call it for
    every table when a long run starts (:func:`astrokeras.reproduce.main_job.main_job` does), so that a file edited
    while the run goes on cannot lend its digest to results the older code computed."""
    return code_digest(list(modules))


def library_versions() -> dict:
    """The versions of the libraries that train and split (a new scikit-learn may split or fit differently)."""
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:  # tensorflow-cpu here, tensorflow on a GPU machine
            pass
    return found


def chosen_folds(count: int, only: tuple[int, ...] | list[int] | None) -> list[int]:
    """The 0-based indices of the folds to run: ``only`` (numbered from 1, as the command line numbers them), or
    all ``count``. Raises ``ValueError`` for a fold that does not exist."""
    if not only:
        return list(range(count))
    wrong = sorted(set(only) - set(range(1, count + 1)))
    if wrong:
        raise ValueError(f"--folds {' '.join(map(str, wrong))}: the folds are numbered 1 to {count}")
    return [k - 1 for k in sorted(set(only))]


def folds_note(used: list[int], count: int) -> str:
    """``"5 of 5 folds"`` or ``"2 of 5 folds (fold 4, 5)"`` for a table's protocol line."""
    note = f"{len(used)} of {count} folds"
    if len(used) < count:
        note += f" (fold {', '.join(str(k + 1) for k in used)})"
    return note
