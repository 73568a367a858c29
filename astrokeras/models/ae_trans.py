"""AE-trans: unmixing a reflectance spectrum into mineral abundances and end-member spectra (Tang et al., after
Ghosh et al. 2022, DeepTrans-HSU).

Example
-------
>>> import numpy as np
>>> from astrokeras.models import AETrans
>>> E = np.random.default_rng(0).uniform(0.2, 0.6, size=(3, 64))
>>> model = AETrans(64, E, normalise_index=10)
>>> sorted(model.output_names)
['abundances', 'reconstruction']
>>> model.get_layer("endmembers").endmembers.shape
(3, 64)
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from astrokeras.layers import EndmemberDecoder, NormaliseAt
from astrokeras.models.preset_model import PresetModel


@keras.saving.register_keras_serializable(package="astrokeras")
class AETrans(PresetModel):
    """AE-trans: unmixing a spectrum into abundances and end-member spectra.

    Encoder: three CBS blocks (1x1 Conv1D + BatchNorm + SiLU) -> non-overlapping patches of ``patch_size`` bands
    -> linear patch embedding -> ``blocks`` transformer encoder blocks (multi-head attention + MLP, pre-norm,
    no position embedding and no class token) -> flatten -> Dense to R x 4, reshaped to R positions -> a k=3
    Conv1D across the R abundances (denoising) -> softmax: abundances non-negative, summing to one.
    Decoder: :class:`~astrokeras.layers.EndmemberDecoder`, the bias-free linear mixing whose non-negative
    kernel is the (R x B) end-member matrix, initialised from ``endmembers``; then
    :class:`~astrokeras.layers.NormaliseAt` so the reconstruction is normalised like the data.

    Outputs ``{"abundances": (batch, R), "reconstruction": (batch, B)}``; the end-member spectra are
    ``model.get_layer("endmembers").endmembers``.

    Args:
        bands: number of wavelengths.
        endmembers: (R, B) initial end-member spectra (e.g. the mean pure OL / OPX / CPX spectra).
        normalise_index: band at which spectra are normalised (0.55 um); None: the reconstruction is not
            renormalised.
        cbs_channels, patch_size, width, num_heads, mlp_units, blocks, dropout: encoder sizes.
        trainable_endmembers: let training refine the end-members.
        **kwargs: passed to ``keras.Model``.

    Example:
        >>> AETrans(16, np.ones((3, 16)), patch_size=4).output["abundances"].shape
        (None, 3)

    Reference:
        Ghosh P. et al. 2022, "Hyperspectral unmixing using transformer network", IEEE TGRS 60 (DeepTrans-HSU).
    """

    def __init__(self, bands: int, endmembers, *, normalise_index: int | None = None, cbs_channels=(64, 32, 16),
                 patch_size: int = 8, width: int = 32, num_heads: int = 4, mlp_units: int = 64, blocks: int = 2,
                 dropout: float = 0.2, trainable_endmembers: bool = True, **kwargs):
        E = np.asarray(endmembers, dtype="float32")
        if E.ndim != 2 or E.shape[1] != bands:
            raise ValueError(f"endmembers must be (R, {bands}), got {E.shape}")
        count = E.shape[0]
        spectrum = keras.Input((bands,), name="spectrum")
        x = layers.Reshape((bands, 1), name="bands_as_sequence")(spectrum)
        for i, channels in enumerate(cbs_channels):
            x = layers.Conv1D(channels, 1, name=f"cbs_{i}_conv")(x)
            x = layers.BatchNormalization(name=f"cbs_{i}_bn")(x)
            x = layers.Activation("silu", name=f"cbs_{i}_silu")(x)
        padded = -(-bands // patch_size) * patch_size
        if padded != bands:
            x = layers.ZeroPadding1D((0, padded - bands), name="pad_to_patches")(x)
        x = layers.Reshape((padded // patch_size, patch_size * cbs_channels[-1]), name="patches")(x)
        x = layers.Dense(width, name="patch_embedding")(x)
        for i in range(blocks):
            h = layers.LayerNormalization(name=f"block_{i}_norm_1")(x)
            h = layers.MultiHeadAttention(num_heads, width // num_heads, dropout=dropout,
                                          name=f"block_{i}_attention")(h, h)
            x = layers.Add(name=f"block_{i}_residual_1")([x, h])
            h = layers.LayerNormalization(name=f"block_{i}_norm_2")(x)
            h = layers.Dense(mlp_units, activation="gelu", name=f"block_{i}_mlp_1")(h)
            h = layers.Dense(width, name=f"block_{i}_mlp_2")(layers.Dropout(dropout, name=f"block_{i}_dropout")(h))
            x = layers.Add(name=f"block_{i}_residual_2")([x, h])
        x = layers.Flatten(name="flatten")(layers.LayerNormalization(name="encoder_norm")(x))
        x = layers.Reshape((count, 4), name="upsample")(layers.Dense(count * 4, name="to_abundances")(x))
        x = layers.Reshape((count,), name="abundance_logits")(layers.Conv1D(1, 3, padding="same", name="denoise")(x))
        abundances = layers.Softmax(dtype="float32", name="abundances")(x)
        mixed = EndmemberDecoder(E, trainable_endmembers=trainable_endmembers, dtype="float32",
                                 name="endmembers")(abundances)
        reconstruction = (NormaliseAt(normalise_index, dtype="float32", name="reconstruction")(mixed)
                          if normalise_index is not None else
                          layers.Identity(dtype="float32", name="reconstruction")(mixed))
        kwargs.setdefault("name", "ae_trans")
        super().__init__(spectrum, {"abundances": abundances, "reconstruction": reconstruction}, **kwargs)
        self.bands = bands
        self.endmembers_init = E.tolist()
        self.normalise_index = normalise_index
        self.cbs_channels = tuple(cbs_channels)
        self.patch_size = patch_size
        self.width = width
        self.num_heads = num_heads
        self.mlp_units = mlp_units
        self.blocks = blocks
        self.dropout = dropout
        self.trainable_endmembers = trainable_endmembers

    def get_config(self):
        return {**super().get_config(), "bands": self.bands, "endmembers": self.endmembers_init,
                "normalise_index": self.normalise_index, "cbs_channels": list(self.cbs_channels),
                "patch_size": self.patch_size, "width": self.width, "num_heads": self.num_heads,
                "mlp_units": self.mlp_units, "blocks": self.blocks, "dropout": self.dropout,
                "trainable_endmembers": self.trainable_endmembers}


def reconstruction_model(model: keras.Model) -> keras.Model:
    """The same layers with the reconstruction as the only output (what the unsupervised loss trains)."""
    return keras.Model(model.input, model.get_layer("reconstruction").output, name=f"{model.name}_reconstruction")


def abundance_model(model: keras.Model) -> keras.Model:
    """The same layers with the abundances as the only output (for supervised fine-tuning)."""
    return keras.Model(model.input, model.get_layer("abundances").output, name=f"{model.name}_abundances")
