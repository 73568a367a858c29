"""Recipe: ASC-Net, 11 Bus-DeMeo classes from a VIS-NIR spectrum -- the ``asc-net-visnir-11class`` preset and the
ASC-Net row of Table 7.

Data       korda2023 (DeMeo+2009, Binzel+2019 MITHNEOS): the 586 spectra with an 11-class label (paper Table 6;
           O, R, U dropped), on the paper's 0.01 um grid 0.45-2.45 um (201 bands), normalised at 0.55 um.
Folds      Table 7: 5 stratified folds, seed 0 (the 4 T-types cannot reach every fold: a warning says so).
Network    ASC-Net at the same reduced widths as the visible recipe.
Training   Adam, lr 1e-3, batch 128, categorical cross-entropy, up to 300 epochs. Callbacks: EarlyStopping on the
           validation loss (patience 30, best weights restored), 10% validation carved first.

Run: ``python training/asc_net_visnir_11class.py --output model.keras``
"""

from astrokeras.datasets.tasks import VISNIR_GRID, visnir_11class
from astrokeras.models import ASCNet
from astrokeras.schemes.taxonomy import VISNIR_11
from astrokeras.training import TrainConfig
from astrokeras.training.recipes import ClassifierRecipe, command_line

WIDTHS = dict(conv_filters=(16, 32, 32), dense_units=(32, 64, 128), num_heads=2, key_dim=16)

RECIPE = ClassifierRecipe(
    name="asc-net-visnir-11class",
    answers="11-class taxonomy",
    training_data="korda2023 VIS-NIR (DeMeo 2009 + Binzel 2019), 586 spectra",
    scheme=VISNIR_11,
    grid=VISNIR_GRID,
    data=visnir_11class,
    network=lambda bands, classes: ASCNet(bands, classes, **WIDTHS, name="asc_net_visnir_11class"),
    config=TrainConfig(epochs=300, learning_rate=1e-3, patience=30, verbose=0),
    quick_config=TrainConfig(epochs=10, learning_rate=1e-3, patience=5, verbose=0),
)

if __name__ == "__main__":
    raise SystemExit(command_line(RECIPE))
