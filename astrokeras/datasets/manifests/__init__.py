"""sha256 manifests of the multi-file data sets (SMASS II, Gaia DR3, SMASS I, SMASSIR, SMASSNEO, MITHNEOS):
``sha256  size  path`` per line, the path relative to the data set's folder."""
