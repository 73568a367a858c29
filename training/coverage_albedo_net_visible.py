"""Recipe: CoverageAlbedoNet, geometric albedo with a 1-sigma from a visible spectrum -- the
``coverage-albedo-net-visible`` preset (``analyze`` uses it for a spectrum covering 0.44-0.92 um but not 0.45-2.45
um, fed CoverageNet's S / C / X / Other probabilities) and the multitask row of ``benchmarks/albedo_joint.py``.

Data       AAED (528 VIS-NIR asteroids, 11 classes) and AAED-visible (1291 SMASS II asteroids, S / C / X / Other)
           at once, every spectrum on CoverageNet's master grid (0.40-2.50 um, 106 bands, masked), 291 asteroids in
           both. Each row keeps its data set's out-of-sample class probabilities and class prior
           (:mod:`astrokeras.training.joint_albedo`).
Folds      benchmarks/albedo_joint.py: each table's own 5 stratified folds by asteroid (seed 0), a test asteroid of
           either table left out of the training rows of both.
Network    CoverageAlbedoNet (CoverageNet's trunk at width 32, tokens of 2 bands, 2 transformer blocks; AAE-Net's
           output fusion and zero-initialised [mean, log-sigma] head), plus an S / C / X / Other softmax head
           (multitask, cross-entropy of weight 1, chosen before any run).
Training   as ``aae-net-albedo``: Adam, lr 1e-3 (clipnorm 1), batch 32, Gaussian NLL, up to 400 epochs,
           EarlyStopping on the validation loss (patience 40, best weights restored), 10% validation (stratified
           by data set and S / C / X / Other) carved first.

Run: ``python training/coverage_albedo_net_visible.py --output model.keras``
"""

from astrokeras.recipes import aae_net_albedo, aae_net_albedo_visible
from astrokeras.training.recipes import JointAlbedoRecipe, command_line

RECIPE = JointAlbedoRecipe(
    name="coverage-albedo-net-visible",
    answers="geometric albedo (log10 target, Gaussian NLL, 1-sigma in dex) from a visible spectrum",
    training_data="AAED + AAED-visible: korda2023 VIS-NIR and SMASS II visible spectra x Mahlke+2022 / SpitzerNEOs "
                  "albedos",
    tables=(aae_net_albedo.RECIPE, aae_net_albedo_visible.RECIPE),
    config=aae_net_albedo.RECIPE.config,
    quick_config=aae_net_albedo.RECIPE.quick_config,
)

if __name__ == "__main__":
    raise SystemExit(command_line(RECIPE))
