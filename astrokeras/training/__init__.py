"""Training: tf.data pipelines, precision and distribution settings, fit loops, cross-validation, and the recipe
classes that the top-level ``training/`` recipes (:mod:`astrokeras.recipes`) instantiate.

Example
-------
>>> from astrokeras.training import TrainConfig
>>> TrainConfig(epochs=5).batch_size
128
"""

from astrokeras.console import quiet_tensorflow

quiet_tensorflow()  # the first import of TensorFlow in `python training/<recipe>.py`: without its C++ start-up lines

from astrokeras.training.classifier import TrainConfig, fit_classifier, predict_proba  # noqa: E402
from astrokeras.training.runtime import configure_precision, distribution_strategy  # noqa: E402

__all__ = ["TrainConfig", "configure_precision", "distribution_strategy", "fit_classifier", "predict_proba"]
