"""Train :class:`~astrokeras.models.composition_net.CompositionNet` on RELAB spectra: simulated mixtures of the
training spectra, coverage copies, early stopping and sigma calibration on a validation split carved by material.

Everything a fold needs comes from its training rows only: the validation split (whole material groups), the
pure spectra the simulated mixtures are made of, the sigma calibration. Nothing here reads a test row.

Simulated mixtures (``CompositionConfig.mixtures``): ``"linear"`` averages the absolute reflectances of pure
training spectra (an areal mixture), ``"hapke"`` averages their single-scattering albedos (an intimate mixture,
:mod:`astrokeras.physics.hapke`); each mixes one random pure spectrum of 2 to 4 of the minerals OL / OPX / CPX / PLG with
flat-Dirichlet volume fractions and inherits the chemistry of its pure spectra. ``"none"``: real spectra only.

Coverage copies (``nirs_share``): a share of the training spectra is added again with the coverage mask cut to
Hayabusa NIRS's 0.82-2.08 um, so the same network reads Itokawa's spectra.

Example
-------
>>> import numpy as np
>>> from astrokeras.training.composition import coverage_mask
>>> grid = np.round(np.arange(0.45, 2.451, 0.01), 2)
>>> m = coverage_mask(grid, 0.82, 2.08); int(m.sum()), float(grid[m][0]), float(grid[m][-1])
(127, 0.82, 2.08)
"""

from __future__ import annotations

import dataclasses
import itertools
import time

import keras
import numpy as np

from astrokeras.composition_layers import MaskedGaussianNLL
from astrokeras.datasets.relab_composition import (
    CHEMISTRY,
    CHEMISTRY_MIN_ABUNDANCE,
    MINERALS,
    CompositionData,
    carve_validation,
)
from astrokeras.models.composition_net import CompositionNet, split_outputs
from astrokeras.physics.hapke import mix_spectra
from astrokeras.physics.mixtures import normalise_index
from astrokeras.physics.space_weathering import C_S_RANGE, weathered
from astrokeras.training.pipeline import make_dataset
from astrokeras.training.progress import EpochProgress
from astrokeras.training.runtime import STEPS_PER_EXECUTION

NIRS_RANGE = (0.82, 2.08)
ONE_SIGMA = 0.6827


@dataclasses.dataclass(frozen=True)
class CompositionConfig:
    """Settings of one CompositionNet training (defaults: the shipped model's).

    Attributes
    ----------
    width, blocks, patch, head_units, dropout : the network (see :class:`CompositionNet`).
    epochs, batch_size, learning_rate, patience : Adam with early stopping on the validation loss.
    chemistry_weight : weight of the chemistry loss against the modal loss.
    nll_weight : weight of the sigma (NLL) term in each loss.
    mixtures : ``"none"``, ``"linear"`` or ``"hapke"`` simulated mixtures added to the training spectra.
    mixture_share : simulated spectra per real training spectrum.
    nirs_share : share of the training spectra added again cut to the Hayabusa NIRS range (0: none).
    weathering_share : share of the training spectra (real and simulated) added again space-weathered, each with
        a Brunetto et al. 2006 continuum ``exp(C_S / lambda)``, ``C_S`` uniform in ``weathering_cs`` (0: none).
    validation_fraction : share of the training rows (whole material groups) held out.
    seed : seeds Keras, NumPy and the splits.
    """

    width: int = 48
    blocks: int = 2
    patch: int = 4
    head_units: int = 64
    dropout: float = 0.1
    epochs: int = 400
    batch_size: int = 32
    learning_rate: float = 1e-3
    patience: int = 40
    chemistry_weight: float = 1.0
    nll_weight: float = 0.1
    mixtures: str = "none"
    mixture_share: float = 1.0
    nirs_share: float = 0.3
    weathering_share: float = 0.0
    weathering_cs: tuple = C_S_RANGE
    validation_fraction: float = 0.15
    seed: int = 0

    def __post_init__(self):
        if self.mixtures not in ("none", "linear", "hapke"):
            raise ValueError(f"mixtures must be 'none', 'linear' or 'hapke', got {self.mixtures!r}")


def coverage_mask(grid, start: float, stop: float) -> np.ndarray:
    """Boolean mask of the ``grid`` bands inside ``[start, stop]`` um."""
    grid = np.asarray(grid, dtype=float)
    return (grid >= start - 1e-6) & (grid <= stop + 1e-6)


def simulate_mixtures(data: CompositionData, rows, n: int, how: str, rng):
    """``(spectra, modal, chemistry)`` of ``n`` simulated mixtures of the pure spectra among ``rows`` (normalised
    at 0.55 um like the real ones; chemistry NaN for minerals under the label threshold)."""
    rows = np.asarray(rows)
    pures = {k: rows[data.pure(mineral)[rows]] for k, mineral in enumerate(MINERALS)}
    available = [k for k, r in pures.items() if len(r)]
    subsets = [s for size in range(2, len(available) + 1) for s in itertools.combinations(available, size)]
    spectra = np.empty((n, data.spectra.shape[1]))
    modal = np.zeros((n, len(MINERALS)))
    chemistry = np.full((n, len(CHEMISTRY)), np.nan)
    for i in range(n):
        subset = subsets[rng.integers(len(subsets))]
        fractions = rng.dirichlet(np.ones(len(subset)))
        picks = [int(rng.choice(pures[k])) for k in subset]
        spectra[i] = mix_spectra(data.absolute[picks], fractions[None], how)[0]
        modal[i, list(subset)] = fractions
        for k, row, fraction in zip(subset, picks, fractions):
            if fraction >= CHEMISTRY_MIN_ABUNDANCE:
                known = np.isfinite(data.chemistry[row])
                chemistry[i, known] = data.chemistry[row, known]
    spectra /= spectra[:, normalise_index(data.grid)][:, None]
    return spectra, modal, chemistry


def _arrays(spectra, masks, modal, chemistry):
    return ({"spectrum": np.asarray(spectra, "float32"), "mask": np.asarray(masks, "float32")},
            {"modal": np.asarray(modal, "float32"), "chemistry": np.asarray(chemistry, "float32")})


def training_arrays(data: CompositionData, rows, config: CompositionConfig, rng):
    """``(inputs, targets)`` of a training set: the real rows, the simulated mixtures, the space-weathered copies,
    the NIRS-coverage copies (of all of these)."""
    rows = np.asarray(rows)
    spectra, modal, chemistry = data.spectra[rows], data.modal[rows], data.chemistry[rows]
    if config.mixtures != "none" and config.mixture_share > 0:
        n = int(round(config.mixture_share * len(rows)))
        s, m, c = simulate_mixtures(data, rows, n, config.mixtures, rng)
        spectra, modal, chemistry = np.vstack([spectra, s]), np.vstack([modal, m]), np.vstack([chemistry, c])
    if config.weathering_share > 0:
        pick = rng.choice(len(spectra), round(config.weathering_share * len(spectra)),
                          replace=config.weathering_share > 1)
        c_s = rng.uniform(*config.weathering_cs, size=len(pick))
        spectra = np.vstack([spectra, weathered(data.grid, spectra[pick], c_s)])
        modal, chemistry = np.vstack([modal, modal[pick]]), np.vstack([chemistry, chemistry[pick]])
    masks = np.ones_like(spectra)
    if config.nirs_share > 0:
        pick = rng.choice(len(spectra), int(round(config.nirs_share * len(spectra))), replace=False)
        nirs = np.broadcast_to(coverage_mask(data.grid, *NIRS_RANGE), (len(pick), spectra.shape[1]))
        spectra, masks = np.vstack([spectra, spectra[pick]]), np.vstack([masks, nirs])
        modal, chemistry = np.vstack([modal, modal[pick]]), np.vstack([chemistry, chemistry[pick]])
    return _arrays(spectra, masks, modal, chemistry)


def evaluation_inputs(spectra, mask=None) -> dict:
    """Model inputs for spectra on the model grid (full coverage unless ``mask`` is given, one row or per row)."""
    spectra = np.asarray(spectra, "float32")
    mask = np.ones_like(spectra) if mask is None else np.broadcast_to(np.asarray(mask, "float32"), spectra.shape)
    return {"spectrum": spectra, "mask": np.asarray(mask, "float32")}


def build_model(bands: int, config: CompositionConfig) -> CompositionNet:
    """A compiled CompositionNet for ``config``."""
    model = CompositionNet(bands, width=config.width, blocks=config.blocks, patch=config.patch,
                           mlp_units=2 * config.width, head_units=config.head_units, dropout=config.dropout)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=1.0),
                  loss={"modal": MaskedGaussianNLL(len(MINERALS), config.nll_weight),
                        "chemistry": MaskedGaussianNLL(len(CHEMISTRY), config.nll_weight)},
                  loss_weights={"modal": 1.0, "chemistry": config.chemistry_weight},
                  steps_per_execution=STEPS_PER_EXECUTION)
    return model


def predict_composition(models, inputs: dict) -> dict:
    """Means and 1-sigma of one model or an ensemble (a list): ``{"modal", "modal_sigma", "chemistry",
    "chemistry_sigma"}`` plus, for an ensemble, ``"<key>_spread"`` (the standard deviation of the members' means).
    An ensemble's sigma combines both: ``sqrt(mean(sigma^2) + spread^2)``."""
    models = models if isinstance(models, (list, tuple)) else [models]
    parts = [split_outputs(m.predict(inputs, batch_size=512, verbose=0)) for m in models]
    out = {}
    for key in ("modal", "chemistry"):
        means = np.stack([p[key] for p in parts])
        sigmas = np.stack([p[f"{key}_sigma"] for p in parts])
        out[key] = means.mean(axis=0)
        out[f"{key}_sigma"] = np.sqrt((sigmas**2).mean(axis=0) + means.var(axis=0))
        if len(models) > 1:
            out[f"{key}_spread"] = means.std(axis=0)
    return out


def sigma_scales(predicted, sigma, true, min_count: int = 10) -> np.ndarray:
    """Per label, the factor that puts :data:`ONE_SIGMA` of the present labels within one scaled sigma (the
    68.27% quantile of ``|residual| / sigma``); labels with fewer than ``min_count`` values share the pooled one."""
    z = np.abs(np.asarray(true) - predicted) / sigma
    present = np.isfinite(z)
    pooled = np.quantile(z[present], ONE_SIGMA) if present.any() else 1.0
    return np.array([np.quantile(z[present[:, k], k], ONE_SIGMA) if present[:, k].sum() >= min_count else pooled
                     for k in range(z.shape[1])])


def calibrate_sigma(model: CompositionNet, inputs: dict, modal, chemistry) -> dict:
    """Set the model's :class:`~astrokeras.composition_layers.SigmaCalibration` layers from a validation set so
    that about 68% of its residuals fall within one sigma; returns the factors applied (per label)."""
    parts = split_outputs(model.predict(inputs, batch_size=512, verbose=0))
    factors = {}
    for key, true in (("modal", modal), ("chemistry", chemistry)):
        scale = np.clip(sigma_scales(parts[key], parts[f"{key}_sigma"], true), 1e-3, 1e3)
        layer = model.get_layer(f"{key}_log_sigma_calibration")
        layer.log_scale.assign(np.asarray(layer.log_scale) + np.log(scale).astype("float32"))
        factors[key] = [round(float(s), 4) for s in scale]
    return factors


def rmse_of(predicted, true, columns=None) -> float:
    """RMSE over the present (finite) labels, optionally of some columns only."""
    predicted, true = np.asarray(predicted, float), np.asarray(true, float)
    if columns is not None:
        predicted, true = predicted[:, columns], true[:, columns]
    present = np.isfinite(true)
    return float(np.sqrt(np.mean((predicted[present] - true[present]) ** 2))) if present.any() else float("nan")


def validation_score(model, data: CompositionData, rows) -> float:
    """The selection score on validation rows: RMSE of OL / OPX / CPX plus RMSE of the chemistry."""
    out = predict_composition(model, evaluation_inputs(data.spectra[rows]))
    return rmse_of(out["modal"], data.modal[rows], [0, 1, 2]) + rmse_of(out["chemistry"], data.chemistry[rows])


def fit_composition(data: CompositionData, rows, config: CompositionConfig = CompositionConfig(), *,
                    validation_rows=None, verbose: int = 0):
    """Train one CompositionNet on ``rows`` of ``data``; returns ``(model, info)``.

    A validation split is carved from ``rows`` by material group (or ``validation_rows`` is used): it drives early
    stopping (best weights restored), calibrates the sigmas and gives ``info["validation_score"]`` (see
    :func:`validation_score`). ``info`` also holds the epochs run, the best epoch, the sizes, the sigma factors and
    the seconds.
    """
    start = time.perf_counter()
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    if validation_rows is None:
        fit_rows, validation_rows = carve_validation(data, rows, config.validation_fraction, seed=config.seed)
    else:
        fit_rows = np.setdiff1d(np.asarray(rows), validation_rows)
    inputs, targets = training_arrays(data, fit_rows, config, rng)
    val_inputs, val_targets = _arrays(data.spectra[validation_rows], np.ones_like(data.spectra[validation_rows]),
                                      data.modal[validation_rows], data.chemistry[validation_rows])
    train = make_dataset(inputs, targets, config.batch_size, True, config.seed)
    validation = make_dataset(val_inputs, val_targets, 256, False, config.seed)
    model = build_model(data.spectra.shape[1], config)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience, restore_best_weights=True)
    history = model.fit(train, validation_data=validation, epochs=config.epochs,
                        callbacks=[stop, EpochProgress(model.name)], verbose=verbose, shuffle=False)  # tf.data shuffles
    factors = calibrate_sigma(model, val_inputs, data.modal[validation_rows], data.chemistry[validation_rows])
    losses = history.history["val_loss"]
    info = {"epochs_run": len(losses), "best_epoch": int(np.argmin(losses)) + 1,
            "best_val_loss": round(float(np.min(losses)), 5), "train_spectra": int(len(inputs["spectrum"])),
            "fit_rows": int(len(fit_rows)), "validation_rows": int(len(validation_rows)),
            "validation_score": round(validation_score(model, data, validation_rows), 5), "sigma_factors": factors,
            "seconds": round(time.perf_counter() - start, 1)}
    return model, info


def train_composition_model(data: CompositionData, config: CompositionConfig = CompositionConfig(), *, table=None,
                            rows=None, verbose: int = 0):
    """The shipped model: trained on every spectrum of ``data`` (or on ``rows``) but a validation split (15%, by
    material) that early-stops it and calibrates its sigmas. Returns ``(model, card)``; the card holds the grid,
    the input convention, the outputs, the settings and, given the composition ``table`` result, its headline
    metrics."""
    rows = np.arange(len(data)) if rows is None else np.asarray(rows)
    model, info = fit_composition(data, rows, config, verbose=verbose)
    card = {
        "network": "CompositionNet",
        "grid_um": np.asarray(data.grid).round(6).tolist(),
        "bands": int(len(data.grid)),
        "inputs": {"spectrum": "reflectance on the grid (any scale: the network removes the level; by convention "
                               "normalised at 0.55 um), 0 or anything where not covered",
                   "mask": "1 where the spectrum covers the band, 0 elsewhere (e.g. Hayabusa NIRS: 0.82-2.08 um)"},
        "outputs": {"modal": f"{list(MINERALS)} volume fractions (softmax, sum to one) then their log-sigmas",
                    "chemistry": f"{list(CHEMISTRY)} mole fractions (sigmoid) then their log-sigmas",
                    "read_with": "astrokeras.models.composition_net.split_outputs"},
        "training": {"data": f"RELAB {len(rows)} spectra (korda2023 mineral-spectra_denoised.npz)",
                     "settings": dataclasses.asdict(config), **info},
    }
    if table is not None:
        selected = next(r for r in table["rows"] if r["method"].startswith("CompositionNet (selected"))
        card["metrics"] = {"source": "composition table, out-of-fold, grouped folds",
                           "modal_rmse_pp": {k: v["modal_rmse_pp"] for k, v in selected["subsets"].items()},
                           "chemistry_rmse_pp": selected["subsets"]["all"]["chemistry_pp"],
                           "coverage_1sigma": selected["coverage_1sigma"]}
    return model, card
