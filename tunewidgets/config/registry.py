"""Which params model each task uses."""

from __future__ import annotations

from pydantic import BaseModel

from .params_llm import LLMParams
from .params_tabular import TabularParams
from .params_text import (
    Seq2SeqParams,
    SentenceTransformersParams,
    TextClassificationParams,
    TextRegressionParams,
    TokenClassificationParams,
)
from .params_vision import ImageClassificationParams, ImageRegressionParams, ObjectDetectionParams
from .tasks import TASKS

PARAMS_BY_TASK: dict[str, type[BaseModel]] = {
    "text_classification": TextClassificationParams,
    "text_regression": TextRegressionParams,
    "token_classification": TokenClassificationParams,
    "seq2seq": Seq2SeqParams,
    "image_classification": ImageClassificationParams,
    "image_regression": ImageRegressionParams,
    "object_detection": ObjectDetectionParams,
    "tabular": TabularParams,
}
for _name, _info in TASKS.items():
    if _info.family == "llm":
        PARAMS_BY_TASK[_name] = LLMParams
    elif _info.family == "st":
        PARAMS_BY_TASK[_name] = SentenceTransformersParams


def params_model(task: str) -> type[BaseModel]:
    """The params model of a canonical task name."""
    return PARAMS_BY_TASK[task]
