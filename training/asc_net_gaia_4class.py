"""Recipe: ASC-Net, 4 classes on Gaia DR3's bands -- the ``asc-net-gaia-4class`` preset (``astrokeras survey
gaia``).

Data       SMASS II (1334 spectra with a Bus class) linearly resampled to Gaia's 11 bands 0.462-0.902 um,
           normalised at 0.55 um. The card also carries the per-band median ratio Gaia / SMASS II over the
           asteroids both observed (no class labels used; Bus-DeMeo asteroids excluded), which the survey divides
           Gaia spectra by.
Folds      Table 5's: 5 stratified folds, seed 0.
Network    ASC-Net at the same reduced widths as the visible recipe.
Training   Adam, lr 1e-3, batch 128, categorical cross-entropy, up to 300 epochs; EarlyStopping (patience 30)
           on 10% validation carved first.

Run: ``python training/asc_net_gaia_4class.py --output model.keras``
"""

from astrokeras.datasets.gaia_bands import GAIA_GRID, gaia_to_ground_ratio, smass2_on_gaia_bands
from astrokeras.models import ASCNet
from astrokeras.taxonomy import FOUR_CLASS
from astrokeras.training import TrainConfig
from astrokeras.training.recipes import ClassifierRecipe, command_line

WIDTHS = dict(conv_filters=(16, 32, 32), dense_units=(32, 64, 128), num_heads=2, key_dim=16)

RECIPE = ClassifierRecipe(
    name="asc-net-gaia-4class",
    answers="4-class taxonomy of Gaia DR3 spectra",
    training_data="SMASS II (Bus classes), linearly resampled to the Gaia DR3 bands 0.462-0.902 um",
    scheme=FOUR_CLASS,
    grid=GAIA_GRID,
    data=smass2_on_gaia_bands,
    network=lambda bands, classes: ASCNet(bands, classes, **WIDTHS, name="asc_net_gaia_4class"),
    config=TrainConfig(epochs=300, learning_rate=1e-3, patience=30, verbose=0),
    quick_config=TrainConfig(epochs=10, learning_rate=1e-3, patience=5, verbose=0),
    card_extra=gaia_to_ground_ratio,
)

if __name__ == "__main__":
    raise SystemExit(command_line(RECIPE))
