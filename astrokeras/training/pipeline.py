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


def make_dataset(inputs, targets, batch_size: int, shuffle: bool, seed: int):
    """A batched, cached, prefetched ``tf.data.Dataset`` of float32 ``(inputs, targets)``.

    ``inputs`` is an array or a dict of arrays (named model inputs); ``shuffle`` reshuffles every epoch.
    """
    import tensorflow as tf

    as32 = lambda a: np.asarray(a, dtype="float32")  # noqa: E731
    features = {k: as32(v) for k, v in inputs.items()} if isinstance(inputs, dict) else as32(inputs)
    data = tf.data.Dataset.from_tensor_slices((features, as32(targets))).cache()
    if shuffle:
        data = data.shuffle(len(as32(targets)), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)
