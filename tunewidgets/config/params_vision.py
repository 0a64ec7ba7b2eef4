"""Hyperparameters of the image tasks (AutoTrain's fields and defaults)."""

from __future__ import annotations

from .fields import BASIC, field
from .params_common import EarlyStoppingMixin, TrainingParams


class ImageClassificationParams(EarlyStoppingMixin, TrainingParams):
    """image_classification."""


class ImageRegressionParams(EarlyStoppingMixin, TrainingParams):
    """image_regression."""


class ObjectDetectionParams(EarlyStoppingMixin, TrainingParams):
    """object_detection."""

    image_square_size: int = field(600, "Images are resized to fit a square of this size.", BASIC, ge=32)
