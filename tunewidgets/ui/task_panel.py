"""1 Task: every task the schema knows; the ones without a trainer yet say so."""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets

from ..config.tasks import TASKS
from . import theme

_FAMILY = {
    "llm": "Language models (TRL)",
    "text": "Text (transformers)",
    "st": "Sentence embeddings (sentence-transformers)",
    "vision": "Vision (transformers)",
    "tabular": "Tabular (scikit-learn)",
}


def is_trainable(task: str) -> bool:
    """Whether this version can train ``task`` (asked of the task layer each time)."""
    info = TASKS.get(task)
    if info is not None and info.trainable:
        return True
    try:
        from ..tasks import trainable_tasks

        return task in trainable_tasks()
    except Exception:  # noqa: BLE001 - a broken task layer must not break the form
        return False


class TaskPanel:
    """A task dropdown and a line saying what the task needs."""

    def __init__(self, on_change: Callable[[str], None], task: str = "llm-sft"):
        self.on_change = on_change
        options = []
        for name, info in TASKS.items():
            suffix = "" if is_trainable(name) else "  (not trainable yet)"
            options.append((f"{info.title}  [{name}]{suffix}", name))
        self.dropdown = widgets.Dropdown(
            options=options, value=task, description="Task", style=theme.label_style(),
            layout=theme.field_layout(theme.WIDE_WIDTH),
        )
        self.dropdown.add_class("tw-task-select")
        self.note = widgets.HTML()
        self.note.add_class("tw-task-note")
        self.dropdown.observe(self._changed, names="value")
        self.widget = theme.section(1, "Task", [self.dropdown, self.note], theme.TASK,
                                    "What to train. The form below follows the task.")
        self._describe()

    @property
    def task(self) -> str:
        return self.dropdown.value

    @property
    def trainable(self) -> bool:
        return is_trainable(self.task)

    def set_task(self, task: str) -> None:
        self.dropdown.value = task

    def _changed(self, change) -> None:
        self._describe()
        self.on_change(change["new"])

    def _describe(self) -> None:
        info = TASKS[self.task]
        roles = ", ".join(
            f"<code>{theme.esc(r.key)}</code>" + ("" if r.required else " (optional)") for r in info.roles
        )
        family = _FAMILY.get(info.family, info.family)
        lines = [f'<span class="tw-help" style="color:{theme.GREY};font-size:12px">{theme.esc(family)}. '
                 f"Columns: {roles}.</span>"]
        if not is_trainable(self.task):
            from ..tasks import trainable_tasks

            now = ", ".join(trainable_tasks())
            lines.append(theme.message_html(
                f"{info.title} ({self.task}) is not trainable in this version yet: you can prepare the data, "
                f"check it and export the YAML, but Train stays disabled. Trainable now: {now}.", "warning"))
        self.note.value = "".join(lines)
