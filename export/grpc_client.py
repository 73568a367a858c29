"""Ask the served astrokeras models about a spectrum over TF Serving's gRPC API (port 8500).

The same command line and output as rest_client.py (whose spectrum reading and albedo arithmetic it reuses), over
gRPC: ``PredictionService.Predict`` with float32 tensors, which is faster than JSON for large batches. Needs
``pip install tensorflow-serving-api`` (it brings grpcio and TensorFlow, whose tensor protos the requests use).

Usage::

    python grpc_client.py spectrum.txt                     # classes from coverage_net
    python grpc_client.py a.txt b.txt --pipeline --url localhost:8500
"""

from __future__ import annotations

import sys

import numpy as np

from rest_client import arguments, run  # the script's own folder is on sys.path when it runs

try:  # tensorflow_serving first: without it, fail at once rather than after TensorFlow's import
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    import grpc
    import tensorflow as tf
except ImportError as error:  # pragma: no cover - depends on what the user installed
    sys.exit(f"grpc_client.py needs tensorflow-serving-api (and with it grpcio and TensorFlow): "
             f"`pip install tensorflow-serving-api`, or use rest_client.py, which needs only numpy ({error})")


def predict(stub, name: str, inputs: dict, outputs: list, timeout: float = 30.0) -> dict:
    """``{output name: array}`` of served model ``name`` for ``inputs`` (``{input name: array}``)."""
    request = predict_pb2.PredictRequest()
    request.model_spec.name = name
    request.model_spec.signature_name = "serving_default"
    for key, value in inputs.items():
        request.inputs[key].CopyFrom(tf.make_tensor_proto(np.asarray(value, dtype=np.float32)))
    try:
        response = stub.Predict(request, timeout)
    except grpc.RpcError as error:
        sys.exit(f"{name}: TF Serving answered {error.code().name}: {error.details()} (is it running? "
                 "`docker compose up` in export/)")
    return {key: tf.make_ndarray(response.outputs[key]) for key in response.outputs}


def main(argv=None) -> int:
    args = arguments("Classify spectra with the astrokeras models on TF Serving (gRPC).",
                     "localhost:8500").parse_args(argv)
    stub = prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(args.url))
    return run(args, lambda name, inputs, outputs: predict(stub, name, inputs, outputs))


if __name__ == "__main__":
    sys.exit(main())
