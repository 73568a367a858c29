"""CompositionNet: modal mineralogy and mineral chemistry from a reflectance spectrum, each with a 1-sigma
uncertainty (a supervised network in the attention family of the paper's networks).

The spectrum arrives on a fixed grid (the paper's 0.45-2.45 um, step 0.01 um: 201 bands) with a coverage mask, so
the same network reads a VIS-NIR spectrum and a partial one (Hayabusa NIRS, 0.82-2.08 um): the level is removed
inside the network (:class:`~astrokeras.composition_layers.MaskedLogCentre`), uncovered bands are masked out of
the attention and of the pooling.

Example
-------
>>> import numpy as np
>>> from astrokeras.models.composition_net import CompositionNet, split_outputs
>>> model = CompositionNet(201, width=16, mlp_units=16, head_units=16)
>>> out = model.predict({"spectrum": np.ones((2, 201)), "mask": np.ones((2, 201))}, verbose=0)
>>> out["modal"].shape, out["chemistry"].shape
((2, 8), (2, 10))
>>> parts = split_outputs(out)
>>> bool(np.allclose(parts["modal"].sum(axis=1), 1.0)), sorted(parts)
(True, ['chemistry', 'chemistry_sigma', 'modal', 'modal_sigma'])
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from astrokeras.composition_layers import MaskedLogCentre, SigmaCalibration
from astrokeras.layers import BandPositions, CoverageChannels, MaskedMean, PairMask
from astrokeras.models.preset_model import PresetModel

MINERALS = ("OL", "OPX", "CPX", "PLG")
CHEMISTRY = ("Fa", "Fs_OPX", "Wo_OPX", "Fs_CPX", "Wo_CPX")
LOG_SIGMA_RANGE = (-6.0, 0.0)  # sigma from 0.0025 to 1 (fractions): a tanh keeps the gradient everywhere


def _sigma_head(x, units, name):
    low, high = LOG_SIGMA_RANGE
    raw = layers.Dense(units, activation="tanh", kernel_initializer="zeros", name=f"{name}_raw")(x)
    log_sigma = layers.Rescaling((high - low) / 2, offset=(high + low) / 2, name=f"{name}_bounded")(raw)
    return SigmaCalibration(units, name=f"{name}_calibration", dtype="float32")(log_sigma)


@keras.saving.register_keras_serializable(package="astrokeras")
class CompositionNet(PresetModel):
    """Spectrum -> modal abundances (softmax over ``minerals``) and chemistry (sigmoid, fractions), each with a
    predicted log-sigma (Keras functional model).

    Inputs ``spectrum`` (reflectance on the grid, any scale, anything where not covered) and ``mask`` (1 where
    covered) -> :class:`~astrokeras.composition_layers.MaskedLogCentre` -> :class:`~astrokeras.layers.CoverageChannels`
    (value, mask, first difference) -> Conv1D -> patches of ``patch`` bands (strided Conv1D) plus a learned vector
    per patch (its wavelength) -> ``blocks`` pre-norm transformer blocks whose attention joins covered patches only
    -> mean over covered patches -> Dense ``head_units`` -> two outputs:

    * ``modal``: ``[abundances (M, softmax: non-negative, summing to one), log_sigmas (M)]``;
    * ``chemistry``: ``[values (C, sigmoid, mole fractions), log_sigmas (C)]``.

    Train both with :class:`~astrokeras.composition_layers.MaskedGaussianNLL` (missing labels as NaN). Log-sigmas
    are bounded to [-6, 0] by a tanh, then shifted by a :class:`~astrokeras.composition_layers.SigmaCalibration`
    set on a validation split; read them with :func:`split_outputs`.

    Args:
        bands: number of grid bands.
        minerals, chemistry: names of the outputs (for the card and :func:`split_outputs`).
        conv_filters, kernel_size: the Conv1D stem.
        patch: bands per token (the strided Conv1D).
        width, num_heads, blocks, mlp_units: the transformer.
        head_units: width of the shared head.
        dropout: in the attention, the MLPs and before the head.
        **kwargs: passed to ``keras.Model``.

    Example:
        >>> CompositionNet(64, width=8, mlp_units=8, head_units=8).get_layer("modal").output.shape
        (None, 8)

    Reference:
        Tang et al. (the paper astrokeras implements): the attention trunk; Korda et al. 2023 (A&A 669, A101): the
        outputs (modal OL/OPX/CPX(/PLG) and Fa, Fs, Wo) and the RELAB training set.
    """

    def __init__(self, bands: int, *, minerals=MINERALS, chemistry=CHEMISTRY, conv_filters: int = 32,
                 kernel_size: int = 5, patch: int = 4, width: int = 48, num_heads: int = 4, blocks: int = 2,
                 mlp_units: int = 96, head_units: int = 64, dropout: float = 0.1, **kwargs):
        spectrum = keras.Input((bands,), name="spectrum")
        mask = keras.Input((bands,), name="mask")
        x = MaskedLogCentre(name="log_centre")([spectrum, mask])
        x = CoverageChannels(name="channels")([x, mask])
        x = layers.Conv1D(conv_filters, kernel_size, padding="same", name="conv")(x)
        x = layers.LeakyReLU(negative_slope=0.2, name="conv_act")(x)
        x = layers.Conv1D(width, patch, strides=patch, padding="same", name="patches")(x)
        tokens = -(-bands // patch)
        x = BandPositions(tokens, name="wavelength")(x)
        token_mask = layers.Reshape((tokens,), name="token_mask")(
            layers.MaxPooling1D(patch, strides=patch, padding="same", name="mask_pool")(
                layers.Reshape((bands, 1), name="mask_channel")(mask)))
        pairs = PairMask(name="pairs")(token_mask)
        for i in range(blocks):
            h = layers.LayerNormalization(name=f"block_{i}_norm_1")(x)
            h = layers.MultiHeadAttention(num_heads, max(width // num_heads, 1), dropout=dropout,
                                          name=f"block_{i}_attention")(h, h, attention_mask=pairs)
            x = layers.Add(name=f"block_{i}_residual_1")([x, h])
            h = layers.LayerNormalization(name=f"block_{i}_norm_2")(x)
            h = layers.Dense(mlp_units, activation="gelu", name=f"block_{i}_mlp_1")(h)
            h = layers.Dense(width, name=f"block_{i}_mlp_2")(layers.Dropout(dropout, name=f"block_{i}_dropout")(h))
            x = layers.Add(name=f"block_{i}_residual_2")([x, h])
        pooled = MaskedMean(name="pool")([layers.LayerNormalization(name="final_norm")(x), token_mask])
        head = layers.Dense(head_units, activation="gelu", name="head")(layers.Dropout(dropout, name="pool_dropout")(pooled))
        abundances = layers.Dense(len(minerals), activation="softmax", dtype="float32", name="abundances")(head)
        values = layers.Dense(len(chemistry), activation="sigmoid", dtype="float32", name="chemistry_values")(head)
        outputs = {
            "modal": layers.Concatenate(name="modal", dtype="float32")(
                [abundances, _sigma_head(head, len(minerals), "modal_log_sigma")]),
            "chemistry": layers.Concatenate(name="chemistry", dtype="float32")(
                [values, _sigma_head(head, len(chemistry), "chemistry_log_sigma")]),
        }
        kwargs.setdefault("name", "composition_net")
        super().__init__({"spectrum": spectrum, "mask": mask}, outputs, **kwargs)
        self.bands = bands
        self.minerals = tuple(minerals)
        self.chemistry = tuple(chemistry)
        self.conv_filters = conv_filters
        self.kernel_size = kernel_size
        self.patch = patch
        self.width = width
        self.num_heads = num_heads
        self.blocks = blocks
        self.mlp_units = mlp_units
        self.head_units = head_units
        self.dropout = dropout

    def get_config(self):
        return {**super().get_config(), "bands": self.bands, "minerals": list(self.minerals),
                "chemistry": list(self.chemistry), "conv_filters": self.conv_filters, "kernel_size": self.kernel_size,
                "patch": self.patch, "width": self.width, "num_heads": self.num_heads, "blocks": self.blocks,
                "mlp_units": self.mlp_units, "head_units": self.head_units, "dropout": self.dropout}


def split_outputs(outputs: dict) -> dict:
    """``{"modal", "modal_sigma", "chemistry", "chemistry_sigma"}`` (NumPy, sigmas in the outputs' units) from a
    CompositionNet's ``predict`` dict."""
    parts = {}
    for key in ("modal", "chemistry"):
        packed = np.asarray(outputs[key], dtype=float)
        half = packed.shape[1] // 2
        parts[key] = packed[:, :half]
        parts[f"{key}_sigma"] = np.exp(packed[:, half:])
    return parts
