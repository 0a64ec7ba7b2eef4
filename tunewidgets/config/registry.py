"""Which params model each task uses: the task's own declaration."""

from __future__ import annotations

from pydantic import BaseModel

from .tasks import TASKS


def params_model(task: str) -> type[BaseModel]:
    """The params model of a canonical task name."""
    return TASKS[task].params
