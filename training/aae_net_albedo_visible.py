"""Recipe: AAE-Net on visible spectra, geometric albedo with a 1-sigma from a SMASS II spectrum and its Bus-class
probabilities -- the ``aae-net-albedo-visible`` preset (``analyze`` uses it for a spectrum covering 0.44-0.92 um but
not 0.45-2.45 um, fed the Bus-class probabilities of the linear class model its card carries) and the AAE-Net row
of ``astrokeras reproduce --table albedo-visible``.

Data       AAED-visible: SMASS II spectra x albedos (Mahlke+2022 median of 10**pV, then SpitzerNEOs), the 1291
           asteroids with a 4-class label (S, C, X, Other), 49 bands 0.44-0.92 um, normalised at 0.55 um
           (:func:`astrokeras.datasets.tasks.aaed_visible`), and their Bus (1999) classes (23 occur).
Folds      5 stratified folds by asteroid on the 4 classes, seed 0 (one spectrum per asteroid).
Classes    AAE-Net reads the probabilities of the 24 Bus classes (:data:`astrokeras.schemes.taxonomy.BUS`), out of sample
           (PCA + logistic regression, cross-validated inside the training part), and learns from their
           probability-weighted class prior: the Bus classes split the 4-class "Other" (V 0.32, A 0.25, D 0.05) and
           X (Xe 0.16, Xc 0.07). Chosen on validation data (20% of each training part; the albedo-visible
           table prints the scores): the Bus prior's MAE 0.0379 against the 4-class prior's 0.0447.
Network    AAE-Net at the widths of ``aae-net-albedo``, zero-initialised output: it learns the deviation of
           log10 albedo from the probability-weighted class prior, and log-sigma.
Training   as ``aae-net-albedo``: Adam, lr 1e-3 (clipnorm 1), batch 32, Gaussian NLL, up to 400 epochs,
           EarlyStopping on the validation loss (patience 40, best weights restored), 10% validation carved first.

Run: ``python training/aae_net_albedo_visible.py --output model.keras``
"""

import dataclasses

from astrokeras.recipes import aae_net_albedo

from astrokeras.datasets.tasks import VISIBLE_GRID, aaed_visible, smass2_bus_classes
from astrokeras.schemes.taxonomy import BUS, FOUR_CLASS
from astrokeras.training.recipes import command_line

RECIPE = dataclasses.replace(
    aae_net_albedo.RECIPE,
    name="aae-net-albedo-visible",
    training_data="AAED-visible: SMASS II visible spectra x Mahlke+2022 / SpitzerNEOs albedos",
    scheme=FOUR_CLASS,
    grid=VISIBLE_GRID,
    data=aaed_visible,
    class_scheme=BUS,
    class_labels=smass2_bus_classes,
)

if __name__ == "__main__":
    raise SystemExit(command_line(RECIPE))
