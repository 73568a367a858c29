"""Recipe: the network of the ``composition-net-mineralogy`` preset that ``astrokeras analyze`` uses -- five
CompositionNets of the ``composition_net_mineralogy`` recipe (its data, folds, settings; read that file), seeds 0-4,
as one :class:`~astrokeras.models.composition_ensemble.CompositionEnsemble`. The preset ships it blended with
Korda-style CNNs on full-coverage spectra (``composition_net_mineralogy_blend.py``); this file alone trains the
ensemble without them.

Why five: one network's answer for an asteroid hung on its seed. Trained on every spectrum with seeds 0-4, the
single recipe put Itokawa's olivine (Hayabusa NIRS, 0.82-2.08 um) anywhere from 43 to 76% (std 11.6 points) and
its clinopyroxene from 5 to 45% (``astrokeras reproduce --table composition-seeds``, 2026-12-07). The members share
one validation split (carved with seed 0), which early-stops each of them and then calibrates the ensemble's
1-sigma, which includes the spread between the members.

Run: ``python training/composition_net_mineralogy_ensemble.py --output model.keras``
"""

from astrokeras.recipes.composition_net_mineralogy import RECIPE as MEMBER

from astrokeras.training.composition_ensemble import CompositionEnsembleRecipe
from astrokeras.training.recipes import command_line

SEEDS = (0, 1, 2, 3, 4)

RECIPE = CompositionEnsembleRecipe(member=MEMBER, seeds=SEEDS, quick_seeds=(0, 1))

if __name__ == "__main__":
    raise SystemExit(command_line(RECIPE))
