"""Where and how a model trains: the precision policy (float32 on CPU, mixed_float16 on GPU) and tf.distribute.

Mixed precision is 2-3x *slower* on CPUs without fp16/bf16 hardware (measured on the 2-core CI machine), so
``"auto"`` picks ``mixed_float16`` only when TensorFlow sees a GPU. A mixed-precision model does not convert to
TFLite with builtin ops: export from a float32 clone.

Example
-------
>>> from astrokeras.training.runtime import configure_precision
>>> configure_precision("float32")
'float32'
"""

from __future__ import annotations

import contextlib
import json
import os

import keras

PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
# Training steps per call into TensorFlow, for every fit loop. The recipes' networks are small and their epochs
# short (a few to a hundred batches), so Python's per-step round trip weighs: `benchmarks/throughput.py` measured
# +0-40% training spectra per second with 8 (2026-12-06, 2-core CPU; the optimisation itself is unchanged).
STEPS_PER_EXECUTION = 8
STRATEGIES = (None, "default", "mirrored", "multiworker")


def gpu_available() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def configure_precision(precision: str = "auto") -> str:
    """Set Keras's global dtype policy and return its name (``auto``: mixed_float16 on GPU, float32 on CPU)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "auto":
        precision = "mixed_float16" if gpu_available() else "float32"
    keras.mixed_precision.set_global_policy(precision)
    return precision


def distribution_strategy(name: str | None = None):
    """A ``tf.distribute`` strategy scope for building and compiling a model.

    ``None``/``"default"``: the default (one device); ``"mirrored"``: ``MirroredStrategy`` over the local GPUs
    (or the CPU); ``"multiworker"``: ``MultiWorkerMirroredStrategy``, configured by the ``TF_CONFIG``
    environment variable (one process per machine, same command everywhere, see the README).
    """
    import tensorflow as tf

    if name not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES[1:]}, got {name!r}")
    if name in (None, "default"):
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if "TF_CONFIG" not in os.environ:
        raise ValueError(
            "strategy 'multiworker' needs TF_CONFIG, e.g. TF_CONFIG='"
            + json.dumps({"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}})
            + "' on the first machine (index 1 on the second)"
        )
    return tf.distribute.MultiWorkerMirroredStrategy()


@contextlib.contextmanager
def precision_scope(precision: str):
    """Temporarily set the global dtype policy (restored on exit, so tests and exports see float32 again)."""
    before = keras.mixed_precision.global_policy().name
    try:
        yield configure_precision(precision)
    finally:
        keras.mixed_precision.set_global_policy(before)
