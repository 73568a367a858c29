"""Recipe: ASC-Net, 4 classes (S / C / X / Other) from a visible spectrum -- the ``asc-net-visible-4class`` preset
and the ASC-Net row of Table 5.

Data       SMASS II (Bus & Binzel 2002): the 1334 spectra with a Bus class (PDS taxonomy10, paper Table 1 mapping;
           O and R dropped), the survey's spline fits on 0.44-0.92 um step 0.01 (49 bands), normalised at 0.55 um.
Folds      Table 5: 5 stratified folds, seed 0; every baseline runs on the same folds.
Network    ASC-Net at reduced widths (Conv 16/32/32, Dense 32/64/128, 2 heads x 16; 72.5k parameters), chosen on a
           validation split carved from the training part of fold 0 (see the README).
Training   Adam, lr 1e-3, batch 128, categorical cross-entropy, up to 300 epochs. Callbacks: EarlyStopping on the
           validation loss (patience 30, best weights restored); the validation set is 10% of the training
           spectra, carved before anything else; BackupAndRestore with --backup-dir.

Run: ``python training/asc_net_visible_4class.py --output model.keras [--holdout-fold 0]``
(the same as ``astrokeras train asc-net-visible-4class ...``).
"""

from astrokeras.datasets.tasks import VISIBLE_GRID, albedo_prior_4class, smass2_4class
from astrokeras.models import ASCNet
from astrokeras.schemes.taxonomy import FOUR_CLASS
from astrokeras.training import TrainConfig
from astrokeras.training.recipes import ClassifierRecipe, command_line

WIDTHS = dict(conv_filters=(16, 32, 32), dense_units=(32, 64, 128), num_heads=2, key_dim=16)

RECIPE = ClassifierRecipe(
    name="asc-net-visible-4class",
    answers="4-class taxonomy",
    training_data="SMASS II (Bus classes from PDS taxonomy10), 1334 spectra",
    scheme=FOUR_CLASS,
    grid=VISIBLE_GRID,
    data=smass2_4class,
    network=lambda bands, classes: ASCNet(bands, classes, **WIDTHS, name="asc_net_visible_4class"),
    config=TrainConfig(epochs=300, learning_rate=1e-3, patience=30, verbose=0),
    quick_config=TrainConfig(epochs=10, learning_rate=1e-3, patience=5, verbose=0),
    card_extra=albedo_prior_4class,  # the albedo rule analyze applies to a visible spectrum
)

if __name__ == "__main__":
    raise SystemExit(command_line(RECIPE))
