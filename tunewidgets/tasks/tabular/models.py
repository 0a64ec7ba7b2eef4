"""The scikit-learn side of the tabular task: model families, their search spaces, the preprocessing.

As AutoTrain builds it: numerical columns through an optional imputer and scaler, categorical
columns through an optional imputer and an ordinal encoder, then the model (wrapped for several
targets). ``xgboost`` is used when installed, else scikit-learn's HistGradientBoosting.
"""

from __future__ import annotations

import math
import random
from typing import Any

from ...errors import ConfigError, DataError

# --------------------------------------------------------------------------- models and search spaces


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


def search_space(name: str, rng: random.Random) -> dict[str, Any]:
    """One random setting of a model family's hyperparameters."""
    if name in ("random_forest", "extra_trees"):
        return {"n_estimators": rng.choice([50, 100, 200, 300]), "max_depth": rng.choice([None, 4, 8, 12, 20]),
                "min_samples_split": rng.randint(2, 10), "min_samples_leaf": rng.randint(1, 5),
                "max_features": rng.choice(["sqrt", "log2", 1.0])}
    if name == "decision_tree":
        return {"max_depth": rng.choice([None, 3, 5, 8, 12]), "min_samples_split": rng.randint(2, 10),
                "min_samples_leaf": rng.randint(1, 5)}
    if name == "gradient_boosting":
        return {"n_estimators": rng.choice([50, 100, 200]), "learning_rate": _log_uniform(rng, 0.01, 0.3),
                "max_depth": rng.randint(2, 6), "subsample": rng.uniform(0.6, 1.0)}
    if name == "hist_gradient_boosting":
        return {"max_iter": rng.choice([50, 100, 200, 300]), "learning_rate": _log_uniform(rng, 0.01, 0.3),
                "max_leaf_nodes": rng.choice([15, 31, 63]), "l2_regularization": _log_uniform(rng, 1e-4, 1.0)}
    if name == "xgboost":
        return {"n_estimators": rng.choice([50, 100, 200, 300]), "learning_rate": _log_uniform(rng, 0.01, 0.3),
                "max_depth": rng.randint(2, 8), "subsample": rng.uniform(0.6, 1.0),
                "colsample_bytree": rng.uniform(0.6, 1.0), "reg_lambda": _log_uniform(rng, 1e-3, 10.0)}
    if name == "logistic_regression":
        return {"C": _log_uniform(rng, 1e-3, 1e2)}
    if name == "ridge":
        return {"alpha": _log_uniform(rng, 1e-3, 1e2)}
    if name == "lasso":
        return {"alpha": _log_uniform(rng, 1e-4, 1e1)}
    if name == "svm":
        return {"C": _log_uniform(rng, 1e-2, 1e2), "kernel": rng.choice(["rbf", "linear"]),
                "gamma": rng.choice(["scale", "auto"])}
    if name == "knn":
        return {"n_neighbors": rng.randint(1, 30), "weights": rng.choice(["uniform", "distance"])}
    raise ConfigError(f"params.model: unknown model '{name}'")


def model_family(name: str, classification: bool, log) -> str:
    if name == "xgboost":
        try:
            import xgboost  # noqa: F401
        except ImportError:
            log("xgboost is not installed: using scikit-learn's HistGradientBoosting instead "
                "(pip install 'tunewidgets[tabular]' for xgboost)")
            return "hist_gradient_boosting"
    if classification and name == "lasso":
        raise ConfigError("params.model: lasso is a regression model; for classification use logistic_regression, "
                          "ridge or another model")
    if not classification and name == "logistic_regression":
        raise ConfigError("params.model: logistic_regression is a classifier; for regression use ridge or lasso")
    return name


def make_estimator(family: str, params: dict, classification: bool, seed: int, n_targets: int):
    from sklearn import ensemble, linear_model, neighbors, svm, tree

    seeded = dict(params)
    if classification:
        classes = {
            "random_forest": ensemble.RandomForestClassifier, "extra_trees": ensemble.ExtraTreesClassifier,
            "decision_tree": tree.DecisionTreeClassifier, "gradient_boosting": ensemble.GradientBoostingClassifier,
            "hist_gradient_boosting": ensemble.HistGradientBoostingClassifier,
            "logistic_regression": linear_model.LogisticRegression, "ridge": linear_model.RidgeClassifier,
            "svm": svm.SVC, "knn": neighbors.KNeighborsClassifier,
        }
    else:
        classes = {
            "random_forest": ensemble.RandomForestRegressor, "extra_trees": ensemble.ExtraTreesRegressor,
            "decision_tree": tree.DecisionTreeRegressor, "gradient_boosting": ensemble.GradientBoostingRegressor,
            "hist_gradient_boosting": ensemble.HistGradientBoostingRegressor, "ridge": linear_model.Ridge,
            "lasso": linear_model.Lasso, "svm": svm.SVR, "knn": neighbors.KNeighborsRegressor,
        }
    if family == "xgboost":
        import xgboost

        cls = xgboost.XGBClassifier if classification else xgboost.XGBRegressor
    else:
        cls = classes[family]
    if family == "logistic_regression":
        seeded.setdefault("max_iter", 2000)
    if family in ("lasso",):
        seeded.setdefault("max_iter", 5000)
    if "random_state" in cls().get_params():
        seeded["random_state"] = seed
    estimator = cls(**seeded)
    if n_targets > 1:
        from sklearn.multioutput import MultiOutputClassifier, MultiOutputRegressor

        estimator = (MultiOutputClassifier if classification else MultiOutputRegressor)(estimator)
    return estimator


# --------------------------------------------------------------------------- preprocessing


def feature_columns(frame, p, exclude: list[str]) -> tuple[list[str], list[str]]:
    """(numerical, categorical) feature columns: as given in params, else by dtype."""
    from pandas.api import types

    columns = [c for c in frame.columns if c not in exclude]
    for key in ("numerical_columns", "categorical_columns"):
        for column in getattr(p, key) or []:
            if column not in frame.columns:
                raise DataError(f"params.{key}: column '{column}' not found; columns: {', '.join(map(str, columns))}")
            if column in exclude:
                raise DataError(f"params.{key}: '{column}' is a target or id column, not a feature")
    if p.numerical_columns is not None or p.categorical_columns is not None:
        numerical = list(p.numerical_columns or [])
        categorical = list(p.categorical_columns or [])
        if p.numerical_columns is None:
            numerical = [c for c in columns if c not in categorical and types.is_numeric_dtype(frame[c])
                         and not types.is_bool_dtype(frame[c])]
        if p.categorical_columns is None:
            categorical = [c for c in columns if c not in numerical]
        return numerical, categorical
    numerical = [c for c in columns if types.is_numeric_dtype(frame[c]) and not types.is_bool_dtype(frame[c])]
    return numerical, [c for c in columns if c not in numerical]


def preprocessor(p, numerical: list[str], categorical: list[str], frame, log):
    from sklearn import preprocessing
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline

    steps_num, steps_cat = [], []
    num_imputer = p.numerical_imputer
    if num_imputer is None and numerical and frame[numerical].isna().any().any():
        num_imputer = "median"
        log("numerical columns have missing values: imputing the median (set params.numerical_imputer to choose)")
    if num_imputer and num_imputer != "none":
        steps_num.append(("imputer", SimpleImputer(strategy=num_imputer)))
    scalers = {"standard": preprocessing.StandardScaler, "minmax": preprocessing.MinMaxScaler,
               "robust": preprocessing.RobustScaler, "normal": preprocessing.Normalizer}
    if p.numeric_scaler and p.numeric_scaler != "none":
        steps_num.append(("scaler", scalers[p.numeric_scaler]()))
    if p.categorical_imputer and p.categorical_imputer != "none":
        steps_cat.append(("imputer", SimpleImputer(strategy=p.categorical_imputer)))
    steps_cat.append(("encoder", preprocessing.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                                              encoded_missing_value=-1)))
    parts = []
    if numerical:
        parts.append(("numerical", Pipeline(steps_num) if steps_num else "passthrough", numerical))
    if categorical:
        parts.append(("categorical", Pipeline(steps_cat), categorical))
    if not parts:
        raise DataError("tabular data needs at least one feature column besides the target and id columns")
    return ColumnTransformer(parts, remainder="drop")
