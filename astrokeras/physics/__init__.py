"""Band physics of silicate spectra: band parameters and their calibrations, Hapke single-scattering albedo,
simulated mixtures and classical linear unmixing."""
