"""Train a :class:`~astrokeras.models.composition_blend.CompositionBlend`: Korda-style CNNs beside a trained
composition network, the blend weights and the last 1-sigma calibration, all on the network's own validation split.

Protocol, as the composition blend table measures it on held-out folds (``astrokeras reproduce --table
composition-blend``): the network (a CompositionEnsemble) was early-stopped and calibrated on a validation split
carved from its training rows; each CNN (:func:`~astrokeras.training.korda_baseline.fit_korda_cnn`, one per seed)
trains on the other rows and is early-stopped on that split; on the same split, the network's share of the modal
fractions and its share of the chemistry are chosen apart (:func:`choose_weights_apart`, from 0, 0.1, ... 1), then
the blend's full-coverage 1-sigma is scaled to 68%. No spectrum of the split trains a weight.

Example
-------
>>> import numpy as np
>>> class Data:                       # the two label arrays of a CompositionData
...     modal = np.array([[0.6, 0.4, 0.0, 0.0], [0.2, 0.8, 0.0, 0.0]])
...     chemistry = np.array([[0.3, 0.2, 0.02, np.nan, np.nan], [0.3, 0.2, 0.02, np.nan, np.nan]])
>>> exact = {"modal": Data.modal, "chemistry": np.nan_to_num(Data.chemistry)}
>>> off = {"modal": Data.modal[::-1], "chemistry": exact["chemistry"] + 0.1}
>>> choose_weights_apart(exact, off, Data, np.arange(2))
{'modal': 1.0, 'chemistry': 1.0}
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

from astrokeras.datasets.relab_composition import CompositionData
from astrokeras.models.composition_blend import CompositionBlend
from astrokeras.training.composition import (
    evaluation_inputs,
    predict_composition,
    rmse_of,
)
from astrokeras.training.composition_ensemble import calibrate_log_scales
from astrokeras.training.korda_baseline import KordaConfig, fit_korda_cnn, predict_korda

log = logging.getLogger(__name__)

SEEDS = (0, 1, 2, 3, 4)
# the window a spectrum must cover, without a gap, for the CNNs to answer (its ends filled): chosen on the preset's
# validation split cut to 0.47-2.45 and 0.50-2.40 um, where the blend beats the ensemble (composition coverage table)
CORE_UM = (0.50, 2.40)
WEIGHTS = tuple(round(float(w), 1) for w in np.linspace(0.0, 1.0, 11))  # the network's share, chosen on validation
NORMALISE_UM = 0.55


def blend(net: dict, cnn: dict, weight, keys=("modal", "chemistry")) -> dict:
    """``w * net + (1 - w) * cnn`` for each of ``keys`` (the modal fractions still sum to one); ``weight`` is one
    ``w`` or a ``{key: w}``."""
    share = weight if isinstance(weight, dict) else dict.fromkeys(keys, weight)
    return {key: share[key] * np.asarray(net[key]) + (1.0 - share[key]) * np.asarray(cnn[key]) for key in keys}


def choose_weights_apart(net: dict, cnn: dict, data, rows, weights=WEIGHTS) -> dict:
    """``{"modal": w, "chemistry": w}``: for each output, the network's share in :func:`blend` with the lowest RMSE
    on ``rows`` (OL/OPX/CPX for the modal fractions; the present labels for the chemistry), the first on a tie."""
    truth = {"modal": (data.modal[rows], [0, 1, 2]), "chemistry": (data.chemistry[rows], None)}
    chosen = {}
    for key, (true, columns) in truth.items():
        scores = {w: round(rmse_of(blend(net, cnn, w, keys=(key,))[key], true, columns), 6) for w in weights}
        chosen[key] = min(scores, key=scores.get)
    return chosen


def calibrate_blend(model: CompositionBlend, inputs: dict, modal, chemistry) -> dict:
    """Set the blend's full-coverage log-scales so that about 68% of the validation residuals (full-coverage
    ``inputs``) fall within its 1-sigma; returns the factors applied (per label)."""
    return calibrate_log_scales(model, inputs, modal, chemistry, "{key}_blend")


def validation_score(pred: dict, data, rows) -> float:
    """OL/OPX/CPX RMSE plus chemistry RMSE (fractions) of predictions on ``rows``: the composition tables'
    selection score."""
    return rmse_of(pred["modal"], data.modal[rows], [0, 1, 2]) + rmse_of(pred["chemistry"], data.chemistry[rows])


def core_indices(grid, core_um) -> tuple[int, int] | None:
    """The grid indices of the window ``core_um`` (start, stop in um; None: None).

    >>> core_indices(np.round(np.arange(0.45, 2.451, 0.01), 2), (0.50, 2.40))
    (5, 195)
    """
    if core_um is None:
        return None
    grid = np.asarray(grid, float)
    return int(np.argmin(np.abs(grid - core_um[0]))), int(np.argmin(np.abs(grid - core_um[1])))


def with_core(model: CompositionBlend, grid, core_um) -> CompositionBlend:
    """``model`` gated on the window ``core_um`` instead (see :class:`CompositionBlend`): the same network, CNNs,
    shares and calibration, nothing trained again."""
    gated = CompositionBlend(model.network, model.partners, model.modal_weight, model.chemistry_weight,
                             normalise_index=model.normalise_index, core=core_indices(grid, core_um),
                             name=model.name)
    for key in ("modal", "chemistry"):
        gated.get_layer(f"{key}_blend").set_weights(model.get_layer(f"{key}_blend").get_weights())
    return gated


def fit_composition_blend(data: CompositionData, rows, validation_rows, network, config: KordaConfig | None = None,
                          seeds=SEEDS, weights=WEIGHTS, core_um=None):
    """``(blend, info)``: one CNN per seed of ``seeds`` trained on ``rows`` less ``validation_rows`` (the split
    ``network`` was early-stopped and calibrated on), the weights chosen apart and the 1-sigma calibrated on that
    split (see the module docstring); ``core_um``: the window the blend answers on (None: the whole grid)."""
    start = time.perf_counter()
    config = config or KordaConfig()
    fit_rows = np.setdiff1d(np.asarray(rows), validation_rows)
    partners, infos = [], []
    for k, seed in enumerate(seeds):
        log.info(f"composition blend: CNN {k + 1} of {len(seeds)} (seed {seed}) on {len(fit_rows)} spectra")
        begun = time.perf_counter()
        partners.append(fit_korda_cnn(data, fit_rows, validation_rows, dataclasses.replace(config, seed=seed)))
        infos.append({"seed": seed, "seconds": round(time.perf_counter() - begun, 1)})
    inputs = evaluation_inputs(data.spectra[validation_rows])
    net_val = predict_composition(network, inputs)
    answers = [predict_korda(p, data.spectra[validation_rows]) for p in partners]
    cnn_val = {key: np.mean([a[i] for a in answers], axis=0) for i, key in enumerate(("modal", "chemistry"))}
    chosen = choose_weights_apart(net_val, cnn_val, data, validation_rows, weights)
    index = int(np.argmin(np.abs(np.asarray(data.grid) - NORMALISE_UM)))
    model = CompositionBlend(network, partners, chosen["modal"], chosen["chemistry"], normalise_index=index,
                             core=core_indices(data.grid, core_um))
    factors = calibrate_blend(model, inputs, data.modal[validation_rows], data.chemistry[validation_rows])
    blended = predict_composition(model, inputs)
    info = {"partners": infos, "partner_config": dataclasses.asdict(config), "weights": chosen,
            "core_um": None if core_um is None else list(core_um),
            "validation_rows": len(validation_rows), "fit_rows": len(fit_rows),
            "validation_scores": {"network": round(validation_score(net_val, data, validation_rows), 5),
                                  "cnn_mean": round(validation_score(cnn_val, data, validation_rows), 5),
                                  "blend": round(validation_score(blended, data, validation_rows), 5)},
            "sigma_factors": factors, "seconds": round(time.perf_counter() - start, 1)}
    log.info(f"composition blend: network's share {chosen} chosen on {len(validation_rows)} validation spectra; "
             f"scores {info['validation_scores']}")
    return model, info


@dataclasses.dataclass(frozen=True)
class CompositionBlendRecipe:
    """A :class:`~astrokeras.training.composition_ensemble.CompositionEnsembleRecipe` (``network``: data, settings,
    members) trained first, then blended with one KordaCNN per seed of ``partner_seeds`` (``quick_partner_seeds``
    and ``quick_partner`` for a smoke run) by :func:`fit_composition_blend`, and shipped as one
    :class:`~astrokeras.models.composition_blend.CompositionBlend`. Every other attribute is the network recipe's
    (``name``, ``grid``, ``seeds``, ``applies_to``...)."""

    network: object
    partner: KordaConfig = dataclasses.field(default_factory=KordaConfig)
    partner_seeds: tuple = SEEDS
    quick_partner: KordaConfig = dataclasses.field(default_factory=lambda: KordaConfig(epochs=3, patience=3))
    quick_partner_seeds: tuple = (0, 1)
    core_um: tuple | None = CORE_UM

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.network, name)

    def validation_rows(self, data, rows, quick: bool = False, **overrides) -> np.ndarray:
        """The validation split the network's members were early-stopped and calibrated on (carved from ``rows``
        with the network's settings), on which the blend is chosen."""
        from astrokeras.datasets.relab_composition import carve_validation

        member = self.network.member
        config = dataclasses.replace(member.quick_config if quick else member.config,
                                     **{k: v for k, v in overrides.items() if v is not None})
        return carve_validation(data, np.asarray(rows), config.validation_fraction, seed=config.seed)[1]

    def blend(self, network, *, quick: bool = False, holdout_fold: int | None = None, **overrides):
        """``(blend, info)``: ``network`` (this recipe's trained network) blended on its validation split."""
        data = self.network.member.data()
        rows = np.arange(len(data)) if holdout_fold is None else self.network.member.folds(data)[holdout_fold][0]
        validation = self.validation_rows(data, rows, quick, **overrides)
        return fit_composition_blend(data, rows, validation, network, self.quick_partner if quick else self.partner,
                                     self.quick_partner_seeds if quick else self.partner_seeds, core_um=self.core_um)

    def train(self, *, quick: bool = False, holdout_fold: int | None = None, store=None, **overrides):
        """``(blend, card)``: the network trained by its recipe (``store`` keeps its members' weights, see
        :meth:`CompositionEnsembleRecipe.train`), then blended (:meth:`blend`)."""
        start = time.perf_counter()
        network, card = self.network.train(quick=quick, holdout_fold=holdout_fold, store=store, **overrides)
        model, info = self.blend(network, quick=quick, holdout_fold=holdout_fold, **overrides)
        return model, blend_card(card, info, time.perf_counter() - start)


def _window_words(core_um) -> str:
    """How the card names the window the blend answers on.

    >>> _window_words(None), _window_words([0.5, 2.4])
    ('the whole grid', '0.5-2.4 um without a gap (the CNNs read the ends filled with the nearest covered value)')
    """
    if core_um is None:
        return "the whole grid"
    return f"{core_um[0]:g}-{core_um[1]:g} um without a gap (the CNNs read the ends filled with the nearest covered value)"


def blend_card(card: dict, info: dict, seconds: float) -> dict:
    """The network's preset card made the blend's: its model, network, inputs and training say what was added."""
    seeds = [p["seed"] for p in info["partners"]]
    weights = info["weights"]
    return {**card, "model": "CompositionBlend", "seconds": round(seconds, 1),
            "network": (f"CompositionBlend: on spectra covering {_window_words(info.get('core_um'))}, "
                        f"{weights['modal']} x the network + "
                        f"{round(1 - weights['modal'], 1)} x the mean of {len(seeds)} Korda et al. 2023-style CNNs "
                        f"(seeds {seeds}) for the modal fractions, {weights['chemistry']} x the network + "
                        f"{round(1 - weights['chemistry'], 1)} x the CNNs for the chemistry (shares chosen on the "
                        "validation split), 1-sigma the network's, calibrated again; on any other coverage the "
                        f"network alone. The network: {card['network']}"),
            "partners": len(seeds),
            "training": {**card["training"], "blend": info}}
