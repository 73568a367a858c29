"""The astrokeras networks (Keras 3 functional models) and the baselines of the paper's tables.

Example
-------
>>> from astrokeras.models import asc_net
>>> asc_net(bands=201, num_classes=11).input_shape
(None, 201)
"""

from astrokeras.models.aae_net import aae_net
from astrokeras.models.ae_trans import ae_trans
from astrokeras.models.asc_net import asc_net

__all__ = ["aae_net", "ae_trans", "asc_net"]
