"""Results > Compare: trained runs (and the base model they started from) answer the same prompts, side by side.

The runs come from the workdir, as History lists them; the prompts are typed, one per line, or taken from the
first run's validation split as training laid them out (with their references). The answers are written by
``tunewidgets.compare`` (what ``tunewidgets compare`` prints), one model in memory at a time, in a background
thread that only sets widget values. An answer equal to its reference is shaded green; the table downloads as
JSON lines.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Callable

import ipywidgets as widgets

from . import theme
from .answer_cells import answer_cell, table, text_cell
from .confine import Confinement
from .history import list_runs


class ComparePanel:
    """Pick runs, pick prompts, press Compare, read the answers side by side."""

    def __init__(self, workdir: Path, background: theme.Background, report_unexpected: Callable[[str], None],
                 confine: Confinement | None = None):
        self.workdir = Path(workdir)
        self.background = background
        self.confine = confine or Confinement(None)
        guard = theme.guarded(self._error, report_unexpected)
        self.runs = widgets.SelectMultiple(options=[], rows=5, description="Runs", style=theme.label_style(),
                                           layout=theme.field_layout(theme.WIDE_WIDTH))
        self.runs.add_class("tw-compare-runs")
        self.refresh_button = widgets.Button(description="Refresh", layout=widgets.Layout(width="90px"))
        self.refresh_button.add_class("tw-compare-refresh")
        self.base = widgets.Checkbox(value=True, description="and the base model they started from", indent=False,
                                     layout=widgets.Layout(width="300px"))
        self.base.add_class("tw-compare-base")
        self.source = widgets.ToggleButtons(options=[("Validation prompts", "valid"), ("My prompts", "typed")],
                                            value="valid", style={"button_width": "150px"})
        self.source.add_class("tw-compare-source")
        self.count = widgets.BoundedIntText(value=5, min=1, max=64, description="How many",
                                            style=theme.label_style(), layout=widgets.Layout(width="260px"))
        self.count.add_class("tw-compare-count")
        self.prompts = widgets.Textarea(placeholder="One prompt per line", description="Prompts",
                                        style=theme.label_style(),
                                        layout=widgets.Layout(width=theme.WIDE_WIDTH, height="80px", display="none"))
        self.prompts.add_class("tw-compare-prompts")
        self.max_new_tokens = widgets.BoundedIntText(value=64, min=1, max=4096, description="Max new tokens",
                                                     style=theme.label_style(), layout=widgets.Layout(width="260px"))
        self.button = widgets.Button(description="Compare", button_style="primary",
                                     layout=widgets.Layout(width="110px"),
                                     tooltip="Each chosen model answers the prompts, one model in memory at a time")
        self.button.add_class("tw-compare-button")
        self.stop_button = widgets.Button(description="Stop", disabled=True, layout=widgets.Layout(width="80px"),
                                          tooltip="Stop before the next model answers (or while waiting for a slot)")
        self.stop_button.add_class("tw-compare-stop")
        self._stop_asked = False
        self.progress = widgets.HTML()
        self.progress.add_class("tw-compare-progress")
        self.table = widgets.HTML()
        self.table.add_class("tw-compare-table")
        self.download = widgets.HTML()
        self.download.add_class("tw-compare-download")
        self.message = theme.message_widget("tw-compare-message")
        self.comparison = None  # the last Comparison (tunewidgets.compare)
        self.refresh_button.on_click(guard(lambda _b: self.refresh()))
        self.button.on_click(guard(lambda _b: self.start()))
        self.stop_button.on_click(guard(lambda _b: self.stop()))
        self.source.observe(guard(lambda change: self._source_changed()), names="value")
        self.widget = widgets.VBox([
            theme.row(self.runs, self.refresh_button), self.base, self.source, self.count, self.prompts,
            theme.row(self.max_new_tokens, self.button, self.stop_button), self.progress, self.message, self.table,
            self.download])
        self.widget.add_class("tw-compare")

    # ------------------------------------------------------------------ choosing

    def refresh(self, runs=None) -> None:
        """List the workdir's finished runs of tasks that write text, newest first (``runs``: History's list, read
        a moment ago, rather than reading every run directory again)."""
        from ..config.tasks import TASKS, canonical_task

        if runs is None:
            runs = list_runs(self.workdir, allow=self.confine.lists if self.confine.active else None)
        keep = set(self.runs.value)
        options = []
        for run in runs:
            task = canonical_task(run.task) if run.task else None
            if run.state == "finished" and task in TASKS and TASKS[task].generates:
                options.append((f"{run.name}  ({task})", str(run.path)))
        self.runs.options = options
        self.runs.value = tuple(v for _, v in options if v in keep)
        if not options:
            self.progress.value = theme.help_html("No finished run of a task that writes text in this workdir yet.")

    def choose(self, run_dirs) -> None:
        """Select these runs (the ones History has chosen) among those that can answer; others are left out."""
        options = {value for _, value in self.runs.options}
        if not set(map(str, run_dirs)) <= options:
            self.refresh()
            options = {value for _, value in self.runs.options}
        self.runs.value = tuple(str(d) for d in run_dirs if str(d) in options)

    def _source_changed(self) -> None:
        typed = self.source.value == "typed"
        self.prompts.layout.display = None if typed else "none"
        self.count.layout.display = "none" if typed else None

    # ------------------------------------------------------------------ comparing

    @property
    def busy(self) -> bool:
        return self.background.busy("compare")

    def start(self) -> None:
        """What Compare does: check the choices here, answer in the background."""
        if self.busy:
            self._error("a comparison is running: wait for it to end")
            return
        runs = [Path(v) for v in self.runs.value]
        if not runs:
            self._error("choose one or more runs (Refresh lists the finished ones)")
            return
        texts = [line.strip() for line in self.prompts.value.splitlines() if line.strip()]
        if self.source.value == "typed" and not texts:
            self._error("type one or more prompts, one per line")
            return
        for run in runs:
            self._check_confined(run)
        theme.set_message(self.message, None)
        self.button.disabled = True
        self.stop_button.disabled = False
        self._stop_asked = False
        self.table.value = self.download.value = ""
        self.progress.value = theme.help_html("starting ...")
        base, count, tokens = self.base.value, self.count.value, self.max_new_tokens.value
        source = self.source.value
        self.background.start("compare", lambda: self._compare(runs, base, source, texts, count, tokens))

    def stop(self) -> None:
        """End the comparison before the next model loads: the columns answered so far stay."""
        self._stop_asked = True
        self.stop_button.disabled = True
        self.progress.value = theme.help_html("stopping before the next model ...")

    def _check_confined(self, run: Path) -> None:
        """A served workspace: the run, its data and (with the base) its base model must lie inside."""
        if not self.confine.active:
            return
        import yaml

        self.confine.run_dir(run, must_exist=True)
        config = yaml.safe_load((run / "config.yml").read_text(encoding="utf-8")) or {}
        if self.base.value and config.get("base_model"):
            self.confine.source(str(config["base_model"]))
        data = (config.get("data") or {}).get("path")
        if self.source.value == "valid" and data:
            self.confine.source(str(data))

    def _compare(self, runs: list[Path], base: bool, source: str, texts: list[str], count: int,
                 max_new_tokens: int) -> None:
        from ..compare.compare import compare
        from ..compare.prompts import prompts_from_texts, prompts_from_valid
        from ..errors import TunewidgetsError
        from ..run.slots import take

        slot = None
        try:
            # on a served dashboard, loading models to compare takes a training slot as a run does (one GPU's
            # memory is shared by the tabs)
            slot = take("compare", on_wait=lambda text: setattr(self.progress, "value", theme.help_html(
                text.replace("this run starts", "the comparison starts"))), should_stop=lambda: self._stop_asked)
            if self._stop_asked:
                self.progress.value = theme.help_html("stopped before any model answered")
                return
            if source == "typed":
                examples = prompts_from_texts(texts)
            else:
                self.progress.value = theme.help_html(f"reading {count} validation prompts of {runs[0].name} ...")
                examples = prompts_from_valid(runs[0], count)
            comparison = compare(runs, examples, base=base, max_new_tokens=max_new_tokens, workdir=self.workdir,
                                 on_progress=lambda text: setattr(self.progress, "value", theme.help_html(text)),
                                 should_stop=lambda: self._stop_asked)
        except TunewidgetsError as exc:
            self.progress.value = ""
            self._error(_in_app_words(str(exc)))
            return
        except Exception as exc:  # noqa: BLE001 - a model that cannot answer: said here, never a dead thread
            self.progress.value = ""
            self._error(f"{type(exc).__name__}: {exc}")
            return
        finally:
            if slot is not None:
                slot.release()
            self.button.disabled = False
            self.stop_button.disabled = True
        self.comparison = comparison
        notes = "".join(f"<br>{theme.esc(n)}" for n in comparison.notes)
        self.progress.value = theme.help_html(f"{len(comparison.rows)} prompts, {len(comparison.columns)} models")
        if notes:
            self.progress.value += f'<div class="tw-help" style="color:{theme.GREY};font-size:12px">{notes}</div>'
        self.table.value = comparison_table(comparison.columns, comparison.rows)
        self.download.value = _download_link(comparison.records())

    def _error(self, text: str) -> None:
        theme.set_message(self.message, text, "error")


def comparison_table(columns: list[str], rows: list[dict]) -> str:
    """#, prompt, reference, then one column per model; an answer equal to its reference shaded green."""
    body = []
    for number, row in enumerate(rows, 1):
        reference = row.get("reference")
        cells = [f"<td>{number}</td>", text_cell(row.get("prompt")), text_cell(reference, grey=True)]
        cells += [answer_cell(row.get(key) or "", reference, "tw-compare-answer") for key in columns]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return table(["#", "prompt", "reference", *columns], body, max_height=420)


# The compare package speaks the CLI's language; the panel says the same in its own controls' names.
_CLI_WORDS = (('give --prompts FILE.jsonl with an "image" path in every row',
               "use Validation prompts (their rows carry the images)"),
              ("give --prompts FILE", "choose My prompts and type some"))


def _in_app_words(message: str) -> str:
    for cli, app in _CLI_WORDS:
        message = message.replace(cli, app)
    return message


def _download_link(records: list[dict]) -> str:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    data = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (f'<a download="comparison.jsonl" href="data:application/jsonl;base64,{data}" '
            f'style="font-size:12px">Download the answers (JSON lines)</a>')
