"""SavedModel export for TF Serving: named inputs (``spectrum``; AAE-Net also ``class_probabilities``), dynamic
batch, named outputs (ASC-Net ``probabilities``, AAE-Net ``albedo``, AE-trans ``abundances`` and
``reconstruction``).

Serve the folder with TF Serving as ``<models>/<name>/<version>/`` (e.g. ``models/asc_net/1/``); see the
README's serving recipe for the REST and gRPC requests.

Example
-------
>>> import tempfile
>>> from astrokeras.models import ASCNet
>>> from astrokeras.export import export_savedmodel
>>> path = export_savedmodel(ASCNet(49, 4, dense_units=(8, 8, 8), key_dim=4), tempfile.mkdtemp() + "/asc/1")
>>> (path / "saved_model.pb").exists()
True
"""

from __future__ import annotations

import pathlib

import keras

from astrokeras.export.float32_clone import float32_clone


def input_names(model: keras.Model) -> list:
    """The names of a model's inputs, in order (``["spectrum"]``, or AAE-Net's two)."""
    return [tensor.name for tensor in model.inputs]


def export_savedmodel(model: keras.Model, directory) -> pathlib.Path:
    """Write ``model`` (as a float32 clone) as a SavedModel whose ``serving_default`` signature takes one float32
    ``(None, width)`` tensor per model input, under the input's name, and returns one named float32 tensor per
    model output."""
    import tensorflow as tf

    model = float32_clone(model)
    directory = pathlib.Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    names = list(model.output_names)
    inputs = input_names(model)
    signature = [tf.TensorSpec((None,) + tuple(t.shape[1:]), tf.float32, name=name)
                 for name, t in zip(inputs, model.inputs)]

    def serve(*tensors):
        outputs = model(dict(zip(inputs, tensors)) if len(tensors) > 1 else tensors[0], training=False)
        if isinstance(outputs, dict):
            return {name: tf.cast(value, tf.float32) for name, value in outputs.items()}
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        return {name: tf.cast(value, tf.float32) for name, value in zip(names, outputs)}

    archive = keras.export.ExportArchive()
    archive.add_endpoint("serving_default", serve, input_signature=signature)
    archive.write_out(str(directory), verbose=False)
    return directory
