"""4 Checks before training: one example with its loss tokens shaded, token lengths, warnings, and whether the
training step fits the GPU (the memory estimate).

The checks load the real tokenizer (a few seconds the first time: transformers
is imported then, not when the app is built) in the background, so the
notebook stays usable; results only set widget values.
"""

from __future__ import annotations

from typing import Callable

import ipywidgets as widgets

from ..config.run_config import RunConfig
from ..config.tasks import TASKS
from . import theme
from .memory_view import MemoryView

ROWS_CHECKED = 1000


class ChecksPanel:
    """A Run checks button and what the checks found."""

    def __init__(self, get_config: Callable[[], RunConfig], get_rows: Callable[[int], tuple[list[dict], int | None]],
                 background: theme.Background, report_unexpected: Callable[[str], None]):
        self.get_config = get_config
        self.get_rows = get_rows
        self.background = background
        self.report_unexpected = report_unexpected
        self.run_button = widgets.Button(description="Run checks", layout=widgets.Layout(width="110px"),
                                         tooltip="Load the tokenizer and inspect the data as training will see it")
        self.run_button.add_class("tw-checks-run")
        self.example = widgets.BoundedIntText(value=0, min=0, max=0, description="Example", layout=widgets.Layout(
            width="160px"), style={"description_width": "60px"})
        self.example.add_class("tw-example-index")
        self.summary = widgets.HTML(theme.help_html(
            f"Loads the tokenizer and reads up to {ROWS_CHECKED:,} rows: the example as the model sees it, how many "
            "examples are too long, and what would waste a run."))
        self.summary.add_class("tw-checks-summary")
        self.mask = widgets.HTML()
        self.mask.add_class("tw-loss-mask")
        self.histogram = widgets.Image(format="png", layout=widgets.Layout(display="none", width="540px",
                                                                           max_width="100%", height="auto"))
        self.histogram.add_class("tw-token-hist")
        self.warnings = widgets.HTML()
        self.warnings.add_class("tw-warnings")
        self.message = theme.message_widget("tw-checks-message")
        from ..device import guess_device

        self.memory = MemoryView(lambda fn: self.background.start("memory", fn),
                                 has_gpu=guess_device(None).device == "cuda")
        self.report = None
        self._config: RunConfig | None = None
        self._checked_yaml: str | None = None
        self.run_button.on_click(theme.guarded(self._error, report_unexpected)(lambda _b: self.start()))
        self.example.observe(theme.guarded(self._error, report_unexpected)(self._example_changed), names="value")
        self.widget = theme.section(
            4, "Checks", [theme.row(self.run_button, self.example), self.summary, self.message, self.mask,
                          self.histogram, self.warnings, self.memory.widget], theme.CHECKS,
            "See what the model will be trained on before you press Train.")

    def set_task(self, task: str) -> None:
        if TASKS[task].chat_template:
            return
        self.summary.value = theme.help_html(
            "For this task the checks look at the labels, the data size and the settings (token checks are "
            "for the language-model tasks).")

    def mark_stale(self, yaml_now: str | None) -> None:
        if self._checked_yaml is not None and yaml_now != self._checked_yaml and self.report is not None:
            note = theme.message_html("the form changed since these checks: run them again", "info")
            if note not in self.summary.value:
                self.summary.value += note

    def start(self) -> None:
        """Run the checks in the background (``app.join_background()`` waits for them)."""
        if self.background.busy("checks"):
            return
        config = self.get_config()  # raises ConfigError: shown in red by the guard
        theme.set_message(self.message, None)
        self.summary.value = theme.help_html("checking: loading the tokenizer and reading the data ...")
        self.run_button.disabled = True
        self.background.start("checks", lambda: self._run(config))

    def run_now(self) -> None:
        """The same checks in the calling thread (scripts, tests)."""
        self._run(self.get_config())

    def _run(self, config: RunConfig) -> None:
        from ..errors import TunewidgetsError
        from . import checks
        from .plot import histogram_png

        try:
            rows, total = self.get_rows(ROWS_CHECKED)
            if not rows:
                raise TunewidgetsError("no data to check: choose the data first")
            report = TASKS[config.task].checks(config, rows, total)
            self.report, self._config = report, config
            from .export import config_yaml

            self._checked_yaml = config_yaml(config)
            self.summary.value = (f'<span style="font-size:13px"><b>{theme.esc(report.summary())}</b></span>'
                                  if report.lengths is not None else theme.help_html(report.summary()))
            self.mask.value = checks.render_tokens(report.view) if report.view is not None else ""
            if report.lengths:
                self.histogram.value = histogram_png(report.lengths, report.max_length)
                self.histogram.layout.display = None
            else:
                self.histogram.layout.display = "none"
            self.warnings.value = "".join(theme.message_html(text, level) for level, text in report.warnings)
            self.example.max = max(report.num_checked - 1, 0)
            self._estimate(config)
        except TunewidgetsError as exc:
            self._error(str(exc))
        except Exception as exc:  # noqa: BLE001 - shown, never raised into the notebook
            import traceback

            self._error(f"the checks failed: {type(exc).__name__}: {exc}")
            self.report_unexpected(traceback.format_exc())
        finally:
            self.run_button.disabled = False

    def _estimate(self, config: RunConfig) -> None:
        """The memory estimate after the data checks; its failure is a note, never a failed check."""
        try:
            self.memory.show(config)
        except Exception as exc:  # noqa: BLE001 - an estimate that cannot be made must not hide the checks
            import traceback

            theme.set_message(self.memory.verdict, f"no memory estimate: {type(exc).__name__}: {exc}", "info")
            self.report_unexpected(traceback.format_exc())

    def _example_changed(self, change) -> None:
        if self.report is None or self.report.view_of is None:
            return
        from . import checks

        self.mask.value = checks.render_tokens(self.report.view_of(int(change["new"])))

    def _error(self, text: str) -> None:
        theme.set_message(self.message, text, "error")
        self.summary.value = ""

