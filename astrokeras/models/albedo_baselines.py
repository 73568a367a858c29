"""Albedo baselines of the paper's Table 9, and the class-probability model that feeds AAE-Net.

Each regressor is a scikit-learn ``Pipeline`` (standardise -> PCA of the spectrum's bands kept at 99.9%
variance, with the class probabilities appended) tuned by an inner 3-fold CV on the training fold only; all
predict log10 albedo (the tables score linear albedo).

Example
-------
>>> from astrokeras.models.albedo_baselines import REGRESSORS
>>> sorted(REGRESSORS)[:3]
['AdaBoost', 'Decision tree', 'Kernel ridge']
"""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.ensemble import AdaBoostRegressor, RandomForestRegressor
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR
from sklearn.tree import DecisionTreeRegressor


def _features(bands: int) -> ColumnTransformer:
    spectrum = Pipeline([("scale", StandardScaler()), ("pca", PCA(n_components=0.999))])
    return ColumnTransformer([("spectrum", spectrum, list(range(bands)))], remainder="passthrough")


def _tuned(name, estimator, grid, bands, seed):
    pipeline = Pipeline([("features", _features(bands)), (name, estimator)])
    grid = {f"{name}__{k}": v for k, v in grid.items()}
    return GridSearchCV(pipeline, grid, cv=KFold(3, shuffle=True, random_state=seed),
                        scoring="neg_mean_absolute_error", n_jobs=1)


REGRESSORS = {
    "SVR": lambda b, s: _tuned("svr", SVR(), {"C": [0.1, 1, 10], "epsilon": [0.01, 0.05]}, b, s),
    "Decision tree": lambda b, s: _tuned("tree", DecisionTreeRegressor(random_state=s),
                                         {"max_depth": [3, 5, 8]}, b, s),
    "AdaBoost": lambda b, s: _tuned("ada", AdaBoostRegressor(random_state=s, n_estimators=200),
                                    {"learning_rate": [0.1, 1.0]}, b, s),
    "Ridge": lambda b, s: _tuned("ridge", Ridge(), {"alpha": [0.1, 1, 10, 100]}, b, s),
    "Kernel ridge": lambda b, s: _tuned("kridge", KernelRidge(kernel="rbf"),
                                        {"alpha": [0.01, 0.1, 1], "gamma": [0.001, 0.01]}, b, s),
    "MLP": lambda b, s: _tuned("mlp", MLPRegressor(hidden_layer_sizes=(64, 32), max_iter=3000, early_stopping=True, random_state=s),
                               {"alpha": [1e-3, 1e-1]}, b, s),
    "Random forest": lambda b, s: _tuned("forest", RandomForestRegressor(n_estimators=300, random_state=s, n_jobs=2),
                                         {"max_features": [0.3, 1.0]}, b, s),
}


def class_probability_model(seed: int = 0) -> Pipeline:
    """Standardise -> PCA -> multinomial logistic regression: the class probabilities AAE-Net receives.

    (A probability-calibrated SVM needs an inner CV that the 11-class set's 4 T-types cannot fill.)
    """
    classifier = LogisticRegression(C=10.0, max_iter=5000, random_state=seed)
    return Pipeline([("scale", StandardScaler()), ("pca", PCA(n_components=0.999)), ("classifier", classifier)])
