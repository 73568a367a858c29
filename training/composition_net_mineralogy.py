"""Recipe: CompositionNet, modal mineralogy and mineral chemistry with calibrated 1-sigma -- the network of the
``composition-net-mineralogy`` preset that ``astrokeras analyze`` uses for S, Q, A and V-types (which ships five of
them, seeds 0-4, as one ensemble: ``composition_net_mineralogy_ensemble.py``), and the CompositionNet rows of the
composition table (``astrokeras reproduce --table composition``).

Data       The 674 RELAB spectra of korda2023 (``mineral-spectra_denoised.npz``: pure minerals, mixtures, meteorites)
           on 0.45-2.45 um step 0.01 um (201 bands), normalised at 0.55 um; labels OL / OPX / CPX / PLG volume
           fractions and Fa, Fs / Wo of OPX and CPX (where the mineral is >= 10 vol%).
Folds      The composition table's 5 folds grouped by material (SampleID or identical labels), stratified by pure
           mineral / mixture (seed 0).
Network    CompositionNet: masked log-centring, Conv1D stem, patches of 4 bands, width 48, 2 transformer blocks, a
           64-unit head; softmax modal fractions and sigmoid chemistry, each with a predicted log-sigma; about 51k
           parameters.
Training   Real spectra plus a 30% share cut to Hayabusa NIRS's 0.82-2.08 um (so partial coverage is read), plus
           as many linear reflectance mixtures of the training spectra (``MIXTURES``): chosen on validation splits
           of the composition table's 5 folds, where the per-fold choice by validation score fell on linear mixing
           in 4 of 5 folds (2026-12-06, commit 7af195d; the held-out modal RMSE, all spectra / true mixtures: none
           17.3 / 14.5 pp, linear 16.6 / 14.2, Hapke 18.8 / 14.5). (Until then: none, chosen on folds 1-2 only.)
           Every training spectrum, real or simulated, is added again space-weathered (``WEATHERING_SHARE``):
           times Brunetto et al. 2006's continuum exp(C_S / lambda), C_S uniform in -0.4..0 um
           (:mod:`astrokeras.physics.space_weathering`). Kept by the composition-levers table's rule on the
           validation splits of its 5 folds (2026-12-07): see ``astrokeras reproduce --table composition-levers``.
           Adam, lr 1e-3, batch 32, Gaussian NLL, up to 400 epochs, early stopping on a 15% validation split by
           material (patience 40, best weights restored), which then calibrates the sigmas (68% inside).

Run: ``python training/composition_net_mineralogy.py --output model.keras``
"""

from astrokeras.datasets.relab_composition import VISNIR_GRID, composition_data, composition_folds
from astrokeras.training.composition import CompositionConfig
from astrokeras.training.recipes import CompositionRecipe, command_line

MIXTURES = "linear"
WEATHERING_SHARE = 1.0

RECIPE = CompositionRecipe(
    name="composition-net-mineralogy",
    answers="modal OL / OPX / CPX / PLG and Fa, Fs, Wo of the pyroxenes, each with a calibrated 1-sigma",
    training_data="674 RELAB spectra with modal and chemical labels (korda2023)",
    grid=VISNIR_GRID,
    data=composition_data,
    folds=composition_folds,
    config=CompositionConfig(mixtures=MIXTURES, weathering_share=WEATHERING_SHARE),
    quick_config=CompositionConfig(mixtures="none", epochs=4, patience=4),
    applies_to=("S", "Q", "A", "V"),
    requires_um=(0.82, 2.08),
)

if __name__ == "__main__":
    raise SystemExit(command_line(RECIPE))
