"""sha256 manifests of the multi-file data sets (SMASS II, Gaia DR3): ``sha256  size  filename`` per line."""
