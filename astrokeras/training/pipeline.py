"""The tf.data input pipeline every training uses: ``from_tensor_slices -> cache -> shuffle -> batch -> prefetch``.

Example
-------
>>> import numpy as np
>>> from astrokeras.training.pipeline import make_dataset
>>> data = make_dataset({"spectrum": np.ones((10, 4))}, np.zeros(10), batch_size=4, shuffle=True, seed=0)
>>> [int(x["spectrum"].shape[0]) for x, _ in data]
[4, 4, 2]
"""

from __future__ import annotations

import numpy as np


def make_dataset(inputs, targets, batch_size: int, shuffle: bool, seed: int, weights=None):
    """A batched, cached, prefetched ``tf.data.Dataset`` of float32 ``(inputs, targets[, weights])``.

    ``inputs`` is an array or a dict of arrays (named model inputs), ``targets`` and ``weights`` (per-sample loss
    weights, optional) an array or a dict by output name; ``shuffle`` reshuffles every epoch.
    """
    import tensorflow as tf

    as32 = lambda a: np.asarray(a, dtype="float32")  # noqa: E731
    cast = lambda v: {k: as32(a) for k, a in v.items()} if isinstance(v, dict) else as32(v)  # noqa: E731
    parts = (cast(inputs), cast(targets)) + (() if weights is None else (cast(weights),))
    data = tf.data.Dataset.from_tensor_slices(parts).cache()
    if shuffle:
        count = len(next(iter(parts[1].values())) if isinstance(parts[1], dict) else parts[1])
        data = data.shuffle(count, seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)
