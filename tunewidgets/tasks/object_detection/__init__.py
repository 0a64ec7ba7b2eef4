"""object_detection: a transformers detection head (DETR, YOLOS) on COCO-style boxes, with mAP."""

from __future__ import annotations

from ...config.params_vision import ObjectDetectionParams
from ...config.task_spec import Demo, Footprint, Hook, Predict, TaskSpec
from ..shared import roles
from ..shared import supervised_spec as common

TASKS = (
    TaskSpec(
        name="object_detection",
        title="Object detection",
        group=common.VISION_GROUP,
        params=ObjectDetectionParams,
        roles=(roles.IMAGE, roles.OBJECTS),
        build=Hook.to(f"{__name__}.train:build"),
        load_saved=common.load_saved("AutoModelForObjectDetection", processor="image"),
        footprint=Footprint("AutoModelForObjectDetection"),
        demo=Demo(model="yolos", data="object-detection",
                  mapping={"image_column": "image", "objects_column": "objects"},
                  params={**common.IMAGE_DEMO, "batch_size": 8, "lr": 1e-3, "image_square_size": 64}, rows=400),
        aliases=("object-detection",),
        distribution=("objects_column", "objects"),
        scores=("map", "map_50", "map_75"),
        predict=Predict(run=Hook.to(f"{__name__}.predict:predict"), input="image"),
        checks=common.label_checks(None),
        eject=Hook.to(f"{__name__}.eject:script"),
    ),
)
