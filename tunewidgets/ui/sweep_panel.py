"""The Sweep panel: turn form fields into ranges, start a sweep, watch its trials, load the best into the form.

The sweep runs in a background thread (``tunewidgets.sweep.Sweep``, trials as thread runs); the thread only sets
widget values: the trials table (HTML, the best row highlighted) and the objective plotted against each swept
field (a non-pyplot matplotlib Figure as PNG), redrawn when a trial ends. Stop ends the sweep after the current
trial. The sweep's files are the CLI's: ``<project_name>/trial-<n>/``, trials.csv, trials.md, best.yml.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any, Callable

import ipywidgets as widgets

from ..config.fields import field_specs
from ..config.loader import config_to_dict, load_config
from ..config.run_config import RunConfig
from ..config.sweep import RANGE_TYPES, SAMPLERS, trial_config
from ..errors import TunewidgetsError
from . import theme

SWEEP = "tw-sweep"
PLOT_WIDTH, PLOT_DPI = 3.0, 90  # inches per swept field, and the dots per inch it is shown at
BEST_SHADE = "#fff3c4"
_KINDS = ("int", "float", "choice", "bool")


def _number(text: str) -> Any:
    import yaml

    value = yaml.safe_load(text) if text.strip() else None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


class SweepPanel:
    """Ranges, settings, Start/Stop, the live trials table and plot, Load best."""

    def __init__(self, get_config: Callable[[], RunConfig], workdir: Path, load_best: Callable[[RunConfig], Any],
                 report: Callable[[str], None]):
        self.get_config = get_config
        self.workdir = Path(workdir)
        self.load_best_into_form = load_best
        self.report = report
        self.ranges: dict[str, dict] = {}
        self.sweep = None
        self._specs: dict[str, Any] = {}
        self._lock = threading.Lock()

        wide = theme.field_layout("220px")
        self.field = widgets.Dropdown(options=[], description="field", layout=wide)
        self.kind = widgets.Dropdown(options=list(RANGE_TYPES), description="range", layout=theme.field_layout("190px"))
        self.low = widgets.Text(placeholder="low", layout=theme.field_layout("90px"))
        self.high = widgets.Text(placeholder="high", layout=theme.field_layout("90px"))
        self.choices = widgets.Text(placeholder="choices: a, b, c", layout=theme.field_layout("160px"))
        self.add_button = widgets.Button(description="Add range", layout=widgets.Layout(width="100px"))
        self.ranges_list = widgets.Select(options=[], rows=3, layout=theme.field_layout(theme.WIDE_WIDTH))
        self.remove_button = widgets.Button(description="Remove", layout=widgets.Layout(width="100px"))
        self.trials = widgets.BoundedIntText(value=8, min=1, max=100000, description="trials",
                                             layout=theme.field_layout("150px"))
        self.metric = widgets.Text(value="eval_loss", description="metric", layout=theme.field_layout("220px"))
        self.direction = widgets.Dropdown(options=["minimize", "maximize"], layout=theme.field_layout("110px"))
        self.sampler = widgets.Dropdown(options=list(SAMPLERS), description="sampler",
                                        layout=theme.field_layout("180px"))
        self.start_button = widgets.Button(description="Start sweep", button_style="primary")
        self.stop_button = widgets.Button(description="Stop", disabled=True,
                                          tooltip="ends the sweep after the current trial")
        self.best_button = widgets.Button(description="Load best into form", disabled=True)
        self.status = widgets.HTML("")
        self.message = theme.message_widget("tw-sweep-message")
        self.table = widgets.HTML("")
        self.plot = widgets.Image(format="png", layout=widgets.Layout(display="none", max_width="100%"))
        for widget, cls in ((self.start_button, "tw-sweep-start"), (self.stop_button, "tw-sweep-stop"),
                            (self.best_button, "tw-sweep-best"), (self.table, "tw-sweep-table"),
                            (self.plot, "tw-sweep-plot"), (self.status, "tw-sweep-status"),
                            (self.field, "tw-sweep-field"), (self.kind, "tw-sweep-kind"), (self.low, "tw-sweep-low"),
                            (self.high, "tw-sweep-high"), (self.choices, "tw-sweep-choices"),
                            (self.add_button, "tw-sweep-add"), (self.ranges_list, "tw-sweep-ranges"),
                            (self.trials, "tw-sweep-trials"), (self.metric, "tw-sweep-metric"),
                            (self.direction, "tw-sweep-direction"), (self.sampler, "tw-sweep-sampler")):
            widget.add_class(cls)
        self.field.observe(lambda change: self._field_chosen(), names="value")
        self.add_button.on_click(lambda _: self._guard(self._add_clicked))
        self.remove_button.on_click(lambda _: self._guard(self._remove_clicked))
        self.start_button.on_click(lambda _: self._guard(self.start))
        self.stop_button.on_click(lambda _: self.stop())
        self.best_button.on_click(lambda _: self._guard(self.load_best))
        self.widget = theme.section(
            8, "Sweep", [
                theme.row(self.field, self.kind, self.low, self.high, self.choices, self.add_button),
                theme.row(self.ranges_list, self.remove_button),
                theme.row(self.trials, self.metric, self.direction, self.sampler),
                theme.row(self.start_button, self.stop_button, self.best_button, self.status),
                self.message, self.table, self.plot],
            SWEEP, "hyperparameter search (Optuna, the sweep extra): trials are runs in <project_name>/trial-<n>/")

    # --- the ranges
    def set_fields(self, config: RunConfig | None, params_type: type | None = None, hides: tuple = ()) -> None:
        """The fields of the form's params that can become ranges: the config's, or the task's params model
        (``params_type``) while the form is not complete yet, so the list is never empty; not those the task
        ignores (``hides``: TaskSpec.form_hides)."""
        params_type = type(config.params) if config is not None else params_type
        if params_type is None:
            return
        specs = {f"params.{s.name}": s for s in field_specs(params_type) if s.kind in _KINDS
                 and s.group != "hidden" and s.name not in hides}
        if list(specs) == list(self._specs):
            return
        self._specs = specs
        current = self.field.value
        self.field.options = list(specs)
        if current in specs:
            self.field.value = current
        elif "params.lr" in specs:
            self.field.value = "params.lr"

    def _field_chosen(self) -> None:
        spec = self._specs.get(self.field.value)
        if spec is None:
            return
        if spec.kind in ("choice", "bool"):
            self.kind.value = "categorical"
            values = spec.choices if spec.kind == "choice" else (True, False)
            self.choices.value = ", ".join(str(v) for v in values)
        elif spec.kind == "int":
            self.kind.value = "int"
        else:
            self.kind.value = "loguniform" if spec.name in ("lr", "learning_rate") else "uniform"

    def add_range(self, key: str, type: str, low: Any = None, high: Any = None,  # noqa: A002 - the YAML key
                  choices: list | None = None, step: Any = None) -> None:
        """Turn a form field into a range (checked with the whole config when the sweep starts)."""
        rng = {"type": type, "low": low, "high": high, "step": step, "choices": choices}
        self.ranges[key] = {k: v for k, v in rng.items() if v is not None}
        self._show_ranges()

    def _add_clicked(self) -> None:
        if not self.field.value:
            raise TunewidgetsError("choose a field to vary")
        if self.kind.value == "categorical":
            choices = [_number(c) for c in self.choices.value.split(",") if c.strip()]
            self.add_range(self.field.value, "categorical", choices=choices)
        else:
            self.add_range(self.field.value, self.kind.value, _number(self.low.value), _number(self.high.value))

    def _remove_clicked(self) -> None:
        key = (self.ranges_list.value or "").split(":")[0]
        self.ranges.pop(key, None)
        self._show_ranges()

    def _show_ranges(self) -> None:
        self.ranges_list.options = [f"{k}: {', '.join(f'{a}={b}' for a, b in r.items())}"
                                    for k, r in self.ranges.items()]

    # --- the sweep
    def sweep_config(self) -> RunConfig:
        """The form's config with the sweep section these widgets describe (ConfigError when it does not fit)."""
        if not self.ranges:
            raise TunewidgetsError("add a range first: choose a field, its range, then Add range")
        data = config_to_dict(self.get_config(), secrets="keep")
        data["sweep"] = {"trials": int(self.trials.value), "metric": self.metric.value.strip(),
                         "direction": self.direction.value, "sampler": self.sampler.value, "params": self.ranges}
        return load_config(data)

    def start(self):
        from ..sweep.runner import Sweep

        if self.sweep is not None and not self.sweep.done:
            raise TunewidgetsError("a sweep is running: Stop it first")
        theme.set_message(self.message, None)
        sweep = Sweep(self.sweep_config(), workdir=self.workdir, mode="thread")
        self.sweep = sweep
        sweep.subscribe(lambda kind, data: self._event(sweep, kind, data))
        self.start_button.disabled, self.stop_button.disabled, self.best_button.disabled = True, False, True
        self.status.value = theme.help_html("starting")
        self.table.value = ""
        sweep.start()
        return sweep

    def stop(self) -> None:
        if self.sweep is not None:
            self.sweep.stop()
            self.stop_button.disabled = True
            self.status.value = theme.help_html("stopping after the current trial")

    def best_config(self) -> RunConfig | None:
        if self.sweep is None or self.sweep.best is None:
            return None
        best = self.sweep.best
        values = {k: best[k] for k in self.sweep.keys if best.get(k) is not None}
        return trial_config(self.sweep.config, values, f"{self.sweep.config.project_name}-best")

    def load_best(self) -> None:
        config = self.best_config()
        if config is None:
            raise TunewidgetsError("no trial has finished yet")
        self.load_best_into_form(config)
        self.status.value = theme.help_html(f"trial {self.sweep.best['trial']} loaded into the form "
                                            f"(project_name {config.project_name})")

    # --- in the sweep's thread: widget values only
    def _event(self, sweep, kind: str, data: dict) -> None:
        try:
            if kind == "trial-started":
                values = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                   for k, v in data["values"].items())
                self.status.value = theme.help_html(f"trial {data['trial']} training: {values}")
            elif kind == "trial-event" and data["event"].kind == "progress":
                event = data["event"]
                self.status.value = theme.help_html(f"trial {data['trial']}: step {event['step']} of "
                                                    f"{event['max_steps']}")
            elif kind in ("trial-ended", "finished"):
                with self._lock:
                    sweep.refresh()
                    self.table.value = trials_html(sweep.rows, sweep.keys, sweep.sweep.metric, sweep.best)
                    log_keys = {k for k, r in sweep.sweep.params.items() if r.type == "loguniform"}
                    png = objective_png(sweep.rows, sweep.keys, sweep.sweep.metric, sweep.best, log_keys)
                    if png:
                        self.plot.value = png
                        # shown at the size it was drawn (a small PNG stretched to the page's width blurs)
                        self.plot.layout.width = f"{int(PLOT_WIDTH * PLOT_DPI * max(len(sweep.keys), 1))}px"
                        self.plot.layout.display = None
                self.best_button.disabled = sweep.best is None
                if kind == "finished":
                    self.start_button.disabled, self.stop_button.disabled = False, True
                    done = sum(1 for r in sweep.rows if r["state"] == "finished")
                    self.status.value = theme.help_html(f"sweep ended: {done} trial(s) finished"
                                                        + (f"; best: trial {sweep.best['trial']}" if sweep.best
                                                           else ""))
            elif kind == "message" and data.get("level") == "error":
                theme.set_message(self.message, data["text"])
        except Exception:  # noqa: BLE001 - a drawing problem must never reach the sweep's thread
            import traceback

            self.report(traceback.format_exc())

    def _guard(self, fn) -> None:
        try:
            fn()
        except TunewidgetsError as exc:
            theme.set_message(self.message, str(exc))
        except Exception:  # noqa: BLE001 - shown, not raised into the widget's callback
            import traceback

            theme.set_message(self.message, "unexpected error (details in the log)")
            self.report(traceback.format_exc())


def trials_html(rows: list[dict], keys: list[str], metric: str, best: dict | None) -> str:
    """The trials as an HTML table; the best trial's row highlighted."""
    head = ["trial", "state", metric, *keys, "seconds", "note"]
    cells = "".join(f'<th style="text-align:left;padding:2px 6px">{theme.esc(h)}</th>' for h in head)
    lines = [f'<table class="tw-sweep-trials" style="{theme.TABLE_STYLE}"><tr>{cells}</tr>']
    for row in rows:
        is_best = best is not None and row["trial"] == best["trial"]
        style = f' style="background:{BEST_SHADE};font-weight:600"' if is_best else ""
        values = [row["trial"], row["state"], row["value"], *(row.get(k) for k in keys), row.get("duration_s"),
                  row.get("error") or ""]
        tds = "".join(f'<td style="padding:2px 6px">{theme.esc(_fmt(v))}</td>' for v in values)
        lines.append(f'<tr class="{"tw-sweep-best-row" if is_best else ""}"{style}>{tds}</tr>')
    lines.append("</table>")
    return "".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def objective_png(rows: list[dict], keys: list[str], metric: str, best: dict | None, log_keys: set | None = None,
                  width: float = PLOT_WIDTH, height: float = 2.4, dpi: int = 0) -> bytes | None:
    """The metric against each swept field (one panel each), the best trial in red; None before any result."""
    done = [r for r in rows if r["value"] is not None]
    if not done:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width * len(keys), height), dpi=dpi or PLOT_DPI * 2, layout="constrained")  # 2x: sharp
    FigureCanvasAgg(figure)
    for i, key in enumerate(keys):
        ax = figure.add_subplot(1, len(keys), i + 1)
        points = [(r[key], r["value"], r) for r in done if r.get(key) is not None]
        numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x, _, _ in points)
        labels = sorted({str(x) for x, _, _ in points}) if not numeric else []
        xs = [x if numeric else labels.index(str(x)) for x, _, _ in points]
        colours = ["#d62728" if best is not None and r["trial"] == best["trial"] else
                   ("#1f77b4" if r["state"] == "finished" else "#aaaaaa") for _, _, r in points]
        ax.scatter(xs, [y for _, y, _ in points], c=colours, s=22)
        if not numeric:
            ax.set_xticks(range(len(labels)), labels)
        elif key in (log_keys or ()):
            from matplotlib.ticker import NullFormatter

            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())  # 2x10^-3, 3x10^-3 ... overlap in a narrow panel
        ax.set_xlabel(key, fontsize=8)
        ax.set_ylabel(metric if i == 0 else "", fontsize=8)
        ax.tick_params(labelsize=7)
    buffer = io.BytesIO()
    figure.canvas.print_png(buffer)
    return buffer.getvalue()
