"""Recipe: CoverageNet, the taxonomy of a spectrum of any coverage -- the ``coverage-net-taxonomy`` preset that
``astrokeras analyze`` uses, and the CoverageNet rows of the coverage table.

Data       Every labelled spectrum of four surveys, each on its own grid and with its survey's label for its
           asteroid: korda2023 VIS-NIR (586, Bus-DeMeo 11 classes), SMASS II measured visible spectra (1334, Bus
           4 classes), the MITHNEOS archive files of the Bus-DeMeo or Bus asteroids (634, raw: merged segments,
           sentinels dropped), and Gaia DR3's bands of the asteroids the other surveys classified (1395).
           SMASS I, SMASS IR and the NEO visible files are left out: they measure robustness to an instrument
           the network never saw.
Folds      5 folds grouped by asteroid over all surveys (stratified by the 4-class label, seed 0): an asteroid
           held out is held out in every survey.
Network    CoverageNet on the 0.40-2.50 um grid (106 bands, step 0.02), tokens of 2 bands (53), width 48,
           2 transformer blocks of 4 heads, 11-class softmax whose sums over S / C / X / Other train on 4-class
           labels; about 53k parameters.
Resampling Each spectrum with an 11-class label is repeated round(sqrt(n_max / n_class)) times (at most 4), and each
           11-class VIS-NIR spectrum is added once more cut to 0.85-2.45 um (its repeats too):
           :func:`~astrokeras.training.coverage_resampling.rebalanced`, chosen on validation asteroids by
           ``astrokeras reproduce --table coverage-training`` (validation asteroids of folds 1 and 2, pooled:
           near-infrared-only 71.4% accuracy / 45.5% balanced without it, 76.9 / 67.8 with it; VIS-NIR 88.1 / 71.2
           -> 91.7 / 81.2; Gaia bands 88.4 / 83.9 -> 88.7 / 86.7; visible within 1 point either way).
Training   3 augmented copies per spectrum (coverage: visible / near-infrared / Gaia bands / gaps / short
           windows; calibration: slope tilt, end gains, noise at SNR 15-300) plus the spectrum as given. Adam,
           lr 1e-3, batch 128, cross-entropy, up to 60 epochs. Callbacks: EarlyStopping on the validation loss
           (patience 8, best weights restored); 10% of the training asteroids carved off first as validation,
           which also sets the temperature and the out-of-distribution threshold (99th percentile).

Run: ``python training/coverage_net_taxonomy.py --output model.keras``
"""

from astrokeras.datasets.collection import (
    archive_collection,
    bus_labels,
    busdemeo_labels,
    gaia_collection,
    korda_collection,
    smass2_collection,
)
from astrokeras.datasets.tasks import albedo_prior_4class
from astrokeras.models import CoverageNet
from astrokeras.schemes.taxonomy import ELEVEN_TO_FOUR, FOUR_CLASS, VISNIR_11
from astrokeras.spectra.coverage import MASTER_GRID
from astrokeras.training import TrainConfig
from astrokeras.training.coverage_resampling import ResampledCoverageRecipe, rebalanced
from astrokeras.training.recipes import command_line

TRAINING_SURVEYS = ("korda2023", "smass2", "mithneos", "gaia_dr3")
GROUPS = [FOUR_CLASS.classes.index(ELEVEN_TO_FOUR[c]) for c in VISNIR_11.classes]


def training_spectra():
    """The labelled spectra of the four training surveys (a SpectrumCollection)."""
    labels_11, labels_4 = busdemeo_labels(), bus_labels()
    return (korda_collection() + smass2_collection() + archive_collection("mithneos", labels_11, labels_4)
            + gaia_collection(labels_11, labels_4))


RECIPE = ResampledCoverageRecipe(
    name="coverage-net-taxonomy",
    answers="11-class taxonomy (and S / C / X / Other) of a spectrum of any coverage",
    training_data="korda2023 + SMASS II + MITHNEOS archive + Gaia DR3 (labelled asteroids)",
    scheme=VISNIR_11,
    group_scheme=FOUR_CLASS,
    grid=MASTER_GRID,
    data=training_spectra,
    network=lambda: CoverageNet(len(MASTER_GRID), len(VISNIR_11.classes), groups=GROUPS, width=48, mlp_units=96,
                                token_stride=2, name="coverage_net_taxonomy"),
    config=TrainConfig(epochs=60, learning_rate=1e-3, patience=8, verbose=0),
    quick_config=TrainConfig(epochs=2, learning_rate=1e-3, patience=2, verbose=0),
    copies=3,
    quick_copies=1,
    card_extra=albedo_prior_4class,  # the albedo rule analyze applies when AAE-Net's 0.45-2.45 um is not covered
    resample=rebalanced,
)

if __name__ == "__main__":
    raise SystemExit(command_line(RECIPE))
