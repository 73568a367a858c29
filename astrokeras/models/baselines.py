"""Baselines of the paper's classification tables, each tuned fairly on the training fold only.

scikit-learn ones are estimators (``Pipeline`` + ``GridSearchCV`` with an inner stratified CV on the training
fold): PCA+SVM, random forest, ANN (two dense layers, after Penttilä et al. 2021). Keras ones are builders: a
ResNet-style 1-D CNN and a plain 1-D Transformer (per-band embedding + learned positions + encoder blocks).

Example
-------
>>> from astrokeras.models.baselines import pca_svm, resnet1d
>>> pca_svm().fit  # doctest: +ELLIPSIS
<bound method ...>
>>> resnet1d(bands=49, num_classes=4).output_shape
(None, 4)
"""

from __future__ import annotations

import keras
from keras import layers
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


def _tuned(pipeline, grid, seed):
    return GridSearchCV(pipeline, grid, cv=StratifiedKFold(3, shuffle=True, random_state=seed), n_jobs=1)


def pca_svm(seed: int = 0):
    """Standardise -> PCA (99.9% variance) -> RBF SVM, C and gamma tuned by inner 3-fold CV."""
    pipeline = Pipeline([("scale", StandardScaler()), ("pca", PCA(n_components=0.999)),
                         ("svm", SVC(random_state=seed))])
    return _tuned(pipeline, {"svm__C": [1, 10, 100, 1000], "svm__gamma": ["scale", 0.01, 0.001]}, seed)


def random_forest(seed: int = 0):
    """Random forest (500 trees), features per split tuned by inner 3-fold CV."""
    forest = RandomForestClassifier(n_estimators=500, random_state=seed, n_jobs=2)
    return _tuned(Pipeline([("forest", forest)]), {"forest__max_features": ["sqrt", 0.2]}, seed)


def ann(seed: int = 0):
    """Two dense layers (Penttilä et al. 2021), standardised input, L2 penalty tuned by inner 3-fold CV."""
    mlp = MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=2000, early_stopping=True, random_state=seed,
                        n_iter_no_change=30)
    pipeline = Pipeline([("scale", StandardScaler()), ("mlp", mlp)])
    return _tuned(pipeline, {"mlp__alpha": [1e-4, 1e-2, 1.0]}, seed)


SKLEARN_BASELINES = {"PCA+SVM": pca_svm, "Random forest": random_forest, "ANN (2 dense)": ann}


def resnet1d(bands: int, num_classes: int, *, filters: int = 32, blocks: int = 3, dropout: float = 0.2,
             name: str = "resnet1d") -> keras.Model:
    """A ResNet-style 1-D CNN: stem conv, ``blocks`` residual blocks (two k=3 convs + BatchNorm, stride-2
    downsampling between blocks), global average pooling, softmax.

    BatchNorm momentum is 0.9, not Keras's 0.99: with ~8 batches per epoch the slow moving averages stayed far
    from the batch statistics for dozens of epochs, the validation loss looked worse than at epoch 1, and early
    stopping restored an untrained model (measured: 41% on Table 5, every spectrum called S).
    """
    inputs = keras.Input((bands,), name="spectrum")
    x = layers.Reshape((bands, 1))(inputs)
    x = layers.Conv1D(filters, 7, padding="same", activation="relu")(x)
    for i in range(blocks):
        width = filters * 2**i
        shortcut = layers.Conv1D(width, 1, strides=2 if i else 1, padding="same")(x)
        y = layers.Conv1D(width, 3, strides=2 if i else 1, padding="same")(x)
        y = layers.Activation("relu")(layers.BatchNormalization(momentum=0.9)(y))
        y = layers.BatchNormalization(momentum=0.9)(layers.Conv1D(width, 3, padding="same")(y))
        x = layers.Activation("relu")(layers.Add()([shortcut, y]))
    x = layers.Dropout(dropout)(layers.GlobalAveragePooling1D()(x))
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


def transformer1d(bands: int, num_classes: int, *, width: int = 32, heads: int = 4, blocks: int = 2,
                  dropout: float = 0.1, max_tokens: int = 64, name: str = "transformer1d") -> keras.Model:
    """A plain 1-D Transformer: the spectrum standardised across its bands, cut into non-overlapping patches of
    ``ceil(bands / max_tokens)`` bands (one band per token up to ``max_tokens`` bands: Table 5's 49 bands -> 49
    tokens; Table 7's 201 -> 4 bands per token, 51 tokens, the last padded), each patch embedded (Dense) plus a learned
    position embedding, ``blocks`` pre-norm encoder blocks (multi-head attention + MLP), mean pooling, softmax.

    Patching keeps attention affordable on long spectra: with one token per band, one Table 7 fold (201 tokens)
    ran for over 14 minutes without finishing on the 2-core CPU.

    Without the standardisation every band's value is close to 1 (spectra normalised at 0.55 um), the band
    embeddings barely differ, and training sat on the majority-class plateau until early stopping (measured:
    2 of 5 Table 5 folds at 41%, every spectrum called S).
    """
    inputs = keras.Input((bands,), name="spectrum")
    x = layers.LayerNormalization(name="standardise_bands")(inputs)
    patch = -(-bands // max_tokens)
    tokens = -(-bands // patch)
    if tokens * patch > bands:  # pad the red end with its last value so the patches tile the spectrum
        x = layers.Concatenate()([x, layers.RepeatVector(tokens * patch - bands)(x[:, -1:])[:, :, 0]])
    x = layers.Dense(width)(layers.Reshape((tokens, patch))(x))
    x = x + layers.Embedding(tokens, width)(keras.ops.arange(tokens))
    for _ in range(blocks):
        h = layers.LayerNormalization()(x)
        x = x + layers.MultiHeadAttention(heads, width // heads, dropout=dropout)(h, h)
        h = layers.LayerNormalization()(x)
        x = x + layers.Dense(width)(layers.Dense(2 * width, activation="gelu")(h))
    x = layers.Dropout(dropout)(layers.GlobalAveragePooling1D()(layers.LayerNormalization()(x)))
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


KERAS_BASELINES = {"ResNet-1D": resnet1d, "Transformer-1D": transformer1d}
