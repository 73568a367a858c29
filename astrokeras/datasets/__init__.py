"""The real public data sets astrokeras trains and tests on; each loader returns a :class:`SpectralData`.

Files are found in ``$ASTROKERAS_DATA_DIR`` (a local mirror), the Keras cache, or downloaded from their pinned
public URLs, always sha256-verified (see :mod:`astrokeras.datasets.fetching` and
:mod:`astrokeras.datasets.registry`).

Example
-------
>>> from astrokeras import datasets
>>> data = datasets.load_busdemeo()        # doctest: +SKIP
>>> data.reflectance.shape                 # doctest: +SKIP
(591, 401)
"""

from astrokeras.datasets.albedos import load_albedos
from astrokeras.datasets.archive import ARCHIVE_FOLDERS, ArchiveSpectra, load_archive
from astrokeras.datasets.fetching import DataIntegrityError, DataUnavailableError, fetch
from astrokeras.datasets.gaia_dr3 import GaiaSpectra, load_gaia_dr3
from astrokeras.datasets.korda2023 import Endmembers, endmembers, load_busdemeo, load_itokawa, load_minerals
from astrokeras.datasets.registry import DATASETS, files_of
from astrokeras.datasets.smass2 import load_smass2
from astrokeras.datasets.spectral_data import SpectralData
from astrokeras.datasets.templates import load_demeo_templates

__all__ = [
    "ARCHIVE_FOLDERS", "ArchiveSpectra", "DATASETS", "DataIntegrityError", "DataUnavailableError", "Endmembers",
    "GaiaSpectra", "SpectralData", "endmembers", "fetch", "files_of", "load_albedos", "load_archive",
    "load_busdemeo", "load_demeo_templates", "load_gaia_dr3", "load_itokawa", "load_minerals", "load_smass2",
]  # fmt: skip
