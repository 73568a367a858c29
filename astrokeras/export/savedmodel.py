"""SavedModel export for TF Serving: named input ``spectrum``, dynamic batch, named outputs.

Serve the folder with TF Serving as ``<models>/<name>/<version>/`` (e.g. ``models/asc_net/1/``); see the
README's serving recipe for the REST and gRPC requests.

Example
-------
>>> import tempfile
>>> from astrokeras.models import asc_net
>>> from astrokeras.export import export_savedmodel
>>> path = export_savedmodel(asc_net(49, 4, dense_units=(8, 8, 8), key_dim=4), tempfile.mkdtemp() + "/asc/1")
>>> (path / "saved_model.pb").exists()
True
"""

from __future__ import annotations

import pathlib

import keras

from astrokeras.export.float32_clone import float32_clone


def export_savedmodel(model: keras.Model, directory) -> pathlib.Path:
    """Write ``model`` (as a float32 clone) as a SavedModel whose ``serving_default`` signature takes
    ``spectrum`` (float32, shape ``(None, bands)``) and returns one named float32 tensor per model output
    (ASC-Net: ``probabilities``)."""
    import tensorflow as tf

    model = float32_clone(model)
    directory = pathlib.Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    names = list(model.output_names)
    bands = model.input_shape[-1]

    def serve(spectrum):
        outputs = model(spectrum, training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        return {name: tf.cast(value, tf.float32) for name, value in zip(names, outputs)}

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", serve,
                         input_signature=[tf.TensorSpec((None, bands), tf.float32, name="spectrum")])
    archive.write_out(str(directory), verbose=False)
    return directory
