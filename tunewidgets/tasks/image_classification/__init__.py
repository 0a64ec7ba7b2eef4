"""image_classification and image_regression: a transformers image-classification head (ViT and friends)."""

from __future__ import annotations

from ...config.params_vision import ImageClassificationParams, ImageRegressionParams
from ...config.task_spec import Demo, Footprint, Hook, Predict, TaskSpec
from ..shared import roles
from ..shared import supervised_spec as common


def _spec(name: str, title: str, params: type, regression: bool) -> TaskSpec:
    return TaskSpec(
        name=name,
        title=title,
        group=common.VISION_GROUP,
        params=params,
        roles=(roles.IMAGE, roles.VALUE if regression else roles.LABEL),
        build=Hook.to(f"{__name__}.train:build", regression=regression),
        load_saved=common.load_saved("AutoModelForImageClassification", processor="image"),
        footprint=Footprint("AutoModelForImageClassification"),
        demo=Demo(model="vit", data="image-regression" if regression else "image-classification",
                  mapping={"image_column": "image", "target_column": "target" if regression else "label"},
                  params=common.IMAGE_DEMO, rows=None),
        aliases=(name.replace("_", "-"),),
        distribution=("target_column", "values" if regression else "classes"),
        scores=common.REGRESSION_SCORES if regression else common.CLASSIFIER_SCORES,
        predict=Predict(run=Hook.to(f"{__name__}.predict:predict", regression=regression), input="image"),
        checks=common.label_checks("values" if regression else "classes"),
        eject=Hook.to(f"{__name__}.eject:script", regression=regression),
    )


TASKS = (
    _spec("image_classification", "Image classification", ImageClassificationParams, regression=False),
    _spec("image_regression", "Image regression", ImageRegressionParams, regression=True),
)
