"""Recipe: AE-trans, OL / OPX / CPX abundances by unmixing -- the ``ae-trans-olivine-pyroxene`` preset and the
AE-trans rows of Tables 8, korda and 12.

Data       Simulated1 (ACAD): 2500 flat-Dirichlet mixtures (seed 1) of the mean pure (>= 0.99) OL / OPX / CPX RELAB
           spectra (korda2023), on 0.45-2.45 um step 0.01 (201 bands), normalised at 0.55 um. Its test set is
           Simulated2 (seed 2), never trained on.
Network    AE-trans: 3 CBS blocks, patches of 8 bands, 2 transformer blocks (width 32, 4 heads), softmax
           abundances, a linear decoder whose kernel is the end-member matrix, kept fixed at the mean spectra
           (after normalisation an end-member's brightness trades off against its abundance, so a trainable
           decoder makes abundances unidentifiable).
Training   Adam, lr 1e-3, batch 128, MSE + SAD on the reconstruction, the paper's 200 epochs (no early stopping:
           the loss is on the training mixtures themselves).

Run: ``python training/ae_trans_olivine_pyroxene.py --output model.keras``
"""

from astrokeras.datasets.tasks import VISNIR_GRID, acad_endmembers
from astrokeras.models import AETrans
from astrokeras.training.recipes import UnmixerRecipe, command_line

RECIPE = UnmixerRecipe(
    name="ae-trans-olivine-pyroxene",
    answers="OL / OPX / CPX abundances (fractions summing to 1)",
    training_data="2500 Dirichlet mixtures of the mean RELAB OL / OPX / CPX spectra (korda2023)",
    grid=VISNIR_GRID,
    endmembers=acad_endmembers,
    network=lambda bands, E, index: AETrans(bands, E, normalise_index=index, trainable_endmembers=False),
    epochs=200,
    quick_epochs=15,
    applies_to=("S", "Q", "A", "V"),
)

if __name__ == "__main__":
    raise SystemExit(command_line(RECIPE))
