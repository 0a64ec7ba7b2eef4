"""Run history of the workdir: a table, curves overlaid, runs compared (config diff, final and best metrics, CSV),
and re-attaching to a run.

Everything is read from run directories (status.json, metrics.jsonl,
config.yml), so runs started by the CLI, another notebook or an earlier
session show up the same way.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import ipywidgets as widgets

from ..run.run_table import column_goal, config_diff, config_diff_many, csv_text, flatten, metrics_table, write_csv
from ..run.rundir import RunDirectory
from . import theme
from .confine import Confinement

__all__ = ["RunSummary", "find_run_dirs", "summarize", "list_runs", "flatten", "config_diff", "config_diff_many",
           "runs_table_html", "diff_html", "diff_many_html", "metrics_html", "HistoryPanel"]

CSV_NAME = "runs-compared.csv"
_ABSENT = object()  # a key a run's config does not have: shown apart from an explicit null


@dataclass
class RunSummary:
    """What the history table shows about one run directory."""

    path: Path
    name: str
    state: str
    task: str = ""
    step: int | None = None
    max_steps: int | None = None
    loss: float | None = None
    eval_loss: float | None = None
    updated: float | None = None
    config: dict = field(default_factory=dict)


def find_run_dirs(workdir: str | Path, depth: int = 3, allow: Callable[[Path], bool] | None = None) -> list[Path]:
    """Folders under ``workdir`` holding a status.json or config.yml (project names may contain '/').

    ``allow`` filters folders before anything in them is read (a served workspace skips symlinks leading out).
    """
    root = Path(workdir)
    if not root.is_dir():
        return []
    found = []
    frontier = [root]
    for _ in range(depth):
        nxt = []
        for folder in frontier:
            try:
                children = [c for c in folder.iterdir() if c.is_dir() and not c.name.startswith((".", "checkpoint-"))]
            except OSError:
                continue
            for child in children:
                if allow is not None and not allow(child):
                    continue
                if (child / "status.json").is_file() or ((child / "config.yml").is_file()
                                                          and (child / "metrics.jsonl").is_file()):
                    found.append(child)
                elif child.name not in ("uploads", "data", "demo"):
                    nxt.append(child)
        frontier = nxt
    return found


def summarize(path: Path, workdir: Path | None = None) -> RunSummary:
    import yaml

    rundir = RunDirectory(path)
    status = rundir.read_status() or {}
    metrics = rundir.read_metrics()
    config: dict = {}
    try:
        config = yaml.safe_load(rundir.config_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        pass
    losses = [m["loss"] for m in metrics if isinstance(m.get("loss"), (int, float))]
    evals = [m["eval_loss"] for m in metrics if isinstance(m.get("eval_loss"), (int, float))]
    steps = [m["step"] for m in metrics if isinstance(m.get("step"), int)]
    try:
        name = str(path.relative_to(workdir)) if workdir else path.name
    except ValueError:
        name = str(path)
    return RunSummary(
        path=path, name=name, state=status.get("state", "unknown"),
        task=str(config.get("task", status.get("task", ""))),
        step=status.get("step", steps[-1] if steps else None), max_steps=status.get("max_steps"),
        loss=losses[-1] if losses else None, eval_loss=evals[-1] if evals else None,
        updated=status.get("updated") or (path.stat().st_mtime if path.exists() else None), config=config,
    )


def list_runs(workdir: str | Path, allow: Callable[[Path], bool] | None = None) -> list[RunSummary]:
    """Every run under ``workdir``, newest first."""
    runs = [summarize(p, Path(workdir)) for p in find_run_dirs(workdir, allow=allow)]
    return sorted(runs, key=lambda r: r.updated or 0, reverse=True)


def runs_table_html(runs: list[RunSummary]) -> str:
    if not runs:
        return theme.help_html("No runs in this workdir yet.")
    colours = {"finished": theme.GREEN, "failed": theme.RED, "stopped": theme.AMBER}
    rows = []
    for run in runs:
        steps = f"{run.step}" + (f"/{run.max_steps}" if run.max_steps else "") if run.step is not None else ""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.updated)) if run.updated else ""
        colour = colours.get(run.state, theme.GREY)
        rows.append(
            f"<tr><td>{theme.esc(run.name)}</td><td>{theme.esc(run.task)}</td>"
            f'<td style="color:{colour}">{theme.esc(run.state)}</td><td>{steps}</td>'
            f"<td>{_num(run.loss)}</td><td>{_num(run.eval_loss)}</td><td>{when}</td></tr>")
    head = "".join(f"<th>{h}</th>" for h in ("run", "task", "state", "steps", "loss", "eval loss", "updated"))
    return (f'<div style="max-height:220px;overflow:auto"><table class="tw-table" style="{theme.TABLE_STYLE}">'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


def diff_html(name_a: str, name_b: str, rows: list[tuple[str, Any, Any]]) -> str:
    return diff_many_html([name_a, name_b], [(key, [a, b]) for key, a, b in rows])


def diff_many_html(names: list[str], rows: list[tuple[str, list]]) -> str:
    """The config keys that differ, one column per run (a key a run lacks shows as a grey dash)."""
    if not rows:
        return theme.help_html(f"{_and(names)} have the same config.")
    head = "".join(f"<th>{theme.esc(n)}</th>" for n in names)
    body = "".join(f"<tr><td><code>{theme.esc(key)}</code></td>{''.join(_diff_cell(v) for v in values)}</tr>"
                   for key, values in rows)
    return (f'<div style="max-width:100%;overflow-x:auto"><table class="tw-table tw-diff" style="{theme.TABLE_STYLE}">'
            f"<thead><tr><th>key</th>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def metrics_html(columns: list[str], rows: list[list]) -> str:
    """The runs' final and best metrics (4 significant digits); with 2+ runs the best of each column in bold."""
    if not rows:
        return ""
    best: dict[int, float] = {}
    for i, column in enumerate(columns):
        values = [row[i] for row in rows if isinstance(row[i], (int, float))]
        goal = column_goal(column)
        if goal and len(rows) >= 2 and len(values) >= 2 and min(values) != max(values):  # a tie all round: none
            best[i] = min(values) if goal == "min" else max(values)
    head = "".join(f"<th>{theme.esc(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            text = theme.esc(value) if isinstance(value, str) else _num(value)
            cells.append(f"<td><b>{text}</b></td>" if i in best and value == best[i] else f"<td>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    note = theme.help_html("final and best values" + (", the best of each column in bold" if best else ""))
    return (f'{note}<div style="max-width:100%;overflow-x:auto"><table class="tw-table tw-metrics" '
            f'style="{theme.TABLE_STYLE}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _diff_cell(value: Any) -> str:
    if value is _ABSENT:
        return f'<td style="color:{theme.GREY}" title="not in this config">&mdash;</td>'
    return f"<td>{theme.esc(value)}</td>"


def _and(names: list[str]) -> str:
    names = [str(n) for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _csv_link(text: str) -> str:
    """An ``<a download>`` with a data: URL: the CSV downloads from a Voila page with no server route."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (f'<a download="{CSV_NAME}" href="data:text/csv;base64,{payload}" class="tw-download" '
            f'style="color:#1565c0;text-decoration:underline">Download {CSV_NAME}</a>')


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else f"{value:.4g}"


class HistoryPanel:
    """The workdir's runs; select some to overlay their curves, diff their configs and compare their metrics
    (exported as CSV); re-attach to one."""

    def __init__(self, workdir: Path, on_attach: Callable[[str], None], report_unexpected: Callable[[str], None],
                 confine: Confinement | None = None):
        self.workdir = workdir
        self.confine = confine or Confinement(None)
        self.on_attach = on_attach
        self.runs: list[RunSummary] = []
        guard = theme.guarded(self._report, report_unexpected)
        self.refresh_button = widgets.Button(description="Refresh", layout=widgets.Layout(width="90px"))
        self.refresh_button.add_class("tw-history-refresh")
        self.table = widgets.HTML()
        self.table.add_class("tw-history-table")
        self.select = widgets.SelectMultiple(options=[], rows=5, description="Compare", style=theme.label_style(),
                                             layout=theme.field_layout(theme.WIDE_WIDTH))
        self.select.add_class("tw-history-select")
        self.plot = widgets.Image(format="png", layout=widgets.Layout(display="none", width="720px", max_width="100%",
                                                                      height="auto"))
        self.plot.add_class("tw-history-plot")
        self.diff = widgets.HTML()
        self.diff.add_class("tw-history-diff")
        self.metrics = widgets.HTML()
        self.metrics.add_class("tw-history-metrics")
        self.csv_button = widgets.Button(description="Export CSV", layout=widgets.Layout(width="120px"),
                                         tooltip=f"Write the chosen runs' metrics to {CSV_NAME} in the workdir")
        self.csv_button.add_class("tw-history-csv")
        self.csv_link = widgets.HTML()
        self.csv_link.add_class("tw-history-csv-link")
        self.attach_path = widgets.Text(description="Run directory", style=theme.label_style(),
                                        placeholder="a run directory (status.json, metrics.jsonl)",
                                        layout=theme.field_layout(theme.WIDE_WIDTH))
        self.attach_path.add_class("tw-attach-path")
        self.attach_button = widgets.Button(description="Re-attach", layout=widgets.Layout(width="100px"),
                                            tooltip="Show this run's curves and status and load its config")
        self.attach_button.add_class("tw-attach")
        self.message = theme.message_widget("tw-history-message")
        self.refresh_button.on_click(guard(lambda _b: self.refresh()))
        self.select.observe(guard(lambda change: self.compare()), names="value")
        self.attach_button.on_click(guard(lambda _b: self._attach_clicked()))
        self.csv_button.on_click(guard(lambda _b: self.export_csv()))
        self.widget = widgets.VBox([
            theme.row(self.refresh_button, widgets.HTML(theme.help_html(f"runs under {workdir}"))), self.table,
            self.select, self.plot, self.diff, self.metrics, theme.row(self.csv_button, self.csv_link),
            theme.row(self.attach_path, self.attach_button), self.message])
        self.widget.add_class(theme.HISTORY)

    def refresh(self) -> None:
        self.runs = list_runs(self.workdir, allow=self.confine.lists if self.confine.active else None)
        self.table.value = runs_table_html(self.runs)
        keep = [v for v in self.select.value if any(str(r.path) == v for r in self.runs)]
        self.select.options = [(f"{r.name}  ({r.state})", str(r.path)) for r in self.runs]
        self.select.value = tuple(keep)
        if keep:
            self.compare()

    def _attach_clicked(self) -> None:
        path = self.attach_path.value.strip()
        if not path:
            self._report("give a run directory (or select a run above)")
            return
        theme.set_message(self.message, None)
        self.on_attach(path)

    @property
    def chosen(self) -> list[RunSummary]:
        """The runs selected in the Compare list, in the table's order."""
        return [r for r in self.runs if str(r.path) in self.select.value]

    def compare(self) -> None:
        chosen = self.chosen
        self.csv_link.value = ""  # a link to an earlier choice would download the wrong runs
        if chosen:
            self.attach_path.value = str(chosen[0].path)
        if not chosen:
            self.plot.layout.display = "none"
            self.diff.value = self.metrics.value = ""
            return
        from .plot import overlay_png

        curves = {r.name: RunDirectory(r.path).read_metrics() for r in chosen}
        self.plot.value = overlay_png(curves)
        self.plot.layout.display = None
        if len(chosen) >= 2:
            rows = config_diff_many({r.name: r.config for r in chosen}, missing=_ABSENT)
            self.diff.value = diff_many_html([r.name for r in chosen], rows)
        else:
            self.diff.value = theme.help_html("Select two runs to see how their configs differ.")
        self.metrics.value = metrics_html(*metrics_table({r.name: r.path for r in chosen}))

    def export_csv(self) -> Path | None:
        """Write the chosen runs' metrics table to <workdir>/runs-compared.csv and offer it as a download."""
        chosen = self.chosen
        if not chosen:
            self._report("select one or more runs under Compare to export their metrics")
            return None
        columns, rows = metrics_table({r.name: r.path for r in chosen})
        target = self.confine.path(Path(self.workdir) / CSV_NAME)
        write_csv(columns, rows, target)
        self.csv_link.value = _csv_link(csv_text(columns, rows))
        theme.set_message(self.message, f"wrote {target} ({len(rows)} runs)", "info")
        return target

    def _report(self, text: str) -> None:
        theme.set_message(self.message, text, "error")
