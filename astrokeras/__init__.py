"""astrokeras: asteroid reflectance spectra -> taxonomic class, geometric albedo, mineral composition.

Keras 3 implementations of the attention networks of Tang et al. (ASC-Net, AAE-Net, AE-trans), trained and
evaluated on real public data with honest folds. Importing the package loads neither TensorFlow nor data.

Example
-------
>>> import astrokeras
>>> astrokeras.__version__
'0.1.0'
"""

__version__ = "0.1.0"

from astrokeras.analysis import analyze, analyze_file  # noqa: E402  (numpy only; models load on first call)

__all__ = ["analyze", "analyze_file", "__version__"]
