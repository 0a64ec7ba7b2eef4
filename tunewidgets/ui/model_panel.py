"""2 Model: a Hub id or a local folder, and a one-click offline demo model."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

import ipywidgets as widgets

from . import theme
from .confine import Confinement


def check_model(name: str) -> tuple[str | None, str]:
    """(error or None, a one-line description) for a model id or folder; reads no weights."""
    name = name.strip()
    if not name:
        return None, ""
    from ..errors import ModelError
    from ..tasks.shared.pretrained import check_model_source

    try:
        source = check_model_source(name)
    except ModelError as exc:
        return str(exc), ""
    if not os.path.isdir(source):
        offline = any(os.environ.get(v, "").lower() in ("1", "true", "yes", "on")
                      for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))
        where = "offline mode is on: only a model already in the Hub cache loads" if offline else \
            "downloaded from the Hugging Face Hub when training starts"
        return None, f"Hub model id; {where}."
    folder = Path(source)
    config_path = folder / "config.json"
    if not config_path.is_file():
        if (folder / "adapter_config.json").is_file():
            return None, "a PEFT adapter folder (its base model is read from adapter_config.json)."
        return f"model folder '{name}' has no config.json: give the folder a model was saved to", ""
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"cannot read '{config_path}': {exc}", ""
    parts = [str(config.get("model_type", "model"))]
    for key, label in (("num_hidden_layers", "layers"), ("hidden_size", "hidden"), ("vocab_size", "vocab")):
        if key in config:
            parts.append(f"{config[key]} {label}" if label == "layers" else f"{label} {config[key]}")
    return None, "local model: " + " · ".join(parts)


def check_param_model(spec, name: str) -> tuple[str | None, str]:
    """A task whose params choose the model (a scikit-learn family, which AutoTrain writes as base_model):
    the name must be one of that field's choices."""
    from ..config.fields import field_specs

    if not name:
        return None, ""
    field = spec.model_param
    choices = next((f.choices for f in field_specs(spec.params) if f.name == field), None) or ()
    if name not in choices:
        return (f"{spec.name} trains a {spec.group} model family, not '{name}': choose one under "
                f"Hyperparameters ({field}): {', '.join(choices)}"), ""
    return None, f"{spec.group} model family '{name}' (chosen under Hyperparameters: {field})."


class ModelPanel:
    """The model text box, the demo button and what the model is."""

    def __init__(self, workdir: Path, on_change: Callable[[], None], on_demo: Callable[[dict], None],
                 background: theme.Background, report_unexpected: Callable[[str], None],
                 confine: Confinement | None = None):
        self.workdir = workdir
        self.confine = confine or Confinement(None)
        self.on_change = on_change
        self.on_demo = on_demo
        self.background = background
        self.spec = None  # the task on show (set_task)
        self.text = widgets.Text(
            description="Model", placeholder="Hub id (e.g. HuggingFaceTB/SmolLM2-135M) or a local folder",
            style=theme.label_style(), layout=theme.field_layout(theme.WIDE_WIDTH), continuous_update=False,
        )
        self.text.add_class("tw-model-path")
        self.demo_button = widgets.Button(description="Use offline demo model", layout=widgets.Layout(width="210px"))
        self.demo_button.add_class("tw-demo")
        self.info = widgets.HTML()
        self.info.add_class("tw-model-info")
        self.message = theme.message_widget("tw-model-message")
        self.error: str | None = None
        self.text.observe(lambda change: self._checked(), names="value")
        self.demo_button.on_click(theme.guarded(self._report, report_unexpected)(self._demo_clicked))
        self.widget = theme.section(2, "Model", [theme.row(self.text, self.demo_button), self.info, self.message],
                                    theme.MODEL, "The model to start from.")

    @property
    def name(self) -> str:
        return self.text.value.strip()

    def set_model(self, name: str) -> None:
        self.text.value = name or ""
        self._check()

    def set_task(self, task: str) -> None:
        """The task's own demo; a task whose params choose the model mirrors that field here."""
        from ..config.tasks import TASKS

        self.spec = spec = TASKS[task]
        chosen_by_params = spec.model_param is not None
        self.text.disabled = chosen_by_params  # mirrors Hyperparameters -> model_param, the one place to choose it
        self.text.placeholder = (f"the model family: choose it under Hyperparameters ({spec.model_param})"
                                 if chosen_by_params else "Hub id (e.g. HuggingFaceTB/SmolLM2-135M) or a local folder")
        model = f"a tiny {spec.demo.model} model" if spec.demo.model else "a model family"
        self.demo_button.description = "Use offline demo model" if spec.demo.model else "Use offline demo"
        self.demo_button.tooltip = (f"Build {model} and generated {spec.demo.data} data locally (no download) and "
                                    "fill the form with them")
        self._check()

    def _report(self, text: str) -> None:
        theme.set_message(self.message, text, "error")

    def _checked(self) -> None:
        self._check()
        self.on_change()

    def _check(self) -> None:
        from ..errors import TunewidgetsError

        if self.spec is not None and self.spec.model_param:
            self.error, description = check_param_model(self.spec, self.name)
        else:
            try:
                source = self.confine.source(self.name)
            except TunewidgetsError as exc:  # a path leading outside the served workspace: never read
                self.error, description = str(exc), ""
            else:
                self.error, description = check_model(source)
        self.info.value = theme.help_html(description) if description else ""
        theme.set_message(self.message, self.error, "error")

    def _demo_clicked(self, _button=None) -> None:
        if self.background.busy("demo"):
            return
        target = self.confine.path(self.workdir / "demo")
        self.demo_button.disabled = True
        theme.set_message(self.message, "building the tiny demo model and data (a few seconds the first time)...",
                          "info")

        spec = self.spec

        def work() -> None:
            try:
                from ..tasks.shared.demo import demo_config

                config = demo_config(spec, target)
                theme.set_message(self.message, None)
                self.on_demo(config)
            except Exception as exc:  # noqa: BLE001 - shown, never raised into the notebook
                self._report(f"could not build the demo model in '{target}': {type(exc).__name__}: {exc}")
            finally:
                self.demo_button.disabled = False

        self.background.start("demo", work)
