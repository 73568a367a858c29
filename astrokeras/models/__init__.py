"""The astrokeras networks (KerasHub-style functional ``keras.Model`` subclasses) and the baselines of the paper's
tables; :func:`load_preset` loads a shipped network.

Example
-------
>>> from astrokeras.models import ASCNet
>>> ASCNet(bands=201, num_classes=11).input_shape
(None, 201)
"""

from astrokeras.models.aae_net import AAENet
from astrokeras.models.ae_trans import AETrans
from astrokeras.models.asc_net import ASCNet
from astrokeras.models.coverage_albedo_net import CoverageAlbedoNet
from astrokeras.models.coverage_net import CoverageNet
from astrokeras.models.preset_loading import load_preset

__all__ = ["AAENet", "AETrans", "ASCNet", "CoverageAlbedoNet", "CoverageNet", "load_preset"]
