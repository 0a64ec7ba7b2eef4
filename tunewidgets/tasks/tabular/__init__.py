"""tabular: scikit-learn (or XGBoost) classification or regression with a bounded hyperparameter search."""

from __future__ import annotations

from typing import get_args

from ...config.params_tabular import TabularParams
from ...config.task_spec import Demo, Hook, Predict, TaskSpec
from ..shared import roles


def families() -> tuple[str, ...]:
    """The model families tabular trains (``params.model``; AutoTrain also names one as ``base_model``)."""
    return get_args(TabularParams.model_fields["model"].annotation)


def _base_model_is_the_family(values: dict) -> dict:
    """AutoTrain writes tabular's model family as base_model: carry it into params.model."""
    params = values.get("params")
    family = str(values.get("base_model", "")).strip()
    if family in families() and (params is None or (isinstance(params, dict) and "model" not in params)):
        values = {**values, "params": {**(params or {}), "model": family}}
    return values


TASKS = (
    TaskSpec(
        name="tabular",
        title="Tabular classification or regression",
        group="Tabular (scikit-learn)",
        params=TabularParams,
        roles=(roles.ROW_ID, roles.TARGETS),
        build=Hook.to(f"{__name__}.train:build"),
        load_saved=Hook.to(f"{__name__}.train:load_model"),
        demo=Demo(data="tabular-classification", mapping={"target_columns": ["target"]}, rows=None,
                  params={"task": "classification", "model": "random_forest", "num_trials": 5, "time_limit": 60}),
        aliases=("tabular_classification", "tabular_regression", "tabular-classification", "tabular-regression"),
        alias_params={"tabular_classification": {"task": "classification"},
                      "tabular-classification": {"task": "classification"},
                      "tabular_regression": {"task": "regression"}, "tabular-regression": {"task": "regression"}},
        distribution=("target_columns", "auto"),
        scores=("accuracy", "f1", "r2"),
        predict=Predict(run=Hook.to(f"{__name__}.predict:predict"),
                        placeholder='a row as JSON, e.g. {"age": 41, "income": 52000} (or a list of rows); '
                                    'missing columns are imputed'),
        checks=Hook.to("tunewidgets.tasks.shared.checks:check_rows", labels=None),
        eject=Hook.to(f"{__name__}.eject:script"),
        model_param="model",
        keeps_unmapped_columns=True,
        library="sklearn",
        prepare=_base_model_is_the_family,
    ),
)
