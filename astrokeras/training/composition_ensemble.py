"""Train a :class:`~astrokeras.models.composition_ensemble.CompositionEnsemble`: one CompositionNet per seed on the
same rows and the same validation split, then the ensemble's 1-sigma calibrated on that split.

The members differ only in their seed (initial weights, simulated mixtures and space-weathered copies, batch
order); they share the validation split carved with the configuration's own seed, so the calibration set is one
that no member trained on. Seed ``config.seed`` gives the very model that
:func:`~astrokeras.training.composition.fit_composition` gives alone (the same split, the same seed).

A member can be read back instead of trained: give ``store`` (a
:class:`~astrokeras.evaluation.fold_store.FoldStore`, keyed by the caller) and each member's weights are saved there
as it finishes, so an interrupted training resumes at the next member.

Example
-------
>>> from astrokeras.training.composition_ensemble import member_configs
>>> from astrokeras.training.composition import CompositionConfig
>>> [c.seed for c in member_configs(CompositionConfig(seed=0), (0, 3))]
[0, 3]
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

from astrokeras.datasets.relab_composition import (
    CHEMISTRY,
    CHEMISTRY_MIN_ABUNDANCE,
    CHEMISTRY_MINERAL,
    MINERALS,
    CompositionData,
    carve_validation,
)
from astrokeras.evaluation.fold_store import digest
from astrokeras.models.composition_ensemble import CompositionEnsemble
from astrokeras.models.composition_net import split_outputs
from astrokeras.training.composition import (
    CompositionConfig,
    build_model,
    evaluation_inputs,
    fit_composition,
    sigma_scales,
    validation_score,
)
from astrokeras.training.recipes import CompositionRecipe, _card

log = logging.getLogger(__name__)

SEEDS = (0, 1, 2, 3, 4)


def member_configs(config: CompositionConfig, seeds=SEEDS) -> list:
    """``config`` once per seed."""
    return [dataclasses.replace(config, seed=int(seed)) for seed in seeds]


def calibrate_log_scales(model, inputs: dict, modal, chemistry, layer: str) -> dict:
    """Add to the ``log_scale`` weights of ``model``'s layers ``layer.format(key="modal")`` and ``...chemistry``
    what brings about 68% of the residuals on ``inputs`` (a validation set) within the 1-sigma; returns the factors
    applied (per label)."""
    parts = split_outputs(model.predict(inputs, batch_size=512, verbose=0))
    factors = {}
    for key, true in (("modal", modal), ("chemistry", chemistry)):
        scale = np.clip(sigma_scales(parts[key], parts[f"{key}_sigma"], true), 1e-3, 1e3)
        found = model.get_layer(layer.format(key=key))
        found.log_scale.assign(np.asarray(found.log_scale) + np.log(scale).astype("float32"))
        factors[key] = [round(float(s), 4) for s in scale]
    return factors


def calibrate_ensemble(ensemble: CompositionEnsemble, inputs: dict, modal, chemistry) -> dict:
    """Set the ensemble's log-scales so that about 68% of the validation residuals fall within its 1-sigma;
    returns the factors applied (per label)."""
    return calibrate_log_scales(ensemble, inputs, modal, chemistry, "{key}_ensemble")


def _member(data, rows, validation_rows, config, store):
    """One member (trained, or its weights read back from ``store``) and its training info."""
    def work():
        model, info = fit_composition(data, rows, config, validation_rows=validation_rows)
        return {f"w{i:03d}": w for i, w in enumerate(model.get_weights())}, info
    unit = f"seed{config.seed}-{digest({'rows': np.asarray(rows).tolist(), 'config': dataclasses.asdict(config)})}"
    arrays, info = work() if store is None else store.compute(unit, work)
    model = build_model(data.spectra.shape[1], config)
    model.set_weights([arrays[k] for k in sorted(arrays)])
    return model, info


def fit_composition_ensemble(data: CompositionData, rows, config: CompositionConfig | None = None,
                             seeds=SEEDS, *, store=None):
    """Train one CompositionNet per seed on ``rows`` (see the module docstring); returns ``(ensemble, info)``.

    ``info``: each member's training info, the ensemble's validation score and sigma factors, the seconds."""
    start = time.perf_counter()
    config = config or CompositionConfig()
    rows = np.asarray(rows)
    fit_rows, validation_rows = carve_validation(data, rows, config.validation_fraction, seed=config.seed)
    members, infos = [], []
    for k, member_config in enumerate(member_configs(config, seeds)):
        log.info(f"composition ensemble: member {k + 1} of {len(seeds)} (seed {member_config.seed})")
        model, info = _member(data, rows, validation_rows, member_config, store)
        members.append(model)
        infos.append({"seed": member_config.seed, **{key: info.get(key) for key in
                     ("validation_score", "best_epoch", "epochs_run", "seconds")}})
    ensemble = CompositionEnsemble(members)
    inputs = evaluation_inputs(data.spectra[validation_rows])
    factors = calibrate_ensemble(ensemble, inputs, data.modal[validation_rows], data.chemistry[validation_rows])
    info = {"members": infos, "fit_rows": len(fit_rows), "validation_rows": len(validation_rows),
            "validation_score": round(validation_score(ensemble, data, validation_rows), 5),
            "sigma_factors": factors, "seconds": round(time.perf_counter() - start, 1)}
    return ensemble, info


@dataclasses.dataclass(frozen=True)
class CompositionEnsembleRecipe:
    """A :class:`~astrokeras.training.recipes.CompositionRecipe` (``member``: data, folds, settings) trained once
    per seed of ``seeds`` (``quick_seeds`` for a smoke run) and shipped as one
    :class:`~astrokeras.models.composition_ensemble.CompositionEnsemble`. Every other attribute is the member
    recipe's (``name``, ``grid``, ``config``, ``applies_to``...)."""

    member: CompositionRecipe
    seeds: tuple = SEEDS
    quick_seeds: tuple = (0, 1)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.member, name)

    def train(self, *, quick: bool = False, holdout_fold: int | None = None, store=None, **overrides):
        """``(ensemble, card)`` trained on every labelled RELAB spectrum (less fold ``holdout_fold``). ``store``:
        a :class:`~astrokeras.evaluation.fold_store.FoldStore` that keeps each member's weights as it finishes, so
        that a run cut short resumes at the next member (``astrokeras train presets`` gives one under
        ``outputs/folds/composition-ensemble/``)."""
        start = time.perf_counter()
        data = self.member.data()
        rows = np.arange(len(data)) if holdout_fold is None else self.member.folds(data)[holdout_fold][0]
        overrides = {k: v for k, v in overrides.items() if v is not None}
        unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(CompositionConfig)} - {"seed"})
        if unknown or "seed" in overrides:
            raise ValueError(f"{self.name} does not take {unknown or ['seed']}: its settings are a CompositionConfig "
                             f"(e.g. --epochs); its members' seeds are fixed ({list(self.seeds)})")
        config = dataclasses.replace(self.member.quick_config if quick else self.member.config, **overrides)
        seeds = self.quick_seeds if quick else self.seeds
        ensemble, info = fit_composition_ensemble(data, rows, config, seeds, store=store)
        card = _card(self, type(ensemble).__name__, info["fit_rows"] + info["validation_rows"],
                     time.perf_counter() - start, minerals=list(MINERALS), chemistry=list(CHEMISTRY),
                     chemistry_of=dict(CHEMISTRY_MINERAL), chemistry_min_fraction=CHEMISTRY_MIN_ABUNDANCE,
                     applies_to=list(self.applies_to), requires_um=list(self.requires_um),
                     holdout_fold=holdout_fold, quick=quick,
                     network=f"CompositionEnsemble: the mean of {len(seeds)} CompositionNets (seeds {list(seeds)}), "
                             "1-sigma = sqrt(mean sigma^2 + variance of the means), calibrated",
                     bands=len(data.grid), members=len(seeds),
                     inputs={"spectrum": "reflectance on the grid (any scale: the network removes the level; by "
                                         "convention normalised at 0.55 um), 0 or anything where not covered",
                             "mask": "1 where the spectrum covers the band, 0 elsewhere (e.g. Hayabusa NIRS: "
                                     "0.82-2.08 um)"},
                     outputs={"modal": f"{list(MINERALS)} volume fractions (sum to one) then their log-sigmas",
                              "chemistry": f"{list(CHEMISTRY)} mole fractions then their log-sigmas",
                              "read_with": "astrokeras.models.composition_net.split_outputs"},
                     training={"data": f"RELAB {len(rows)} spectra (korda2023 mineral-spectra_denoised.npz)",
                               "settings": dataclasses.asdict(config), "seeds": list(seeds), **info})
        return ensemble, card
