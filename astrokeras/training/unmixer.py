"""Train AE-trans unsupervised: MSE + SAD on the reconstruction of simulated mixtures (the paper's Simulated1).

Example
-------
>>> import numpy as np
>>> from astrokeras.models import AETrans
>>> from astrokeras.training.unmixer import fit_ae_trans
>>> grid = np.linspace(0.45, 2.45, 16); E = np.vstack([1 + 0.2 * np.sin(k * grid) for k in (1, 2, 3)])
>>> network = lambda bands, E, index: AETrans(bands, E, normalise_index=index, patch_size=4, trainable_endmembers=False)
>>> model = fit_ae_trans(network, E, grid, epochs=1, mixtures=64)
>>> model.output["abundances"].shape
(None, 3)
"""

from __future__ import annotations

import typing

import keras
import numpy as np

from astrokeras.losses import MSESAD
from astrokeras.physics.mixtures import normalise_index, simulate_mixtures
from astrokeras.training.pipeline import make_dataset
from astrokeras.training.progress import EpochProgress
from astrokeras.training.runtime import STEPS_PER_EXECUTION

SIMULATED1_SEED = 1


def reconstruction_model(model: keras.Model) -> keras.Model:
    """The same layers with the reconstruction as the only output (what the unsupervised loss trains)."""
    return keras.Model(model.input, model.get_layer("reconstruction").output, name=f"{model.name}_reconstruction")


def abundance_model(model: keras.Model) -> keras.Model:
    """The same layers with the abundances as the only output (for supervised fine-tuning)."""
    return keras.Model(model.input, model.get_layer("abundances").output, name=f"{model.name}_abundances")


def fit_ae_trans(network: typing.Callable, E, grid, *, epochs: int, snr=None, seed: int = 0, mixtures: int = 2500,
                 mixture_seed: int = SIMULATED1_SEED, gamma: float = 1.0, learning_rate: float = 1e-3):
    """AE-trans (``network(bands, E, normalise_index)``) trained for ``epochs`` on ``mixtures`` Dirichlet mixtures
    of the rows of ``E`` (seed ``mixture_seed``; noise at ``snr``), normalised like the model's reconstruction.
    No early stopping: the loss is on the training mixtures themselves."""
    grid = np.asarray(grid, dtype=float)
    index = normalise_index(grid)
    mix = simulate_mixtures(E, grid, mixtures, seed=mixture_seed, snr=snr, normalise_at=None)
    X = mix.spectra / mix.spectra[:, index][:, None]
    keras.utils.set_random_seed(seed)
    model = network(len(grid), E, index)
    trainer = reconstruction_model(model)
    trainer.compile(keras.optimizers.Adam(learning_rate), MSESAD(beta=1.0, gamma=gamma),
                    steps_per_execution=STEPS_PER_EXECUTION)
    trainer.fit(make_dataset(X, X, 128, True, seed), epochs=epochs, verbose=0, shuffle=False,
                callbacks=[EpochProgress(model.name, monitor="loss")])
    return model
