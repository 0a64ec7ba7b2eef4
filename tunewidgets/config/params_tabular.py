"""Hyperparameters of the tabular task: scikit-learn models and a bounded search."""

from __future__ import annotations

from typing import Literal

from .fields import ADVANCED, BASIC, StrictModel, field


class TabularParams(StrictModel):
    """tabular classification and regression (AutoTrain's fields)."""

    task: Literal["classification", "regression"] = field("classification", "Classification or regression.", BASIC)
    model: Literal[
        "xgboost", "random_forest", "extra_trees", "logistic_regression", "ridge", "lasso", "svm", "knn",
        "decision_tree", "gradient_boosting",
    ] = field("xgboost", "Model family (xgboost falls back to scikit-learn's gradient boosting when missing).", BASIC)
    num_trials: int = field(10, "Hyperparameter search trials.", BASIC, ge=1, le=10000)
    time_limit: int = field(600, "Search time limit in seconds.", BASIC, ge=1)
    seed: int = field(42, "Random seed.", ADVANCED, ge=0)
    categorical_columns: list[str] | None = field(None, "Categorical feature columns (default: guessed).", ADVANCED)
    numerical_columns: list[str] | None = field(None, "Numerical feature columns (default: guessed).", ADVANCED)
    categorical_imputer: Literal["most_frequent", "none"] | None = field(
        None, "Imputer for categorical columns.", ADVANCED
    )
    numerical_imputer: Literal["mean", "median", "most_frequent", "none"] | None = field(
        None, "Imputer for numerical columns.", ADVANCED
    )
    numeric_scaler: Literal["standard", "minmax", "robust", "normal", "none"] | None = field(
        None, "Scaler for numerical columns.", ADVANCED
    )
    resume_from_checkpoint: str | None = field(
        None, "Resume the search: 'auto' for the run directory's last checkpoint, or a checkpoint path.", ADVANCED
    )
