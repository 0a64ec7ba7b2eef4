"""Generate a form from a pydantic model's field metadata (never wired field by field).

Each field's :class:`~tunewidgets.config.fields.FieldSpec` picks the widget
(bool -> Checkbox, choice -> Dropdown, int -> IntText, float and free text ->
Text, list/dict -> YAML text), the label, the tooltip and the grey help line.
Basic fields show; advanced ones sit in a collapsed Accordion; hidden ones are
kept (a loaded YAML keeps them) but not shown.

Validation runs on every change by assigning the parsed value into a copy of
the last valid model (``validate_assignment`` runs the field's bounds and the
model's cross-field rules); the error shows in red under the field and the
last valid model is kept, so ``values()`` is always a valid set.
"""

from __future__ import annotations

import typing
from typing import Any, Callable

import ipywidgets as widgets
from pydantic import BaseModel, SecretStr, ValidationError

from ..config.errors_format import format_validation_error
from ..config.fields import ADVANCED, BASIC, HIDDEN, FieldSpec, field_specs
from . import theme

_NONE = ""  # Dropdown options cannot carry None as a value: "" stands for it


class _ParseError(ValueError):
    """The text typed cannot be read as the field's type."""


class SchemaForm:
    """Widgets for the fields of ``model``; ``values()`` is the last valid set.

    ``base`` is the valid instance assignments are validated against (default:
    ``model()``), needed for models with required fields. ``on_change(name)``
    is called after every user change, once the field is validated.
    """

    def __init__(
        self,
        model: type[BaseModel],
        *,
        values: dict | None = None,
        base: BaseModel | None = None,
        include: list[str] | None = None,
        exclude: list[str] | tuple = (),
        on_change: Callable[[str], None] | None = None,
        advanced_title: str = "Advanced settings",
        css_class: str | None = None,
    ):
        self.model = model
        self.on_change = on_change
        self.excluded = tuple(name for name in exclude if name in model.model_fields)
        self.specs: dict[str, FieldSpec] = {
            s.name: s for s in field_specs(model)
            if (include is None or s.name in include) and s.name not in exclude
        }
        self._valid: BaseModel = base if base is not None else model()
        self.widgets: dict[str, widgets.Widget] = {}
        self.error_labels: dict[str, widgets.HTML] = {}
        self.errors: dict[str, str] = {}
        self._suspend = False
        rows = {BASIC: [], ADVANCED: []}
        for spec in self.specs.values():
            if spec.group == HIDDEN:
                continue
            rows[spec.group if spec.group in rows else ADVANCED].append(self._row(spec))
        self.basic_box = widgets.VBox(rows[BASIC])
        self.advanced_box = widgets.VBox(rows[ADVANCED])
        children: list[widgets.Widget] = [self.basic_box]
        self.accordion: widgets.Accordion | None = None
        if rows[ADVANCED]:
            self.accordion = widgets.Accordion(
                children=[self.advanced_box], titles=(f"{advanced_title} ({len(rows[ADVANCED])})",)
            )
            self.accordion.selected_index = None
            children.append(self.accordion)
        self.widget = widgets.VBox(children)
        self.widget.add_class("tw-form")
        if css_class:
            self.widget.add_class(css_class)
        if values:
            self.set_values(values)

    # ------------------------------------------------------------------ public

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def instance(self) -> BaseModel:
        """The last valid model (fields in error keep their last valid value)."""
        return self._valid

    def values(self) -> dict[str, Any]:
        """Every field of the model (shown or not), as the last valid model holds them."""
        data = self._valid.model_dump()
        return {k: v for k, v in data.items() if k in self.specs}

    def error_summary(self) -> str | None:
        """All errors on one line, or None."""
        return "; ".join(self.errors.values()) if self.errors else None

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill the form (a loaded YAML, a task switch). Invalid values show as errors."""
        known = {k: v for k, v in values.items() if k in self.specs}
        self._suspend = True
        try:
            try:
                self._valid = self.model.model_validate({**self._valid.model_dump(), **known})
                bad: dict[str, Any] = {}
            except ValidationError:
                bad = {}
                for name, value in known.items():  # keep what is valid, show the rest as errors
                    candidate = self._valid.model_copy()
                    try:
                        setattr(candidate, name, value)
                        self._valid = candidate
                    except ValidationError:
                        bad[name] = value
            self.errors = {}
            for name in self.widgets:
                self._show(name, bad.get(name, getattr(self._valid, name)))
        finally:
            self._suspend = False
        for name in list(self.widgets):
            if name in bad:
                self._validate(name)
        self._render_errors()
        if self.accordion is not None and any(self.specs[n].group == ADVANCED for n in self.errors):
            self.accordion.selected_index = 0

    def set_value(self, name: str, value: Any) -> None:
        """Set one field as if the user had typed it (validated, on_change called)."""
        self.widgets[name].value = self._to_widget(self.specs[name], value)

    # ------------------------------------------------------------------ building

    def _row(self, spec: FieldSpec) -> widgets.Widget:
        widget = self._make_widget(spec)
        widget.add_class(f"tw-field-{spec.name}")
        self.widgets[spec.name] = widget
        self._show(spec.name, getattr(self._valid, spec.name))
        widget.observe(lambda change, name=spec.name: self._changed(name), names="value")
        error = theme.message_widget()
        self.error_labels[spec.name] = error
        help_text = widgets.HTML(theme.help_html(_help(spec)), layout=widgets.Layout(width="auto", max_width="420px"))
        line = widgets.HBox([widget, help_text], layout=widgets.Layout(align_items="center", grid_gap="8px"))
        box = widgets.VBox([line, error], layout=widgets.Layout(margin="0 0 2px 0"))
        box.add_class("tw-form-row")
        return box

    def _make_widget(self, spec: FieldSpec) -> widgets.Widget:
        common = dict(description=spec.name, tooltip=spec.help, style=theme.label_style(),
                      layout=theme.field_layout("330px"))
        annotation = self._annotation(spec.name)
        if spec.kind == "bool" and not spec.optional:
            return widgets.Checkbox(indent=True, **common)
        if spec.kind == "bool":
            return widgets.Dropdown(options=[("default", _NONE), ("true", "true"), ("false", "false")], **common)
        if spec.kind == "choice":
            options = [(str(c), c) for c in spec.choices or ()]
            if spec.optional:
                options = [("(none)", _NONE), *options]
            return widgets.Dropdown(options=options, **common)
        if spec.kind == "int" and not spec.optional:
            return widgets.IntText(**common)
        if _is_secret(annotation):
            return widgets.Password(placeholder="read from ${HF_TOKEN} when empty", **common)
        if spec.kind == "dict":
            return widgets.Textarea(placeholder="YAML, e.g. {key: value}", rows=2, **common)
        placeholder = "(none)" if spec.optional else ""
        if spec.kind == "list":
            placeholder = "comma-separated, or YAML [a, b]"
        return widgets.Text(placeholder=placeholder, continuous_update=True, **common)

    # ------------------------------------------------------------------ value <-> widget

    def _show(self, name: str, value: Any) -> None:
        widget = self.widgets.get(name)
        if widget is None:
            return
        spec = self.specs[name]
        was = self._suspend
        self._suspend = True
        try:
            widget.value = self._to_widget(spec, value)
        finally:
            self._suspend = was

    def _to_widget(self, spec: FieldSpec, value: Any) -> Any:
        if spec.kind == "bool" and not spec.optional:
            return bool(value)
        if spec.kind == "bool":
            return _NONE if value is None else ("true" if value else "false")
        if spec.kind == "choice":
            return _NONE if value is None else value
        if spec.kind == "int" and not spec.optional:
            return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
        if isinstance(value, SecretStr):
            return ""  # a secret is never shown back
        if value is None:
            return ""
        if spec.kind == "float" and isinstance(value, (int, float)):
            return repr(float(value))
        if spec.kind == "list" and isinstance(value, (list, tuple)):
            return ", ".join(str(v) for v in value)
        if isinstance(value, (list, tuple, dict)):
            import yaml

            return yaml.safe_dump(value, default_flow_style=True).strip()
        return str(value)

    def _parse(self, name: str) -> Any:
        spec = self.specs[name]
        raw = self.widgets[name].value
        if spec.kind == "bool" and not spec.optional:
            return bool(raw)
        if spec.kind == "bool":
            return None if raw == _NONE else raw == "true"
        if spec.kind == "choice":
            return None if raw == _NONE else raw
        if spec.kind == "int" and not spec.optional:
            return raw
        text = str(raw).strip()
        annotation = self._annotation(name)
        if text == "":
            if spec.optional or _is_secret(annotation):
                return None
            if spec.kind == "str" and _is_plain_str(annotation):
                return ""
            raise _ParseError(f"{name}: a value is required")
        if spec.kind == "int":
            try:
                return int(text)
            except ValueError:
                raise _ParseError(f"{name}: '{text}' is not a whole number") from None
        if spec.kind == "float":
            try:
                return float(text)
            except ValueError:
                raise _ParseError(f"{name}: '{text}' is not a number (e.g. 3e-5 or 0.0003)") from None
        if _is_secret(annotation) or (spec.kind == "str" and _is_plain_str(annotation)):
            return text
        if spec.kind == "list" and not text.startswith("["):
            return [_scalar(part.strip()) for part in text.split(",") if part.strip()]
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError:
            raise _ParseError(f"{name}: '{text}' cannot be read (use YAML, e.g. [64, 128])") from None

    def _annotation(self, name: str) -> Any:
        return self.model.model_fields[name].annotation

    # ------------------------------------------------------------------ validation

    def _changed(self, name: str) -> None:
        if self._suspend:
            return
        self._validate(name)
        for other in [n for n in self.errors if n != name]:
            self._validate(other)  # a cross-field error may be fixed by this change
        self._render_errors()
        if self.on_change is not None:
            self.on_change(name)

    def _validate(self, name: str) -> None:
        try:
            value = self._parse(name)
        except _ParseError as exc:
            self.errors[name] = str(exc)
            return
        candidate = self._valid.model_copy()
        try:
            setattr(candidate, name, value)
        except ValidationError as exc:
            self.errors[name] = format_validation_error(exc, self.model)
            return
        self._valid = candidate
        self.errors.pop(name, None)

    def _render_errors(self) -> None:
        for name, label in self.error_labels.items():
            theme.set_message(label, self.errors.get(name), "error")
        for name, widget in self.widgets.items():
            if name in self.errors:
                widget.add_class("tw-invalid")
            else:
                widget.remove_class("tw-invalid")


def _help(spec: FieldSpec) -> str:
    bounds = []
    for key, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        value = getattr(spec, key)
        if value is not None:
            bounds.append(f"{sign} {value:g}" if isinstance(value, (int, float)) else f"{sign} {value}")
    return spec.help + (f" ({', '.join(bounds)})" if bounds else "")


def _is_plain_str(annotation: Any) -> bool:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return annotation is str or (bool(args) and all(a is str for a in args))


def _is_secret(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


def _scalar(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            continue
    return text
