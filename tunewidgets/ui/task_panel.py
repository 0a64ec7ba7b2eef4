"""1 Task: every task the registry declares, grouped by family, with the columns each needs."""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets

from ..config.tasks import TASKS, default_task
from . import theme


class TaskPanel:
    """A task dropdown and a line saying what the task needs."""

    def __init__(self, on_change: Callable[[str], None], task: str | None = None):
        self.on_change = on_change
        options = [(f"{spec.title}  [{name}]", name) for name, spec in TASKS.items()]
        self.dropdown = widgets.Dropdown(
            options=options, value=task or default_task(), description="Task", style=theme.label_style(),
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

    def set_task(self, task: str) -> None:
        self.dropdown.value = task

    def _changed(self, change) -> None:
        self._describe()
        self.on_change(change["new"])

    def _describe(self) -> None:
        spec = TASKS[self.task]
        roles = ", ".join(
            f"<code>{theme.esc(r.key)}</code>" + ("" if r.required else " (optional)") for r in spec.roles
        )
        self.note.value = (f'<span class="tw-help" style="color:{theme.GREY};font-size:12px">'
                           f"{theme.esc(spec.group)}. Columns: {roles}.</span>")
