"""Reading spectrum files as the archives write them: text tables of any dialect, the MIT archive's no-data
conventions, overlapping visible and near-infrared segments, and one reader for every format."""
