"""The astrokeras networks (KerasHub-style functional ``keras.Model`` subclasses) and the baselines of the paper's
tables; :func:`load_preset` loads a shipped network.

Example
-------
>>> from astrokeras.models import ASCNet
>>> ASCNet(bands=201, num_classes=11).input_shape
(None, 201)
"""

from astrokeras.console import quiet_tensorflow

quiet_tensorflow()  # often the first import of TensorFlow (a recipe script): without its C++ start-up lines

from astrokeras.models.aae_net import AAENet  # noqa: E402
from astrokeras.models.ae_trans import AETrans  # noqa: E402
from astrokeras.models.asc_net import ASCNet  # noqa: E402
from astrokeras.models.coverage_albedo_net import CoverageAlbedoNet  # noqa: E402
from astrokeras.models.coverage_net import CoverageNet  # noqa: E402
from astrokeras.models.preset_loading import load_preset  # noqa: E402

__all__ = ["AAENet", "AETrans", "ASCNet", "CoverageAlbedoNet", "CoverageNet", "load_preset"]
