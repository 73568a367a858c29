"""The recipes: one small file per shipped model, saying its data, folds, network, training settings and callbacks.

This folder is installed as :mod:`astrokeras.recipes` (setup.cfg maps it), so ``astrokeras train`` (the presets)
and ``astrokeras reproduce`` (the tables) run these very definitions: a preset and its table cannot drift apart.
Run one directly with ``python training/<recipe>.py --output model.keras`` (``--help`` for the options).

Example
-------
>>> from astrokeras.recipes import RECIPES
>>> sorted(RECIPES)[:2]
['aae-net-albedo', 'aae-net-albedo-visible']
"""

from astrokeras.recipes import (
    aae_net_albedo,
    aae_net_albedo_visible,
    ae_trans_olivine_pyroxene,
    asc_net_visible_4class,
    asc_net_visnir_11class,
    composition_net_mineralogy_blend,
    coverage_net_taxonomy,
)

_SHIPPED = (coverage_net_taxonomy, asc_net_visible_4class, asc_net_visnir_11class, aae_net_albedo,
            aae_net_albedo_visible, ae_trans_olivine_pyroxene, composition_net_mineralogy_blend)
RECIPES = {module.RECIPE.name: module.RECIPE for module in _SHIPPED}
# The module that defines each preset's recipe (``composition-net-mineralogy`` is the ensemble of
# ``composition_net_mineralogy``'s network, composition_net_mineralogy_ensemble, blended with Korda-style CNNs:
# composition_net_mineralogy_blend).
RECIPE_MODULES = {module.RECIPE.name: module.__name__ for module in _SHIPPED}


def recipe(name: str):
    """The recipe of preset ``name``; a clear error for an unknown one."""
    if name not in RECIPES:
        raise KeyError(f"unknown recipe {name!r}; known: {sorted(RECIPES)}")
    return RECIPES[name]
