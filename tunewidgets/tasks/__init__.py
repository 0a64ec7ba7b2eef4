"""Task layer: one module per task turns a config plus data into a configured Trainer."""

from __future__ import annotations

import importlib

from ..config.tasks import TASKS
from ..errors import ConfigError

# canonical task -> module under tunewidgets.tasks that defines build(ctx) -> TrainJob
_MODULES = {
    "llm-sft": "llm_sft",
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
