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
    from ..tasks.common import check_model_source

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


def check_tabular_model(name: str) -> tuple[str | None, str]:
    """Tabular trains a scikit-learn family (AutoTrain writes it as base_model), not a transformers model."""
    from ..config.run_config import tabular_families

    if not name:
        return None, ""
    if name not in tabular_families():
        return (f"tabular trains a scikit-learn model family, not '{name}': choose one under Hyperparameters "
                f"(model): {', '.join(tabular_families())}"), ""
    return None, f"scikit-learn model family '{name}' (chosen under Hyperparameters: model)."


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
        self.task = "llm-sft"
        self.text = widgets.Text(
            description="Model", placeholder="Hub id (e.g. HuggingFaceTB/SmolLM2-135M) or a local folder",
            style=theme.label_style(), layout=theme.field_layout(theme.WIDE_WIDTH), continuous_update=False,
        )
        self.text.add_class("tw-model-path")
        self.demo_button = widgets.Button(description="Use offline demo model", tooltip=(
            "Build a tiny Llama and demo chat data locally (no download) and fill the form with them"),
            layout=widgets.Layout(width="210px"))
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
        """LLMs get the tiny Llama demo, other tasks their own; tabular's model is a scikit-learn family."""
        self.task = task
        tabular = task == "tabular"
        self.text.disabled = tabular  # mirrors Hyperparameters -> model, the one place to choose it
        self.text.placeholder = ("the scikit-learn model family: choose it under Hyperparameters (model)" if tabular
                                 else "Hub id (e.g. HuggingFaceTB/SmolLM2-135M) or a local folder")
        llm = task.startswith("llm")
        self.demo_button.description = "Use offline demo model" if llm else "Use offline demo"
        self.demo_button.tooltip = (
            "Build a tiny Llama and demo chat data locally (no download) and fill the form with them" if llm else
            "Build a tiny model for this task and generated data locally (no download) and fill the form with them")
        self._check()

    def _report(self, text: str) -> None:
        theme.set_message(self.message, text, "error")

    def _checked(self) -> None:
        self._check()
        self.on_change()

    def _check(self) -> None:
        from ..errors import TunewidgetsError

        if self.task == "tabular":
            self.error, description = check_tabular_model(self.name)
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

        task = self.task

        def work() -> None:
            try:
                if task.startswith("llm"):
                    from ..tiny import make_demo

                    paths = make_demo(target)
                else:
                    from ..task_demos import task_demo_config

                    paths = {"config": task_demo_config(task, target)}
                theme.set_message(self.message, None)
                self.on_demo(paths)
            except Exception as exc:  # noqa: BLE001 - shown, never raised into the notebook
                self._report(f"could not build the demo model in '{target}': {type(exc).__name__}: {exc}")
            finally:
                self.demo_button.disabled = False

        self.background.start("demo", work)
