"""Per-fold results of a table, saved as each fold finishes and reused by the next run when nothing changed.

A table's expensive work is cut into *units* (one fold, or one method on one fold). Each unit's out-of-fold
outputs -- predictions, probabilities, estimates and sigmas, as named arrays -- go to
``<output>/folds/<table>/<unit>.npz``, and beside it ``<unit>.json`` says what produced them: the key (the table's
settings, the sha256 of the registered data files, a digest of the code of every astrokeras module involved),
when the unit finished and how long it took. A re-run reads a unit whose key matches and trains only what is
missing or stale, so a table can be run a few folds at a time, in several processes or over several days, and is
always assembled from saved arrays.

Why plain files keyed by hashes rather than ``joblib.Memory``: ``joblib.Memory`` keys a call by its arguments and by
the source of the one function it wraps, not by the modules that function calls (a change in a training loop
would not invalidate), and it pickles its results. Here the key names the code of the whole import closure, the
results are ``.npz`` arrays (read with ``allow_pickle=False``) and JSON a person can open, and a stale unit says
which part of its key changed.

The code digest reads each module's syntax tree without docstrings and comments (:func:`code_digest`): editing a
comment or a docstring keeps the saved folds; editing code invalidates them.

Example
-------
>>> import tempfile, numpy as np
>>> from astrokeras.evaluation.fold_store import FoldStore
>>> folder = tempfile.mkdtemp()
>>> store = FoldStore(folder, key={"settings": {"epochs": 3}})
>>> calls = []
>>> def work():
...     calls.append(1)
...     return {"probabilities": np.eye(2)}, {"accuracy": 1.0}
>>> arrays, info = store.compute("fold1", work)
>>> arrays, info = store.compute("fold1", work)   # the second time: read back, not computed
>>> len(calls), info["accuracy"], arrays["probabilities"].shape
(1, 1.0, (2, 2))
>>> FoldStore(folder, key={"settings": {"epochs": 4}}).load("fold1") is None   # another key: stale
True
"""

from __future__ import annotations

import ast
import datetime
import hashlib
import importlib.util
import json
import logging
import os
import pathlib
import platform
import tempfile
import time
import typing
import zipfile

import numpy as np

log = logging.getLogger(__name__)
SEPARATOR = "/"
# Modules a result never depends on, left out of every code key: the package's own __init__ (the user-facing
# ``astrokeras.analyze``), the recipes' registry (each table names the recipes it runs), and the modules that only
# store, log or print. Without this, editing how a fold is saved would make every saved fold stale.
NOT_RESULTS = frozenset({"astrokeras", "astrokeras.recipes", "astrokeras.evaluation.fold_store",
                         "astrokeras.reproduce.saved_folds", "astrokeras.reproduce.results_page", "astrokeras.console",
                         "astrokeras.training.progress"})


def digest(value) -> str:
    """The sha256 (hex, 16 characters) of a JSON-able value, written canonically (sorted keys)."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
                    and isinstance(first.value.value, str):
                node.body = node.body[1:] or [ast.Pass()]
    return tree


def _source_path(module: str) -> pathlib.Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return pathlib.Path(spec.origin)


def _imported(tree: ast.AST, module: str, is_package: bool) -> set:
    """The astrokeras modules a syntax tree imports, at any depth (function-level imports too)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("astrokeras"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # a relative import
                parts = module.split(".")
                parent = parts if is_package else parts[:-1]
                base = ".".join(parent[:len(parent) - node.level + 1] + ([base] if base else []))
            if base.startswith("astrokeras"):
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)  # kept only where such a module exists
    return found


def _lazy(tree: ast.AST) -> bool:
    """Whether a package ``__init__`` imports its submodules lazily (a module-level ``__getattr__``)."""
    return any(isinstance(node, ast.FunctionDef) and node.name == "__getattr__" for node in tree.body)


def import_closure(modules: typing.Iterable[str]) -> dict[str, pathlib.Path]:
    """``{module: source path}`` of ``modules`` and every astrokeras module they import, transitively (the modules
    of :data:`NOT_RESULTS` left out; every submodule of a package that imports them lazily included)."""
    modules = list(modules)
    missing = [m for m in modules if _source_path(m) is None]
    if missing:
        raise ValueError(f"no source file for {missing}: name importable astrokeras modules")
    seen, todo = {}, modules
    while todo:
        module = todo.pop()
        if module in seen or module in NOT_RESULTS:
            continue
        path = _source_path(module)
        if path is None:
            continue
        seen[module] = path
        tree = ast.parse(path.read_text())
        todo.extend(_imported(tree, module, path.name == "__init__.py") - set(seen))
        if path.name == "__init__.py" and _lazy(tree):
            todo.extend(f"{module}.{p.stem}" for p in sorted(path.parent.glob("*.py")) if p.stem != "__init__")
    return seen


def code_digest(modules: typing.Iterable[str]) -> str:
    """A digest of the code (syntax trees without docstrings or comments) of ``modules`` and their astrokeras
    import closure: it changes when the code that produced a result changes, not when its prose does.

    >>> code_digest(["astrokeras.evaluation.scores"]) == code_digest(["astrokeras.evaluation.scores"])
    True
    """
    parts = {}
    for module, path in sorted(import_closure(modules).items()):
        tree = _strip_docstrings(ast.parse(path.read_text()))
        parts[module] = hashlib.sha256(ast.dump(tree).encode()).hexdigest()
    return digest(parts)


def flatten(arrays: dict, prefix: str = "") -> dict:
    """``{"a": {"b": x}}`` -> ``{"a/b": x}`` (the keys of an ``.npz``)."""
    out = {}
    for name, value in arrays.items():
        key = f"{prefix}{name}"
        if SEPARATOR in str(name) or key in ("file", "allow_pickle"):
            raise ValueError(f"array name {name!r}: it may not hold {SEPARATOR!r} (which separates nested names) "
                             "nor be 'file' or 'allow_pickle' (numpy.savez's own arguments)")
        if isinstance(value, dict):
            out.update(flatten(value, key + SEPARATOR))
        else:
            out[key] = np.asarray(value)
            if out[key].dtype == object:
                raise ValueError(f"array {key!r} holds Python objects; save numbers or strings (read back without "
                                 "pickle)")
    return out


def unflatten(flat: dict) -> dict:
    """The inverse of :func:`flatten`."""
    out = {}
    for key, value in flat.items():
        *parents, leaf = key.split(SEPARATOR)
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def _changed_parts(old: dict, new: dict) -> list:
    return sorted(k for k in set(old) | set(new) if digest(old.get(k)) != digest(new.get(k)))


class FoldStore:
    """The saved units of one table under ``folder``, valid for one ``key``.

    Args:
        folder: where the units go (e.g. ``outputs/folds/coverage``); created on the first save.
        key: what produced the results, as a JSON-able dict, usually ``{"settings": ..., "data": ...,
            "code": ...}``; a unit saved under another key is stale and is computed again.
        reuse: ``False`` computes every unit again (and overwrites it).
    """

    def __init__(self, folder, key: dict, *, reuse: bool = True):
        self.folder = pathlib.Path(folder)
        self.key = key
        self.digest = digest(key)
        self.reuse = reuse

    def _paths(self, unit: str):
        if not unit or any(c in unit for c in "/\\") or unit.startswith("."):
            raise ValueError(f"unit name {unit!r}: use a plain file name such as 'fold1'")
        return self.folder / f"{unit}.npz", self.folder / f"{unit}.json"

    def info(self, unit: str) -> dict | None:
        """The JSON record of a saved unit (whatever its key), or None."""
        _, meta = self._paths(unit)
        if not meta.exists():
            return None
        try:
            return json.loads(meta.read_text())
        except json.JSONDecodeError:
            return None

    def load(self, unit: str):
        """``(arrays, info)`` of a saved unit whose key matches, else None (a stale unit is logged with the part
        of its key that changed)."""
        arrays_path, _ = self._paths(unit)
        record = self.info(unit)
        if record is None or not arrays_path.exists():
            return None
        if record.get("key_digest") != self.digest:
            changed = _changed_parts(record.get("key", {}), self.key)
            log.info(f"    {self.folder.name}/{unit}: saved result is stale ({', '.join(changed) or 'key'} changed); "
                     "computing it again")
            return None
        try:
            with np.load(arrays_path, allow_pickle=False) as saved:
                arrays = unflatten({k: saved[k] for k in saved.files})
        except (OSError, ValueError, zipfile.BadZipFile) as error:  # a truncated or foreign file: compute again
            log.info(f"    {self.folder.name}/{unit}: saved arrays unreadable ({error}); computing them again")
            return None
        return arrays, record["info"]

    def save(self, unit: str, arrays: dict, info: dict, *, seconds: float | None = None) -> pathlib.Path:
        """Write a unit: the arrays first, then the JSON record (its presence marks the unit complete)."""
        arrays_path, meta_path = self._paths(unit)
        self.folder.mkdir(parents=True, exist_ok=True)
        flat = flatten(arrays)
        with tempfile.NamedTemporaryFile(dir=self.folder, prefix=f".{unit}.", suffix=".npz", delete=False) as handle:
            np.savez(handle, **flat)
        os.replace(handle.name, arrays_path)
        record = {"unit": unit, "key_digest": self.digest, "key": self.key, "info": info,
                  "seconds": None if seconds is None else round(seconds, 1),
                  "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                  "machine": f"{platform.machine()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}"}
        with tempfile.NamedTemporaryFile("w", dir=self.folder, prefix=f".{unit}.", suffix=".json",
                                         delete=False) as handle:
            handle.write(json.dumps(record, indent=1, default=str))
        os.replace(handle.name, meta_path)
        return meta_path

    def compute(self, unit: str, work: typing.Callable[[], tuple[dict, dict]]):
        """``(arrays, info)`` of ``unit``: read back when saved under this key, else ``work()`` run and saved."""
        if self.reuse:
            found = self.load(unit)
            if found is not None:
                log.info(f"    {self.folder.name}/{unit}: reused (saved {self.info(unit)['finished']})")
                return found
        start = time.perf_counter()
        arrays, info = work()
        self.save(unit, arrays, info, seconds=time.perf_counter() - start)
        return self.load(unit)  # what a later run will read, to the bit
