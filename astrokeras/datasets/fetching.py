"""Find a registered data file: local mirror, then Keras cache, then download; always sha256-verified.

Resolution order for a file registered at ``path`` (see :mod:`astrokeras.datasets.registry`):

1. ``$ASTROKERAS_DATA_DIR/<path>`` when the variable is set (a local mirror, e.g. ``../shared/data``);
2. the Keras cache, ``$KERAS_HOME/astrokeras/<path>`` (``~/.keras`` when ``KERAS_HOME`` is unset);
3. a download from the pinned public URL with ``keras.utils.get_file(..., file_hash=sha256)`` into that cache.

A file whose sha256 differs from the registry's is never used: :class:`DataIntegrityError` says which file
and how to repair it. When nothing is found and the download fails, :class:`DataUnavailableError` names both
ways out (the URL and ``ASTROKERAS_DATA_DIR``).

Example
-------
>>> from astrokeras.datasets.fetching import fetch
>>> found = fetch("pds_taxonomy/taxonomy10.tab")      # doctest: +SKIP
>>> found.source                                      # doctest: +SKIP
'mirror'
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import os
import pathlib
import sys

from astrokeras.console import quiet_tensorflow
from astrokeras.datasets.registry import DataFile, entry

DATA_DIR_VARIABLE = "ASTROKERAS_DATA_DIR"


class DataUnavailableError(RuntimeError):
    """A data file is neither in the mirror nor in the cache, and it could not be downloaded."""


class DataIntegrityError(RuntimeError):
    """A data file exists but its sha256 does not match the registry."""


@dataclasses.dataclass(frozen=True)
class FoundFile:
    """A verified local copy of a registered file; ``source`` is ``mirror``, ``cache`` or ``download``."""

    path: pathlib.Path
    source: str
    entry: DataFile


def cache_root() -> pathlib.Path:
    """The Keras cache folder astrokeras downloads into (``$KERAS_HOME/astrokeras`` or ``~/.keras/astrokeras``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return pathlib.Path(home) / "astrokeras"


def sha256_of(path: os.PathLike) -> str:
    """The hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def _verified(path: str, size: int, mtime_ns: int, expected: str) -> bool:
    # Keyed on size and mtime, so a file changed on disk is hashed again.
    return sha256_of(path) == expected


def _matches(path: pathlib.Path, item: DataFile) -> bool:
    stat = path.stat()
    return stat.st_size == item.size and _verified(str(path), stat.st_size, stat.st_mtime_ns, item.sha256)


def fetch(path: str, *, download: bool = True) -> FoundFile:
    """Return a verified local copy of the registered file ``path``.

    Parameters
    ----------
    path : str
        The file's path under the data root, e.g. ``"korda2023/Itokawa_denoised.npz"``.
    download : bool
        Whether to download when neither the mirror nor the cache has the file.

    Raises
    ------
    DataIntegrityError
        The mirror's copy does not match the registered sha256 (a corrupt or different file).
    DataUnavailableError
        Nothing local and the download failed or was not allowed.
    """
    item = entry(path)
    mirror = os.environ.get(DATA_DIR_VARIABLE)
    if mirror:
        candidate = pathlib.Path(mirror).expanduser() / item.path
        if candidate.is_file():
            if not _matches(candidate, item):
                raise DataIntegrityError(
                    f"{candidate} does not match the registered sha256 {item.sha256} ({item.size} bytes): the "
                    f"mirror in {DATA_DIR_VARIABLE}={mirror} holds a corrupt or different file. Replace it with "
                    f"the original from {item.url}, or unset {DATA_DIR_VARIABLE} to use the Keras cache."
                )
            return FoundFile(candidate, "mirror", item)
    cached = cache_root() / item.path
    if cached.is_file() and _matches(cached, item):
        return FoundFile(cached, "cache", item)
    if not download:
        raise DataUnavailableError(_unavailable_message(item, mirror, reason="downloads are disabled"))
    return FoundFile(_download(item, cached, mirror), "download", item)


def _download(item: DataFile, target: pathlib.Path, mirror: str | None) -> pathlib.Path:
    quiet_tensorflow()  # Keras (and TensorFlow) only when a download is really needed, without their start-up lines
    from keras.utils import get_file

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # Keras prints its progress: stdout stays for results (--json)
            got = get_file(
                fname=target.name,
                origin=item.url,
                file_hash=item.sha256,
                hash_algorithm="sha256",
                cache_dir=str(target.parent),
                cache_subdir=".",
            )
    except ValueError as error:  # Keras: "Incomplete or corrupted file detected"
        target.unlink(missing_ok=True)
        raise DataIntegrityError(
            f"the download of {item.url} does not match the registered sha256 {item.sha256}; the corrupt file "
            f"was removed. Try again later, or put a verified copy at {target} or in {DATA_DIR_VARIABLE}."
        ) from error
    except Exception as error:  # urllib errors are re-raised by Keras as a bare Exception
        target.unlink(missing_ok=True)
        raise DataUnavailableError(_unavailable_message(item, mirror, reason=str(error))) from error
    return pathlib.Path(got)


def _unavailable_message(item: DataFile, mirror: str | None, reason: str) -> str:
    where = f"not in {DATA_DIR_VARIABLE}={mirror}" if mirror else f"{DATA_DIR_VARIABLE} is not set"
    return (
        f"cannot get {item.path}: {where}, not in the Keras cache ({cache_root()}), and the download "
        f"failed ({reason}). Either connect to the internet so it can be downloaded from {item.url}, or set "
        f"{DATA_DIR_VARIABLE} to a local mirror that holds {item.path}."
    )
