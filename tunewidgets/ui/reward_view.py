"""Rewards in the app: the live reward plot and recent completions (RewardView), and picking the reward
functions (RewardPicker).

RewardView shows itself when a run logs rewards (TRL's GRPO logs ``reward``, ``rewards/<name>/mean`` and
``completions/mean_length``): the total and each function's mean reward, the completion lengths, and a table of
a few completions the model just wrote with their rewards, read from the run directory's completions.jsonl
(so a subprocess or a re-attached run shows the same). Like the loss plot it redraws at most twice a second,
in the thread that emits the events, and only sets widget values.

RewardPicker shows itself when the task's params have ``reward_functions``: TRL's built-ins, the functions
defined in this notebook (a copy of the source goes to ``<workdir>/rewards/<name>.py``, so the exported YAML, a
subprocess and the ejected script import it; a run in this kernel calls the function itself) and a
``file.py:function`` box. What it adds lands in the form's reward_functions field, the one source of truth.
"""

from __future__ import annotations

import inspect
import io
import math
import re
import threading
import time
from pathlib import Path
from typing import Callable

import ipywidgets as widgets

from . import theme
from .plot import downsample

TOTAL_COLOUR = "#1f77b4"
FUNCTION_COLOURS = ("#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
LENGTH_COLOUR = "#d62728"
_FUNCTION_KEY = re.compile(r"^rewards/(?P<name>.+)/mean$")
TABLE_ROWS = 6
CSS_CLASS = "tw-rewards"


class _Points:
    def __init__(self) -> None:
        self.x: list[float] = []
        self.y: list[float] = []

    def add(self, x: float, y) -> None:
        if isinstance(y, (int, float)) and not isinstance(y, bool) and math.isfinite(y):
            self.x.append(x)
            self.y.append(float(y))


class RewardView:
    """Total and per-function reward, completion lengths, and recent completions; hidden until rewards arrive."""

    def __init__(self, width: float = 8.6, height: float = 2.5, dpi: int = 90, min_interval: float = 0.5,
                 max_points: int = 800, budget: float = 0.03):
        self.width, self.height, self.dpi = width, height, dpi
        self.min_interval, self.max_points, self.budget = min_interval, max_points, budget
        self.title = widgets.HTML('<b style="font-size:13px">Rewards</b>')
        self.caption = widgets.HTML()
        self.caption.add_class("tw-rewards-caption")
        self.image = widgets.Image(format="png", layout=widgets.Layout(
            width=f"{int(width * dpi)}px", max_width="100%", height="auto"))
        self.image.add_class("tw-rewards-plot")
        self.table = widgets.HTML()
        self.table.add_class("tw-completions")
        self.widget = widgets.VBox([self.title, self.caption, self.image, self.table],
                                   layout=widgets.Layout(display="none"))
        self.widget.add_class(CSS_CLASS)
        self._lock = threading.Lock()
        self.draws = 0
        self.draw_seconds = 0.0
        self.last_draw: float | None = None
        self.samples: list[dict] = []  # the newest logged step's completions
        self.samples_step: int | None = None
        self._reset(None)

    def _reset(self, run_dir) -> None:
        self.run_dir = Path(run_dir) if run_dir else None
        self.total = _Points()
        self.functions: dict[str, _Points] = {}
        self.lengths = {key: _Points() for key in ("mean", "min", "max")}
        self._offset = 0
        self._dirty = False
        self._figure = None
        self.samples, self.samples_step = [], None

    # ------------------------------------------------------------------ data

    def show(self, run_dir) -> None:
        """Get ready for a run writing ``run_dir`` (hidden until it logs a reward)."""
        with self._lock:
            self._reset(run_dir)
            self.last_draw = None
        self.widget.layout.display = "none"
        self.image.value = b""
        self.caption.value = self.table.value = ""

    def add(self, record: dict) -> None:
        """One metrics record; those without rewards are ignored (eval records: eval_reward)."""
        step = record.get("step")
        if step is None or "reward" not in record:
            return
        x = float(step)
        with self._lock:
            self.total.add(x, record.get("reward"))
            for key, value in record.items():
                match = _FUNCTION_KEY.match(key)
                if match:
                    self.functions.setdefault(match["name"], _Points()).add(x, value)
            for key in self.lengths:
                self.lengths[key].add(x, record.get(f"completions/{key}_length"))
            self._dirty = True

    @property
    def active(self) -> bool:
        return bool(self.total.x)

    @property
    def interval(self) -> float:
        return max(self.min_interval, self.draw_seconds / self.budget if self.budget > 0 else 0.0)

    def maybe_draw(self) -> bool:
        """Redraw when there is news and the last redraw is at least ``interval`` old (at most ~2 a second)."""
        if not self._dirty:
            return False
        if self.last_draw is not None and time.monotonic() - self.last_draw < self.interval:
            return False
        self.draw()
        return True

    def draw(self) -> None:
        """Render the plot and the completions table now (the run's last redraw, or a re-attach)."""
        if not self.active:
            self._read_samples()
            return
        started = time.perf_counter()
        try:
            png = self._render()
            self._read_samples()
            self.table.value = completions_table(self.samples, self.samples_step, list(self.functions))
        finally:
            cost = time.perf_counter() - started
            self.draw_seconds = cost if self.draws <= 1 else 0.7 * self.draw_seconds + 0.3 * cost
        self.image.value = png
        self.widget.layout.display = None

    def _read_samples(self) -> None:
        if self.run_dir is None:
            return
        from ..tasks.shared.samples import read_samples

        records, self._offset = read_samples(self.run_dir, self._offset)
        if records:
            self.samples, self.samples_step = records[-1].get("samples") or [], records[-1].get("step")

    # ------------------------------------------------------------------ drawing

    def _render(self) -> bytes:
        with self._lock:
            self._dirty = False
            self.last_draw = time.monotonic()
            self.draws += 1
            figure = self._ensure_figure(len(self.functions))
            reward_ax, length_ax = figure.axes
            self._lines["total"].set_data(*downsample(self.total.x, self.total.y, self.max_points))
            latest = {"reward": self.total.y[-1]}
            for (name, points), line in zip(self.functions.items(), self._function_lines):
                line.set_data(*downsample(points.x, points.y, self.max_points))
                if points.y:
                    latest[name] = points.y[-1]
            for key in self.lengths:
                self._lines[f"length_{key}"].set_data(*downsample(self.lengths[key].x, self.lengths[key].y,
                                                                  self.max_points))
            for ax in (reward_ax, length_ax):
                ax.relim()
                ax.autoscale_view()
            mean_length = self.lengths["mean"].y[-1] if self.lengths["mean"].y else None
            self.caption.value = _caption(list(self.functions), latest, mean_length,
                                          first=self.total.y[0] if self.total.y else None)
            buffer = io.BytesIO()
            self._canvas.print_png(buffer, pil_kwargs={"compress_level": 1})
            return buffer.getvalue()

    def _ensure_figure(self, functions: int):
        """One figure, rebuilt only when a new reward function appears (its line needs a colour)."""
        if self._figure is not None and len(self._function_lines) >= min(functions, len(FUNCTION_COLOURS)):
            return self._figure
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        figure = Figure(figsize=(self.width, self.height), dpi=self.dpi)
        figure.subplots_adjust(left=0.07, right=0.985, bottom=0.12, top=0.93, wspace=0.22)
        self._canvas = FigureCanvasAgg(figure)
        grid = figure.add_gridspec(1, 3)
        reward_ax, length_ax = figure.add_subplot(grid[0, :2]), figure.add_subplot(grid[0, 2])
        for ax in (reward_ax, length_ax):
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
            ax.grid(True, alpha=0.3)
            ax.tick_params(labelsize=8)
        self._lines = {
            "total": reward_ax.plot([], [], "o-", color=TOTAL_COLOUR, linewidth=2.0, markersize=3)[0],
            "length_mean": length_ax.plot([], [], "-", color=LENGTH_COLOUR, linewidth=1.6)[0],
            "length_min": length_ax.plot([], [], ":", color=LENGTH_COLOUR, linewidth=1.0)[0],
            "length_max": length_ax.plot([], [], ":", color=LENGTH_COLOUR, linewidth=1.0)[0],
        }
        self._function_lines = [reward_ax.plot([], [], "-", color=colour, linewidth=1.2)[0]
                                for colour in FUNCTION_COLOURS[:max(functions, 1)]]
        self._figure = figure
        return figure


def _caption(names: list[str], latest: dict, mean_length: float | None, first: float | None = None) -> str:
    def key(colour: str, text: str, value) -> str:
        shown = f" <b>{value:.3g}</b>" if isinstance(value, (int, float)) else ""
        return (f'<span style="white-space:nowrap"><span style="color:{colour};font-size:14px">●</span> '
                f"{theme.esc(text)}{shown}</span>")

    since = f" (from {first:.3g})" if first is not None else ""
    parts = [key(TOTAL_COLOUR, "total reward" + since, latest.get("reward"))]
    parts += [key(colour, name, latest.get(name)) for colour, name in zip(FUNCTION_COLOURS, names)]
    parts.append(key(LENGTH_COLOUR, "completion length, mean and min/max (right)", mean_length))
    return (f'<div style="font-size:12px;line-height:1.4;color:#333">{" &nbsp; ".join(parts)} '
            f'<span style="color:{theme.GREY}">· x axis: optimizer step</span></div>')


def completions_table(samples: list[dict], step: int | None, names: list[str], rows: int = TABLE_ROWS) -> str:
    """Recent completions with each reward function's value and the weighted total (HTML)."""
    if not samples:
        return ""
    names = names or sorted({n for s in samples for n in (s.get("rewards") or {})})
    cell = "padding:3px 6px;border-bottom:1px solid #eee;vertical-align:top"
    text_cell = cell + ";max-width:340px;white-space:pre-wrap;word-break:break-word;font-family:monospace"
    head = "".join(f'<th style="{cell};text-align:left">{theme.esc(h)}</th>'
                   for h in ("prompt", "completion", *names, "total"))
    body = []
    for sample in samples[:rows]:
        rewards = sample.get("rewards") or {}
        values = [rewards.get(n) for n in names] + [sample.get("reward")]
        numbers = "".join(f'<td style="{cell};text-align:right">{"-" if v is None else f"{v:.3g}"}</td>'
                          for v in values)
        body.append(f'<tr><td style="{text_cell};color:#555">{theme.esc(_tail(sample.get("prompt", ""), 120))}</td>'
                    f'<td style="{text_cell}">{theme.esc(sample.get("completion", ""))}</td>{numbers}</tr>')
    title = f"Recent completions (step {step}, {min(rows, len(samples))} of the newest batch)"
    return (f'<div class="tw-completions-table"><div style="font-size:12px;color:{theme.GREY};margin:4px 0">'
            f'{theme.esc(title)}</div><table style="{theme.TABLE_STYLE}"><tr>{head}</tr>{"".join(body)}</table>'
            '</div>')


def _tail(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


# --------------------------------------------------------------------------- choosing reward functions


def notebook_functions(namespace: dict | None) -> list[tuple[str, str]]:
    """(label, name) for the functions defined in the notebook that can take a ``completions`` keyword."""
    found = []
    for name, obj in (namespace or {}).items():
        if name.startswith("_") or not inspect.isfunction(obj) or obj.__module__ != "__main__":
            continue
        try:
            parameters = inspect.signature(obj).parameters
        except (TypeError, ValueError):
            continue
        if "completions" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            found.append((f"{name}  (this notebook)", name))
    return sorted(found, key=lambda item: item[1].lower())


class RewardPicker:
    """Adds reward functions to the params form's ``reward_functions``: TRL's, the notebook's or a file's."""

    FIELD = "reward_functions"

    def __init__(self, form_of: Callable[[], object], workdir: Path, namespace: Callable[[], dict | None],
                 report_unexpected: Callable[[str], None] | None = None, confine=None):
        from ..config.params_grpo import BUILTIN_REWARD_FACTORIES, BUILTIN_REWARDS

        self.form_of = form_of  # the params form now (it is rebuilt when the task changes)
        self.workdir = Path(workdir)
        self.namespace = namespace
        self.confine = confine
        self.from_notebook: dict[str, str] = {}  # entry -> the notebook function's name
        self.builtins = [(f"{name}  (TRL)", name) for name in BUILTIN_REWARDS] + \
            [(f"{name}(...)  (TRL, with arguments)", name) for name in BUILTIN_REWARD_FACTORIES]
        self.choice = widgets.Dropdown(options=self._options(), description="Add a reward",
                                       style=theme.label_style(), layout=theme.field_layout())
        self.choice.add_class("tw-reward-choice")
        self.add_button = widgets.Button(description="Add", layout=widgets.Layout(width="70px"),
                                         tooltip="Add the chosen function to reward_functions")
        self.add_button.add_class("tw-reward-add")
        self.refresh_button = widgets.Button(description="Refresh", layout=widgets.Layout(width="80px"),
                                             tooltip="List the functions defined in the notebook again")
        self.file = widgets.Text(placeholder="path/to/rewards.py:my_reward", description="or from a file",
                                 style=theme.label_style(), layout=theme.field_layout())
        self.file.add_class("tw-reward-file")
        self.add_file_button = widgets.Button(description="Add", layout=widgets.Layout(width="70px"))
        self.message = theme.message_widget("tw-reward-message")
        guard = theme.guarded(lambda text: theme.set_message(self.message, text), report_unexpected)
        self.add_button.on_click(guard(lambda _b: self.add_choice()))
        self.add_file_button.on_click(guard(lambda _b: self.add_entry(self.file.value.strip())))
        self.refresh_button.on_click(guard(lambda _b: self.refresh_list()))
        self.widget = widgets.VBox([
            widgets.HTML(theme.help_html("Reward functions score each completion: pick TRL's, one defined in this "
                                         "notebook (a def taking completions and **kwargs), or a file's; they land "
                                         "in reward_functions below.")),
            theme.row(self.choice, self.add_button, self.refresh_button),
            theme.row(self.file, self.add_file_button), self.message],
            layout=widgets.Layout(display="none", margin="0 0 6px 0"))
        self.widget.add_class("tw-reward-picker")

    # ------------------------------------------------------------------ state

    def set_visible_for(self) -> None:
        """Shown when the form on show has reward_functions."""
        form = self.form_of()
        visible = form is not None and self.FIELD in getattr(form, "specs", {})
        self.widget.layout.display = None if visible else "none"
        if visible:
            self.refresh_list()

    def _options(self) -> list[tuple[str, str]]:
        functions = [(label, f"notebook:{name}") for label, name in notebook_functions(self.namespace())]
        return functions + [(label, f"trl:{name}") for label, name in self.builtins]

    def refresh_list(self) -> None:
        value = self.choice.value
        options = self._options()
        self.choice.options = options
        if value in [v for _, v in options]:
            self.choice.value = value

    @property
    def entries(self) -> list[str]:
        form = self.form_of()
        return list(form.values().get(self.FIELD) or []) if form is not None else []

    # ------------------------------------------------------------------ adding

    def add_choice(self) -> str | None:
        value = self.choice.value
        if not value:
            return None
        source, _, name = value.partition(":")
        if source == "notebook":
            return self.add_notebook_function(name)
        from ..config.params_grpo import _FACTORY_EXAMPLES

        return self.add_entry(f"{name}({_FACTORY_EXAMPLES[name]})" if name in _FACTORY_EXAMPLES else name)

    def add_notebook_function(self, name: str) -> str:
        """Copy the notebook's function ``name`` to rewards/<name>.py and add it (a run here calls it itself)."""
        from ..errors import ConfigError
        from ..tasks.llm_grpo.rewards import snapshot_function

        fn = (self.namespace() or {}).get(name)
        if fn is None:
            raise ConfigError(f"no function '{name}' in the notebook any more: define it, then Refresh")
        folder = self.workdir / "rewards"
        if self.confine is not None:
            folder = self.confine.path(folder)
        entry = snapshot_function(fn, folder)
        self.from_notebook[entry] = name
        return self.add_entry(entry)

    def add_entry(self, entry: str) -> str | None:
        if not entry:
            return None
        from ..config.params_grpo import reward_entry_kind
        from ..errors import ConfigError

        try:
            kind = reward_entry_kind(entry)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if kind == "file":  # named by its absolute path: a subprocess run starts in the workdir, not here
            path, _, name = entry.rpartition(":")
            resolved = self.confine.path(path) if self.confine is not None and self.confine.active else \
                Path(path).expanduser().absolute()
            if not resolved.is_file():
                raise ConfigError(f"reward file '{path}' does not exist")
            entry = f"{resolved}:{name}"
        form = self.form_of()
        current = self.entries
        if entry not in current:
            form.set_value(self.FIELD, [*current, entry])
        error = getattr(form, "errors", {}).get(self.FIELD)
        theme.set_message(self.message, error)
        return entry

    def refresh_snapshots(self) -> None:
        """Copy again the notebook functions in use (the notebook may have redefined them since): called before
        a run starts or the config is exported."""
        for entry in self.entries:
            name = self.from_notebook.get(entry)
            fn = (self.namespace() or {}).get(name) if name else None
            if fn is None or not inspect.isfunction(fn):
                continue
            from ..tasks.llm_grpo.rewards import snapshot_function

            snapshot_function(fn, Path(entry.rpartition(":")[0]).parent)
