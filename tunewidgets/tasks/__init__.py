"""Task layer: one module per task turns a config plus data into a configured Trainer."""

from __future__ import annotations

import importlib

from ..config.tasks import TASKS
from ..errors import ConfigError

# canonical task -> module under tunewidgets.tasks that defines build(ctx) -> TrainJob
_MODULES = {
    "llm-sft": "llm_sft",
    "llm-generic": "llm_generic",
    "llm-reward": "llm_reward",
    "llm-dpo": "llm_dpo",
    "llm-orpo": "llm_orpo",
    "text_classification": "text_classification",
    "text_regression": "text_classification",
    "token_classification": "token_classification",
    "seq2seq": "seq2seq",
    "sentence-transformers:pair": "sentence_transformers",
    "sentence-transformers:pair_class": "sentence_transformers",
    "sentence-transformers:pair_score": "sentence_transformers",
    "sentence-transformers:triplet": "sentence_transformers",
    "sentence-transformers:qa": "sentence_transformers",
    "image_classification": "image_classification",
    "image_regression": "image_classification",
    "object_detection": "object_detection",
    "tabular": "tabular",
}


def trainable_tasks() -> list[str]:
    return list(_MODULES)


def get_builder(task: str):
    """The ``build(ctx)`` function of a task, or a clear error for tasks not yet trainable."""
    if task not in _MODULES:
        title = TASKS[task].title if task in TASKS else task
        raise ConfigError(
            f"task {task} ({title}) is not trainable in this version yet; trainable now: {', '.join(_MODULES)}"
        )
    return importlib.import_module(f"{__name__}.{_MODULES[task]}").build
