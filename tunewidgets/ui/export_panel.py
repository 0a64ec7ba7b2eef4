"""Export (YAML shown, saved, downloadable; the CLI command; the TRL script) and loading a YAML back."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import ipywidgets as widgets

from ..config.run_config import RunConfig
from . import theme
from .confine import Confinement
from .export import cli_command, config_yaml, download_link, python_script


def _code(text: str, cls: str, wrap: bool = False) -> str:
    style = theme.CODE_STYLE + (";white-space:pre-wrap;word-break:break-all" if wrap else "")
    return f'<pre class="tw-code {cls}" style="{style}">{theme.esc(text)}</pre>'


class ExportPanel:
    """The form's config as YAML (what Train would run), how to rerun it headless, and as plain TRL code."""

    def __init__(self, workdir: Path, before_save: Callable[[], RunConfig | None],
                 report_unexpected: Callable[[str], None], confine: Confinement | None = None):
        self.workdir = workdir
        self.confine = confine or Confinement(None)
        self.before_save = before_save
        self.config: RunConfig | None = None
        self.yaml_text = ""
        self.script_text = ""
        guard = theme.guarded(self._report, report_unexpected)
        self.yaml_view = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.yaml_view.add_class("tw-yaml")
        self.path = widgets.Text(description="Save to", style=theme.label_style(),
                                 layout=theme.field_layout(theme.WIDE_WIDTH))
        self.path.add_class("tw-yaml-path")
        self.save_button = widgets.Button(description="Save YAML", layout=widgets.Layout(width="110px"))
        self.save_button.add_class("tw-save-yaml")
        self.download = widgets.HTML()
        self.download.add_class("tw-download-yaml")
        self.message = theme.message_widget("tw-export-message")
        self.note = widgets.HTML()
        self.cli = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.cli.add_class("tw-cli")
        self.eject_button = widgets.Button(description="Eject to code", layout=widgets.Layout(width="130px"),
                                           tooltip="Write this run as a plain Python script that trains it "
                                                   "without tunewidgets")
        self.eject_button.add_class("tw-eject")
        self.script = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.script.add_class("tw-python")
        self._device, self._num_examples = None, None
        self.script_download = widgets.HTML()
        self._path_edited = False
        self._setting_path = False
        self.path.observe(self._path_changed, names="value")
        self.save_button.on_click(guard(lambda _b: self.save()))
        self.eject_button.on_click(guard(lambda _b: self.eject()))
        head = lambda text: widgets.HTML(f'<b style="font-size:13px">{theme.esc(text)}</b>')  # noqa: E731
        self.widget = widgets.VBox([
            head("YAML (AutoTrain's format; what Train runs)"), self.yaml_view,
            theme.row(self.path, self.save_button), theme.row(self.download), self.message, self.note,
            head("Rerun headless"), self.cli,
            head("Eject to code: the same training as a standalone script"),
            theme.row(self.eject_button, widgets.HTML(theme.help_html(
                "a standalone script (no tunewidgets) with this run's data, columns and hyperparameters"))),
            self.script, self.script_download,
        ])
        self.widget.add_class(theme.EXPORT)

    def refresh(self, config: RunConfig | None, error: str | None = None, *, device=None,
                num_examples: int | None = None, in_memory: bool = False) -> None:
        self.config = config
        if config is None:
            self.yaml_text = ""
            self.yaml_view.value = theme.message_html(
                f"Nothing to export yet: {error or 'fill in the model and data'}", "info")
            self.download.value = self.cli.value = self.script.value = self.script_download.value = ""
            self.script_text = ""
            self.note.value = ""
            return
        self.yaml_text = config_yaml(config)
        self.yaml_view.value = _code(self.yaml_text, "tw-yaml-text")
        if not self._path_edited:
            self._setting_path = True
            self.path.value = str(self.workdir / f"{config.project_name.replace('/', '-')}.yml")
            self._setting_path = False
        filename = Path(self.path.value).name or "run.yml"
        self.download.value = download_link(self.yaml_text, filename)
        self.cli.value = _code(cli_command(self.path.value, self.workdir), "tw-cli-text", wrap=True)
        self._device, self._num_examples = device, num_examples
        if self.script_text:  # shown already: keep it in step with the form
            self.eject()
        self.note.value = theme.message_html(
            "The data comes from a notebook variable: Save YAML (or Train) writes it to the workdir's data/ "
            "folder so the YAML reruns headless.", "info") if in_memory and not config.data.path else ""

    def eject(self) -> str:
        """Show (and offer for download) the TRL script of the current config."""
        if self.config is None:
            self._report("nothing to eject: the form has errors")
            return ""
        try:
            self.script_text = python_script(self.config, workdir=self.workdir, num_examples=self._num_examples,
                                             device=self._device)
        except Exception as exc:  # noqa: BLE001 - the YAML export must not depend on the script
            self.script_text = f"# could not generate the script: {type(exc).__name__}: {exc}\n"
        self.script.value = _code(self.script_text, "tw-python-text")
        name = Path(self.path.value).stem or "run"
        self.script_download.value = download_link(self.script_text, f"{name}.py", mime="text/x-python")
        return self.script_text

    def save(self) -> str | None:
        """Write the YAML (after saving in-memory data to a file); returns the path."""
        target = self.confine.path(self.path.value.strip())  # refused outside a served workspace
        config = self.before_save() or self.config
        if config is None:
            self._report("nothing to save: the form has errors")
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        text = config_yaml(config)
        target.write_text(text, encoding="utf-8")
        theme.set_message(self.message, f"saved {target}", "ok")
        return str(target)

    def _path_changed(self, change) -> None:
        if not self._setting_path:
            self._path_edited = True
            if self.config is not None:
                self.refresh(self.config)

    def _report(self, text: str) -> None:
        theme.set_message(self.message, text, "error")


class LoadPanel:
    """Load a YAML (ours or AutoTrain's) into the form, from a path or an upload."""

    def __init__(self, on_load: Callable[[object], None], report_unexpected: Callable[[str], None],
                 confine: Confinement | None = None):
        self.on_load = on_load
        self.confine = confine or Confinement(None)
        guard = theme.guarded(self._report, report_unexpected)
        self.path = widgets.Text(description="YAML file", placeholder="path/to/config.yml", style=theme.label_style(),
                                 layout=theme.field_layout(theme.WIDE_WIDTH), continuous_update=False)
        self.path.add_class("tw-load-path")
        self.button = widgets.Button(description="Load", layout=widgets.Layout(width="80px"))
        self.button.add_class("tw-load")
        self.upload = widgets.FileUpload(accept=".yml,.yaml", multiple=False, description="Upload a YAML")
        self.upload.add_class("tw-load-upload")
        self.message = theme.message_widget("tw-load-message")
        self.button.on_click(guard(lambda _b: self.load_path()))
        self.upload.observe(guard(self._uploaded), names="value")
        self.widget = widgets.VBox([
            widgets.HTML(theme.help_html("Fill the whole form from a config: one exported here, or an AutoTrain "
                                         "YAML (its task names, column mapping and params are read as they are).")),
            theme.row(self.path, self.button), self.upload, self.message])
        self.widget.add_class("tw-load-config")

    def load_path(self) -> None:
        path = self.path.value.strip()
        if not path:
            self._report("give the path of a YAML file")
            return
        self.on_load(self.confine.path(path) if self.confine.active else path)
        theme.set_message(self.message, f"loaded {path}", "ok")

    def _uploaded(self, change) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0]
        content = item.get("content", b"")
        data = content.tobytes() if isinstance(content, memoryview) else bytes(content)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            self._report(f"{item.get('name', 'the file')} is not UTF-8 text")
            return
        from ..config.loader import config_from_dict, parse_yaml_text

        self.on_load(config_from_dict(parse_yaml_text(text, str(item.get("name") or "upload"))))
        theme.set_message(self.message, f"loaded {item.get('name', 'the upload')}", "ok")

    def _report(self, text: str) -> None:
        theme.set_message(self.message, text, "error")
