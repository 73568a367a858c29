"""What the command lines print: progress lines on stderr, and none of TensorFlow's start-up noise.

TensorFlow 2.21 writes its first log lines ("WARNING: All log messages before absl::InitializeLog() is called...",
"oneDNN custom operations are on...") from C++ before its logging is initialised, so neither
``TF_CPP_MIN_LOG_LEVEL`` nor Python's logging can hold them back. :func:`quiet_tensorflow` imports TensorFlow with
the stderr file descriptor pointed at ``/dev/null`` for the length of the import, then restores it: an import error
still raises, and every later warning still reaches the user.

Example
-------
>>> import sys
>>> from astrokeras.console import quiet_tensorflow
>>> quiet_tensorflow()  # imports TensorFlow and Keras, with no C++ start-up lines on stderr
>>> "tensorflow" in sys.modules
True
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys


@contextlib.contextmanager
def stderr_silenced():
    """Point file descriptor 2 at ``/dev/null`` inside the block (C++ writes included)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # a captured or replaced stderr: nothing to silence
        yield
        return
    sys.stderr.flush()
    saved, devnull = os.dup(fd), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def quiet_tensorflow() -> None:
    """Import TensorFlow and Keras without their C++ start-up lines (``TF_CPP_MIN_LOG_LEVEL`` 2 unless set)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules:
        return
    with stderr_silenced():
        import keras  # noqa: F401
        import tensorflow  # noqa: F401


def log_to_stderr() -> None:
    """Progress lines of the ``astrokeras`` loggers go to stderr (once, unless the caller configured logging)."""
    logger = logging.getLogger("astrokeras")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # TensorFlow's absl configures the root logger: no second copy of each line
