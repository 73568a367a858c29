"""Whole-survey classification (Gaia DR3)."""
