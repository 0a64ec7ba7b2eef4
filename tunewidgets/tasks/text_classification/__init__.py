"""text_classification and text_regression: a transformers sequence-classification head."""

from __future__ import annotations

from ...config.params_text import TextClassificationParams, TextRegressionParams
from ...config.task_spec import Demo, Footprint, Hook, Predict, TaskSpec
from ..shared import roles
from ..shared import supervised_spec as common

_LOAD = common.load_saved("AutoModelForSequenceClassification", "AutoPeftModelForSequenceClassification")


def _spec(name: str, title: str, params: type, regression: bool) -> TaskSpec:
    return TaskSpec(
        name=name,
        title=title,
        group=common.TEXT_GROUP,
        params=params,
        roles=(roles.TEXT, roles.VALUE if regression else roles.LABEL),
        build=Hook.to(f"{__name__}.train:build", regression=regression),
        load_saved=_LOAD,
        footprint=Footprint("AutoModelForSequenceClassification"),
        demo=Demo(model="bert", data="text-regression" if regression else "text-classification",
                  mapping={"text_column": "text", "target_column": "target" if regression else "label"},
                  params=common.TEXT_DEMO, rows=800 if regression else 600),
        aliases=(name.replace("_", "-"),),
        distribution=("target_column", "values" if regression else "classes"),
        scores=common.REGRESSION_SCORES if regression else common.CLASSIFIER_SCORES,
        predict=Predict(run=Hook.to(f"{__name__}.predict:predict", regression=regression)),
        checks=common.label_checks("values" if regression else "classes"),
        eject=Hook.to(f"{__name__}.eject:script", regression=regression),
    )


TASKS = (
    _spec("text_classification", "Text classification", TextClassificationParams, regression=False),
    _spec("text_regression", "Text regression", TextRegressionParams, regression=True),
)
