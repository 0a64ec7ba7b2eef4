"""5 Hyperparameters: forms generated from the schema, and the device the run will use.

Three generated forms: the run's name and tracker (RunConfig's own fields),
the task's params model (basic shown, advanced in an Accordion) and the Hub
settings. Switching to a task with another params model rebuilds the form and
carries over the values the user changed that the new model also has.
"""

from __future__ import annotations

import sys
from typing import Callable

import ipywidgets as widgets

from ..config.registry import params_model
from ..config.run_config import HubConfig, RunConfig
from ..workspace import served
from . import theme
from .form import SchemaForm

RUN_FIELDS = ["project_name", "log"]


class ParamsPanel:
    """Run name, generated hyperparameters, Hub settings and the resolved device line."""

    def __init__(self, task: str, on_change: Callable[[], None]):
        self.on_change = on_change
        self.task = task
        self.run_form = SchemaForm(
            RunConfig, include=RUN_FIELDS, base=RunConfig(task=task, base_model="model"),
            on_change=lambda name: self.on_change(), advanced_title="Tracking",
        )
        self.kept: dict = {}  # a loaded config's values of fields this form leaves out: written back as they were
        self.params_form = self._params_form(params_model(task), {}, _hides(task))
        self.hub_form = SchemaForm(HubConfig, on_change=lambda name: self.on_change(), css_class="tw-hub")
        if served():  # the server's own token never reaches a served page: each user types theirs
            self.hub_form.widgets["token"].placeholder = "your Hub token: kept in memory for this page, never written"
        self.hub_box = widgets.Accordion(children=[self.hub_form.widget], titles=("Hugging Face Hub",))
        self.hub_box.selected_index = None
        self.device = widgets.HTML(theme.help_html("Device: detecting ..."))
        self.device.add_class("tw-device")
        self.params_holder = widgets.VBox([self.params_form.widget])
        self.extra = widgets.VBox()  # helpers shown above the params form by the app (the reward picker)
        self.widget = theme.section(
            5, "Hyperparameters",
            [self.device, self.run_form.widget, self.extra, self.params_holder, self.hub_box], theme.PARAMS,
            "Generated from the task's schema; hover a name for its help. Checked as you type.")
        self._device_info = None

    # ------------------------------------------------------------------ forms

    def _params_form(self, model, values: dict, hides: tuple = ()) -> SchemaForm:
        return SchemaForm(model, values=values, exclude=hides, on_change=self._params_changed,
                          css_class="tw-params-form")

    def _params_changed(self, name: str) -> None:
        if name == "mixed_precision":
            self.update_device()
        self.on_change()

    def set_task(self, task: str) -> None:
        """Rebuild the params form when the task uses another params model, keeping changed values."""
        self.task = task
        model, hides = params_model(task), _hides(task)
        if model is self.params_form.model and set(hides) == set(self.params_form.excluded):
            return
        old = self.params_form
        defaults = old.model()
        carried = {k: v for k, v in {**self.kept, **old.values()}.items()
                   if k in model.model_fields and k not in hides and v != getattr(defaults, k, object())}
        self.kept = {k: v for k, v in self.kept.items() if k in hides}  # still left out: still kept
        self.params_form = self._params_form(model, carried, hides)
        self.params_holder.children = [self.params_form.widget]
        self.update_device()

    def set_config(self, config: RunConfig) -> None:
        """Fill every form from a loaded config."""
        self.set_task(config.task)
        self.run_form.set_values({"project_name": config.project_name, "log": config.log})
        values = config.params.model_dump()
        self.params_form.set_values({k: v for k, v in values.items() if k in self.params_form.specs})
        defaults = type(config.params)()
        self.kept = {k: values[k] for k in self.params_form.excluded
                     if k in values and values[k] != getattr(defaults, k, None)}
        hub = config.hub.model_dump()
        self.hub_form.set_values(hub)
        self.update_device()

    def set_field(self, name: str, value) -> None:
        """Set one field the way a user would (validated, reported): a hyperparameter, project_name, log ..."""
        form = next((f for f in (self.run_form, self.hub_form) if name in f.specs), self.params_form)
        form.set_value(name, value)

    @property
    def errors(self) -> dict[str, str]:
        return {**self.run_form.errors, **self.params_form.errors, **self.hub_form.errors}

    def config_parts(self) -> dict:
        run = self.run_form.values()
        hub = {k: v for k, v in self.hub_form.values().items() if not (k == "token" and v is None)}
        return {**run, "params": {**self.kept, **self.params_form.values()}, "hub": hub}

    @property
    def project_name(self) -> str:
        return self.run_form.instance.project_name

    # ------------------------------------------------------------------ device

    def update_device(self) -> None:
        """Show the device and precision the run will use.

        With torch already imported (a check or a run did it) this is the run's
        own rule, ``resolve_device``; before that, the same rule on what the
        machine shows without importing torch (an NVIDIA driver, Apple silicon),
        so building the app stays light.
        """
        wanted = getattr(self.params_form.instance, "mixed_precision", None)
        try:
            from ..device import guess_device, resolve_device

            if "torch" in sys.modules:
                info, exact = resolve_device(wanted), True
            else:
                info, exact = guess_device(wanted), False
        except Exception as exc:  # noqa: BLE001 - informative only
            self.device.value = theme.help_html(f"Device: could not be detected ({type(exc).__name__}: {exc})")
            return
        self._device_info = info
        text = f"Device: <b>{theme.esc(info.device)}</b> · precision <b>{theme.esc(info.precision)}</b>"
        if info.threads:
            text += f" · {info.threads} CPU threads"
        if not exact:
            text += f' <span style="color:{theme.GREY}">(confirmed when training starts)</span>'
        warning = "".join(theme.message_html(w, "warning") for w in info.warnings)
        self.device.value = f'<span style="font-size:13px">{text}</span>{warning}'

    @property
    def device_info(self):
        return self._device_info


def _hides(task: str) -> tuple[str, ...]:
    """The params fields the task ignores (TaskSpec.form_hides): its form leaves them out."""
    from ..config.tasks import TASKS

    spec = TASKS.get(task)
    return tuple(spec.form_hides) if spec is not None else ()
