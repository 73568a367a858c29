"""Run a TFLite file with ``ai_edge_litert`` (no TensorFlow, no Keras): the runtime of ``analyze``, the survey and
the export reports.

Example
-------
>>> from astrokeras.lite import TFLiteModel
>>> from astrokeras.presets import preset_path
>>> lite = TFLiteModel.from_file(preset_path("asc-net-visible-4class", kind="tflite"))
>>> import numpy as np
>>> lite.run(spectrum=np.ones((2, 49)))["probabilities"].shape
(2, 4)
"""

from __future__ import annotations

import pathlib

import numpy as np

from astrokeras.console import stderr_silenced


class TFLiteModel:
    """A TFLite model run with ``ai_edge_litert``, from bytes (``content``) or a file (``path``); importing this
    module loads neither Keras nor TensorFlow.

    ``run(**inputs)`` calls the ``serving_default`` signature (any batch size, float32 inputs by name) and
    returns the named outputs; :meth:`signature` gives any signature's runner; :meth:`predict` feeds a batch to
    the first input.

    Example
    -------
    >>> from astrokeras.export.tflite import TFLiteModel
    >>> from astrokeras.presets import preset_path
    >>> lite = TFLiteModel(path=preset_path("asc-net-visible-4class", kind="tflite"))
    >>> lite.run(spectrum=[[1.0] * 49])["probabilities"].shape
    (1, 4)
    """

    def __init__(self, content: bytes | None = None, num_threads: int = 1, *, path=None):
        from ai_edge_litert.interpreter import Interpreter

        if (content is None) == (path is None):
            raise ValueError("give TFLiteModel either the model's bytes (content=) or its file (path=), not both")
        self.content = content
        self.path = None if path is None else str(path)
        self.num_threads = num_threads
        source = {"model_content": content} if path is None else {"model_path": self.path}
        with stderr_silenced():  # "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." (C++, nothing to act on)
            self.interpreter = Interpreter(**source, num_threads=num_threads)
            self.interpreter.allocate_tensors()
        self._input = self.interpreter.get_input_details()[0]
        self._outputs = self.interpreter.get_output_details()
        self._batch = None
        self._runners = {}

    @classmethod
    def from_file(cls, path, num_threads: int = 1) -> "TFLiteModel":
        """The ``.tflite`` file at ``path``; a clear error when it is missing."""
        if not pathlib.Path(path).is_file():
            raise FileNotFoundError(f"no TFLite file at {path}: convert one with `astrokeras export MODEL.keras "
                                    "--to tflite` or re-create the presets with `astrokeras train presets`")
        return cls(path=path, num_threads=num_threads)

    @property
    def ops(self) -> set:
        """Names of the operators in the graph as converted (a TensorFlow op would show as ``Flex...``)."""
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        source = {"model_content": self.content} if self.path is None else {"model_path": self.path}
        plain = Interpreter(**source, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        return {op["op_name"] for op in plain._get_ops_details()}

    def signature(self, name: str = "serving_default"):
        """The signature runner ``name`` (made once): ``runner(spectrum=X)`` -> ``{output name: array}``."""
        if name not in self._runners:
            available = self.interpreter.get_signature_list()
            if name not in available:
                raise ValueError(f"this TFLite model has no signature {name!r}; it has {sorted(available)}")
            self._runners[name] = self.interpreter.get_signature_runner(name)
        return self._runners[name]

    def run(self, **inputs) -> dict:
        """Named outputs for named inputs through the ``serving_default`` signature (any batch size):
        ``lite.run(spectrum=X)`` -> ``{"probabilities": ...}``."""
        return self.signature()(**{k: np.asarray(v, dtype="float32") for k, v in inputs.items()})

    def predict(self, X):
        """Outputs for a batch ``X`` (first output only when the model has one)."""
        X = np.asarray(X, dtype="float32")
        if self._batch != X.shape[0]:
            self.interpreter.resize_tensor_input(self._input["index"], X.shape)
            self.interpreter.allocate_tensors()
            self._outputs = self.interpreter.get_output_details()
            self._batch = X.shape[0]
        self.interpreter.set_tensor(self._input["index"], X)
        self.interpreter.invoke()
        outputs = [self.interpreter.get_tensor(o["index"]) for o in self._outputs]
        return outputs[0] if len(outputs) == 1 else outputs
