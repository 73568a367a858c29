"""Taxonomic schemes (Bus, Bus-DeMeo, the paper's 11 and 4 classes) and the linear class model a preset card
carries."""
