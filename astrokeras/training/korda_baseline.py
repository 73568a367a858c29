"""Train the Korda et al. 2023 baseline (:class:`~astrokeras.models.korda_cnn.KordaCNN`) on RELAB spectra, the way
the composition table trains CompositionNet: on a fold's training rows, early-stopped on a validation split carved
from them by material.

Their published settings are Adam 5e-4, batch 8, up to 5000 epochs with patience 1750 (``docs/korda2023.md``);
here batch 32 and up to 1500 epochs with patience 100 on the validation loss, so that five folds train in minutes
on 2 cores. Spectra with an unknown modal composition (4) are left out of training.

Example
-------
>>> import numpy as np
>>> from astrokeras.training.korda_baseline import chemistry_targets
>>> modal = np.array([[0.5, 0.5, 0.0, 0.0]]); chemistry = np.array([[0.2, np.nan, np.nan, np.nan, np.nan]])
>>> [round(float(v), 2) for v in chemistry_targets(modal, chemistry)[0]]   # labels (NaN -> 0), then weights
[0.2, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from astrokeras.datasets.relab_composition import CHEMISTRY, CHEMISTRY_MINERAL, MINERALS
from astrokeras.models.korda_cnn import KordaCNN, ModalWeightedMSE
from astrokeras.training.pipeline import make_dataset
from astrokeras.training.progress import EpochProgress
from astrokeras.training.runtime import STEPS_PER_EXECUTION


@dataclasses.dataclass(frozen=True)
class KordaConfig:
    """Training settings of the baseline (see the module docstring)."""

    epochs: int = 1500
    patience: int = 100
    batch_size: int = 32
    learning_rate: float = 5e-4
    alpha: float = 0.1
    seed: int = 0


def chemistry_targets(modal, chemistry) -> np.ndarray:
    """``[labels, weights]`` per spectrum: the chemistry labels (NaN -> 0) and, for each, the true modal abundance of
    its mineral (0 where the label is missing), as :class:`ModalWeightedMSE` reads them."""
    modal, chemistry = np.asarray(modal, float), np.asarray(chemistry, float)
    weights = np.stack([np.nan_to_num(modal[:, MINERALS.index(CHEMISTRY_MINERAL[c])]) for c in CHEMISTRY], axis=1)
    weights = np.where(np.isfinite(chemistry), weights, 0.0)
    return np.hstack([np.nan_to_num(chemistry), weights]).astype("float32")


def fit_korda_cnn(data, fit_rows, validation_rows, config: KordaConfig = KordaConfig()) -> KordaCNN:
    """A KordaCNN trained on ``fit_rows`` of ``data`` (a :class:`CompositionData`), early-stopped on
    ``validation_rows``."""
    keras.utils.set_random_seed(config.seed)
    fit_rows = np.asarray(fit_rows)[data.modal_known[fit_rows]]
    validation_rows = np.asarray(validation_rows)[data.modal_known[validation_rows]]

    def arrays(rows):
        return data.spectra[rows], {"modal": data.modal[rows], "chemistry": chemistry_targets(data.modal[rows],
                                                                                              data.chemistry[rows])}

    model = KordaCNN(data.spectra.shape[1], len(MINERALS), len(CHEMISTRY))
    model.compile(keras.optimizers.Adam(config.learning_rate),
                  loss={"modal": "mse", "chemistry": ModalWeightedMSE(config.alpha)},
                  steps_per_execution=STEPS_PER_EXECUTION)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience, restore_best_weights=True)
    model.fit(make_dataset(*arrays(fit_rows), config.batch_size, True, config.seed),
              validation_data=make_dataset(*arrays(validation_rows), 256, False, config.seed),
              epochs=config.epochs, callbacks=[stop, EpochProgress("KordaCNN")], verbose=0, shuffle=False)
    return model


def predict_korda(model: KordaCNN, spectra) -> tuple[np.ndarray, np.ndarray]:
    """``(modal, chemistry)`` of spectra normalised at 0.55 um."""
    out = model.predict(np.asarray(spectra, "float32"), batch_size=512, verbose=0)
    return np.asarray(out["modal"], float), np.asarray(out["chemistry"], float)
