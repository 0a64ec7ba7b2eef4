"""Column mapping: a dropdown per column role of the task, pre-filled by the guesser and checked on change."""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets

from ..config.tasks import TASKS, default_task
from ..errors import DataError
from . import theme

_NONE = ""


class MappingEditor:
    """Which column plays which role; ``error`` is the check's message (None when the mapping holds)."""

    def __init__(self, on_change: Callable[[], None]):
        self.on_change = on_change
        self.task = default_task()
        self.columns: list[tuple[str, str]] = []
        self.error: str | None = None
        self.pending: dict | None = None  # a loaded config's mapping, applied when the columns are known
        self.widgets: dict[str, widgets.Widget] = {}
        self.notes: dict[str, tuple[str, str]] = {}  # role -> (how it was guessed, what to tell the user)
        self.box = widgets.VBox()
        self.box.add_class(theme.MAPPING)
        self.message = theme.message_widget("tw-mapping-message")
        title = widgets.HTML('<b style="font-size:13px">Column mapping</b> ' + theme.help_html(
            "which column plays which role (guessed from names and values; change it if the guess is wrong)"))
        self.widget = widgets.VBox([title, self.box, self.message])

    def mapping(self) -> dict:
        out = {}
        for key, widget in self.widgets.items():
            value = widget.value
            if isinstance(value, tuple):
                if value:
                    out[key] = list(value)
            elif value not in (None, _NONE):
                out[key] = value
        return out

    def rebuild(self, task: str, columns: list[tuple[str, str]], sample_rows: list[dict], reguess: bool = True) -> None:
        """New dropdowns for ``task``'s roles over ``columns``: the pending mapping, else a fresh guess."""
        from ..data.guess import guess_roles

        self.task, self.columns = task, list(columns)
        names = [name for name, _ in self.columns]
        self.notes = {}
        if self.pending is not None and names:
            chosen, self.pending = self.pending, None
        elif reguess and names:
            try:
                guesses = guess_roles(TASKS[task], names, sample_rows)
            except Exception:  # noqa: BLE001 - a guess that fails is just no guess
                guesses = {}
            chosen = {key: guess.column for key, guess in guesses.items() if guess.column is not None}
            self.notes = {key: (guess.how, guess.note) for key, guess in guesses.items()}
        elif self.pending is not None:
            chosen = self.pending  # no columns yet: keep it for when they come
        else:
            chosen = self.mapping()
        dtypes = dict(self.columns)
        children, self.widgets = [], {}
        for role in TASKS[task].roles:
            value = chosen.get(role.key)
            wanted = value if isinstance(value, list) else ([value] if value else [])
            options = [(f"{name}  ({dtypes[name]})", name) for name in names]
            options += [(f"{name}  (not in the data)", name) for name in wanted if name not in names]
            label = role.key + ("" if role.required else " (optional)")
            common = dict(description=label, tooltip=role.help, style=theme.label_style(),
                          layout=theme.field_layout("430px"))
            if role.many:
                widget = widgets.SelectMultiple(options=options, value=tuple(wanted),
                                                rows=min(5, max(2, len(options))), **common)
            else:
                widget = widgets.Dropdown(options=[("(none)", _NONE), *options],
                                          value=wanted[0] if wanted else _NONE, **common)
            widget.add_class(f"tw-map-{role.key}")
            note = widgets.HTML(_note_html(role, *self.notes.get(role.key, ("", ""))),
                                layout=widgets.Layout(max_width="460px"))
            note.add_class("tw-map-note")
            widget.observe(lambda change, note=note, role=role: self._changed(note, role), names="value")
            children.append(theme.row(widget, note))
            self.widgets[role.key] = widget
        self.box.children = children
        self.check()

    def check(self) -> None:
        from ..data.columns import check_column_mapping

        self.error = None
        if self.columns:
            try:
                check_column_mapping([name for name, _ in self.columns], self.mapping(), self.task)
            except DataError as exc:
                self.error = str(exc)
        theme.set_message(self.message, self.error, "error")
        for key, widget in self.widgets.items():
            if self.error and key in self.error:
                widget.add_class("tw-invalid")
            else:
                widget.remove_class("tw-invalid")

    def _changed(self, note=None, role=None) -> None:
        if note is not None:  # the user's choice now, not the guess
            note.value = _note_html(role, "", "")
        self.check()
        self.on_change()


_HOW = {"name": theme.GREEN, "shape": theme.GREEN, "values": theme.AMBER}


def _note_html(role, how: str, note: str) -> str:
    """The role's help, and how sure the guess was: from the name or the data's shape, from the values alone
    (check it), or not guessed (with what to choose)."""
    if not note or how == "" and role.required is False:
        return theme.help_html(role.help)
    colour = _HOW.get(how, theme.RED if role.required else theme.GREY)
    return (f'{theme.help_html(role.help)}<br><span class="tw-guess tw-guess-{how or "none"}" '
            f'style="font-size:11px;color:{colour}">{theme.esc(note)}</span>')
