"""Load what a finished run saved, with the class its task trains: the task's ``load_saved`` hook.

A re-attached run, or one trained in a subprocess, has no model in memory: ``app.model`` and the
"Try the model" box load it from the run directory. The task comes from the run's config.yml.
Returns ``(model, tokenizer or processor)``; a tabular run gives ``(pipeline, info)``.
"""

from __future__ import annotations

from pathlib import Path

SAVED_MODEL_FILES = ("config.json", "adapter_config.json", "model.joblib")


def saved_task(folder: str | Path) -> str | None:
    """The task of the run saved in ``folder`` (its config.yml), or None when there is none."""
    import yaml

    from ..config.tasks import canonical_task

    path = Path(folder) / "config.yml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    return canonical_task(str(raw.get("task", ""))) if isinstance(raw, dict) else None


def has_saved_model(folder: str | Path) -> bool:
    folder = Path(folder)
    return any((folder / name).exists() for name in SAVED_MODEL_FILES)


def load_saved(folder: str | Path, task: str | None = None):
    """``(model, tokenizer or processor)`` saved in ``folder`` for ``task`` (read from config.yml when None;
    a folder without one is read as the first task's, a language model)."""
    from ..config.tasks import TASKS, default_task

    task = task or saved_task(folder) or default_task()
    return TASKS[task].load_saved(Path(folder))
