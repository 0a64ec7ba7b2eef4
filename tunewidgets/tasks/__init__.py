"""Task layer: one package per task declares it (``TASKS``) and turns a config plus data into a Trainer.

``registry.py`` lists the task packages; everything else (config, UI, run, CLI, export) reads the specs
through ``tunewidgets.config.tasks``. Helpers several tasks share live in ``shared/``.
"""

from __future__ import annotations

from ..config.tasks import TASKS, get_task


def task_names() -> list[str]:
    """Every task this version trains, in the registry's order."""
    return list(TASKS)


__all__ = ["TASKS", "get_task", "task_names"]
