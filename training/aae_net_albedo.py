"""Recipe: AAE-Net, geometric albedo with a 1-sigma from a VIS-NIR spectrum and its class probabilities -- the
``aae-net-albedo`` preset and the AAE-Net rows of Tables 9, 10 and 13.

Data       AAED: korda2023 spectra x albedos (Mahlke+2022 median of 10**pV, then SpitzerNEOs), the 528 asteroids
           with an 11-class label, 201 bands 0.45-2.45 um, normalised at 0.55 um.
Folds      5 stratified folds by asteroid, seed 0. The class probabilities AAE-Net receives are out of sample
           (PCA + logistic regression, cross-validated inside the training part).
Network    AAE-Net at reduced widths (Conv 16/32/32, Dense 32/64/128, 2 heads x 16), zero-initialised output:
           it learns the deviation of log10 albedo from the probability-weighted class prior, and log-sigma.
Training   Adam, lr 1e-3 (clipnorm 1), batch 32, Gaussian NLL, up to 400 epochs. Callbacks: EarlyStopping on
           the validation loss (patience 40, best weights restored), 10% validation (stratified) carved first.

Run: ``python training/aae_net_albedo.py --output model.keras``
"""

from astrokeras.datasets.tasks import VISNIR_GRID, aaed
from astrokeras.models import AAENet
from astrokeras.schemes.taxonomy import VISNIR_11
from astrokeras.training import TrainConfig
from astrokeras.training.recipes import AlbedoRecipe, command_line

WIDTHS = dict(conv_filters=(16, 32, 32), dense_units=(32, 64, 128), num_heads=2, key_dim=16)

RECIPE = AlbedoRecipe(
    name="aae-net-albedo",
    answers="geometric albedo (log10 target, Gaussian NLL, 1-sigma in dex)",
    training_data="AAED: korda2023 VIS-NIR spectra x Mahlke+2022 / SpitzerNEOs albedos",
    scheme=VISNIR_11,
    grid=VISNIR_GRID,
    data=aaed,
    network=lambda bands, classes, uncertainty: AAENet(bands, classes, uncertainty=uncertainty, **WIDTHS),
    config=TrainConfig(epochs=400, learning_rate=1e-3, patience=40, batch_size=32, verbose=0),
    quick_config=TrainConfig(epochs=10, learning_rate=1e-3, patience=5, batch_size=32, verbose=0),
)

if __name__ == "__main__":
    raise SystemExit(command_line(RECIPE))
