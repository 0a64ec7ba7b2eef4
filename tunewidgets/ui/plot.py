"""The live plot: a non-pyplot matplotlib Figure rendered to PNG bytes in an ``ipywidgets.Image``.

No pyplot (no global figure registry, nothing leaks, works in a thread); one
figure and one set of lines reused for every redraw (memory stays flat); at
most one redraw per ``min_interval`` seconds while training plus a final one;
long series are bucketed to ``max_points`` so a redraw stays fast at 10,000
points. matplotlib is imported on the first draw, not when the app is built.
"""

from __future__ import annotations

import io
import math
import re
import threading
import time
from typing import Iterable

import ipywidgets as widgets

from . import theme

SERIES = ("loss", "eval_loss", "learning_rate")
COLOURS = {"loss": "#1f77b4", "eval_loss": "#d62728", "learning_rate": "#2ca02c"}
METRIC_COLOURS = ("#9467bd", "#ff7f0e", "#8c564b", "#17becf")
MAX_METRICS = len(METRIC_COLOURS)
# Evaluation scores worth a curve (higher is better, on a comparable scale); errors in the target's own
# units (mse, mae, rmse) and timings are left to the metrics table.
_QUALITY = re.compile(r"(?:^|_)(accuracy|f1|precision|recall|r2|map|map_\d+|rouge\w*|bleu|mrr|ndcg|spearman|pearson"
                      r"|exact_match)"
                      r"(?:@\d+)?(?:_|$)")
_PREFERRED = ("accuracy", "f1", "r2", "map", "rougeL", "spearman", "mrr", "ndcg", "bleu", "precision", "recall")


def quality_metric(name: str) -> bool:
    """Whether an ``eval_*`` record key is a score the plot draws as a curve (not a threshold or a timing)."""
    return (name.startswith("eval_") and name != "eval_loss" and "threshold" not in name
            and bool(_QUALITY.search(name[len("eval_"):])))


def _metric_rank(name: str, scores: tuple[str, ...] = ()) -> tuple[int, str]:
    """Lower is shown first: the task's own headline scores, then the usual ones; a score named exactly
    (eval_f1) before its variants (eval_f1_micro)."""
    order = (*scores, *_PREFERRED)
    bare = name.removeprefix("eval_")
    for rank, word in enumerate(order):
        if bare == word:
            return rank, name
    for rank, word in enumerate(order):
        if word in name:
            return len(order) + rank, name
    return 2 * len(order), name


def downsample(xs, ys, max_points: int) -> tuple[list[float], list[float]]:
    """Bucket means: at most ``max_points`` points that keep the curve's shape; the last point is kept."""
    n = len(xs)
    if n <= max_points:
        return list(xs), list(ys)
    import numpy as np

    edges = (np.arange(max_points) * (n / max_points)).astype(np.int64)
    counts = np.diff(np.append(edges, n))
    x = np.add.reduceat(np.asarray(xs, dtype=float), edges) / counts
    y = np.add.reduceat(np.asarray(ys, dtype=float), edges) / counts
    x[-1], y[-1] = xs[-1], ys[-1]
    return x.tolist(), y.tolist()


class _Series:
    """Points of one metric plus its running smoothed value (TensorBoard-style debiased EMA)."""

    def __init__(self, weight: float = 0.6):
        self.x: list[float] = []
        self.y: list[float] = []
        self.smooth: list[float] = []
        self.weight = weight
        self._ema = 0.0
        self._count = 0

    def add(self, x: float, y: float) -> None:
        self.x.append(x)
        self.y.append(y)
        if math.isfinite(y):
            self._count += 1
            self._ema = self._ema * self.weight + (1 - self.weight) * y
            self.smooth.append(self._ema / (1 - self.weight ** self._count))
        else:
            self.smooth.append(self.smooth[-1] if self.smooth else float("nan"))


class LivePlot:
    """Training loss (raw points and a smoothed line), eval loss and learning rate, redrawn at most ~2x/s."""

    def __init__(self, width: float = 8.6, height: float = 2.9, dpi: int = 90, min_interval: float = 0.5,
                 max_points: int = 800, budget: float = 0.03):
        self.width, self.height, self.dpi = width, height, dpi
        self.min_interval = min_interval
        self.budget = budget  # at most this share of the training thread's time goes to redraws
        self.draw_seconds = 0.0  # a redraw's recent cost (moving average)
        self.max_points = max_points
        self.image = widgets.Image(format="png", layout=widgets.Layout(
            display="none", width=f"{int(width * dpi)}px", max_width="100%", height="auto"))
        self.image.add_class(theme.PLOT)
        self.log_scale = widgets.ToggleButton(value=False, description="Log scale",
                                              tooltip="Loss on a logarithmic axis",
                                              layout=widgets.Layout(width="100px"))
        self.log_scale.add_class("tw-log-scale")
        self.placeholder = widgets.HTML(
            theme.help_html("The loss curves appear here once training logs its first step."))
        self.caption = widgets.HTML()
        self.caption.add_class("tw-plot-caption")
        self.widget = widgets.VBox([theme.row(self.log_scale, self.caption), self.placeholder, self.image])
        self.widget.add_class("tw-plot-box")
        self.series = {name: _Series() for name in SERIES}
        self.metrics: dict[str, _Series] = {}  # eval scores (accuracy, f1, r2, map ...), at most MAX_METRICS
        self.scores: tuple[str, ...] = ()  # the task's headline scores, preferred when there are more than fit
        self.draws = 0
        self.last_draw: float | None = None  # monotonic time of the last redraw
        self._dirty = False
        self._lock = threading.Lock()
        self._figure = None
        self._with_metrics = False
        self._metric_lines: list = []
        self.log_scale.observe(lambda change: self.draw(), names="value")

    # ------------------------------------------------------------------ data

    def clear(self) -> None:
        with self._lock:
            self.series = {name: _Series() for name in SERIES}
            self.metrics = {}
            self._dirty = False
            self.last_draw = None
        self.image.value = b""
        self.caption.value = ""
        self.image.layout.display = "none"
        self.placeholder.layout.display = None

    def add(self, record: dict) -> None:
        """Take one metrics record (step, loss, eval_loss, learning_rate ...)."""
        step = record.get("step")
        if step is None:
            return
        with self._lock:
            for name in SERIES:
                value = record.get(name)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    self.series[name].add(float(step), float(value))
                    self._dirty = True
            for name, value in record.items():
                if not quality_metric(name) or not isinstance(value, (int, float)) or isinstance(value, bool):
                    continue
                if name not in self.metrics:
                    rank = _metric_rank(name, self.scores)
                    if len(self.metrics) >= MAX_METRICS:
                        worst = max(self.metrics, key=lambda known: _metric_rank(known, self.scores))
                        if rank >= _metric_rank(worst, self.scores):
                            continue
                        self.metrics = {k: v for k, v in self.metrics.items() if k != worst}
                    self.metrics = dict(sorted({**self.metrics, name: _Series()}.items(),
                                               key=lambda item: _metric_rank(item[0], self.scores)))
                self.metrics[name].add(float(step), float(value))
                self._dirty = True

    def extend(self, records: Iterable[dict]) -> None:
        for record in records:
            self.add(record)

    @property
    def num_points(self) -> int:
        return sum(len(s.x) for s in self.series.values()) + sum(len(s.x) for s in self.metrics.values())

    # ------------------------------------------------------------------ drawing

    @property
    def interval(self) -> float:
        """Seconds between redraws while training: ``min_interval``, longer when a redraw is slow.

        Redraws run in the training thread: spacing them by their cost / ``budget`` caps what the live
        plot takes from training (35 ms redraws at a 3% budget: about one a second)."""
        return max(self.min_interval, self.draw_seconds / self.budget if self.budget > 0 else 0.0)

    def maybe_draw(self) -> bool:
        """Redraw if there is new data and the last redraw is at least ``interval`` old."""
        if not self._dirty:
            return False
        if self.last_draw is not None and time.monotonic() - self.last_draw < self.interval:
            return False
        self.draw()
        return True

    def warm_up(self) -> None:
        """Import matplotlib and render the empty figure once, so the first live redraw costs what the others do.

        Called in a background thread when a run starts (while the model loads): otherwise the first redraw,
        in the training thread, pays about half a second of imports and font set-up."""
        with self._lock:
            self._ensure_figure(with_metrics=False)
            self._canvas.print_png(io.BytesIO(), pil_kwargs={"compress_level": 1})

    def draw(self) -> None:
        """Render now (the final draw of a run, a log-scale toggle)."""
        if self.num_points == 0:
            return
        png = self.render_png()
        self.image.value = png
        self.image.layout.display = None
        self.placeholder.layout.display = "none"

    def render_png(self) -> bytes:
        started = time.perf_counter()
        try:
            return self._render_png()
        finally:
            cost = time.perf_counter() - started
            self.draw_seconds = cost if self.draws <= 1 else 0.7 * self.draw_seconds + 0.3 * cost

    def _render_png(self) -> bytes:
        with self._lock:
            self._dirty = False
            data = {name: (downsample(s.x, s.y, self.max_points), downsample(s.x, s.smooth, self.max_points))
                    for name, s in self.series.items()}
            self.last_draw = time.monotonic()
            self.draws += 1
            figure = self._ensure_figure(with_metrics=bool(self.metrics))
            loss_ax = figure.axes[0]
            (raw_x, raw_y), (sm_x, sm_y) = data["loss"]
            self._lines["loss_raw"].set_data(raw_x, raw_y)
            self._lines["loss_smooth"].set_data(sm_x, sm_y)
            (ev_x, ev_y), _ = data["eval_loss"]
            self._lines["eval"].set_data(ev_x, ev_y)
            (lr_x, lr_y), _ = data["learning_rate"]
            self._lines["lr"].set_data(lr_x, lr_y)
            positive = all(v > 0 for v in raw_y + ev_y if math.isfinite(v))
            loss_ax.set_yscale("log" if self.log_scale.value and positive else "linear")
            latest = {}
            for (name, series), line in zip(self.metrics.items(), self._metric_lines):
                line.set_data(series.x, series.y)  # one point per evaluation: never many
                latest[name] = series.y[-1]
            for ax in figure.axes:
                ax.relim()
                ax.autoscale_view()
            self.caption.value = _caption(raw_y, ev_y, lr_y, latest)
            buffer = io.BytesIO()
            # Fast zlib level: encoding at the default level was a fifth of a redraw.
            self._canvas.print_png(buffer, pil_kwargs={"compress_level": 1})
            return buffer.getvalue()

    def _ensure_figure(self, with_metrics: bool = False):
        """One figure for the plot's life (rebuilt once when evaluation scores first arrive, to add their axis).
        Titles, axis labels and the legend live in the HTML caption: laying out text was most of a redraw's time."""
        if self._figure is not None and with_metrics != self._with_metrics:
            self._figure = None
        if self._figure is None:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
            from matplotlib.ticker import MaxNLocator

            # Fixed margins instead of a layout engine: constrained layout was half of each redraw.
            figure = Figure(figsize=(self.width, self.height), dpi=self.dpi)
            figure.subplots_adjust(left=0.07, right=0.985, bottom=0.1, top=0.93, wspace=0.28)
            self._canvas = FigureCanvasAgg(figure)
            grid = figure.add_gridspec(1, 4 if with_metrics else 3)
            loss_ax = figure.add_subplot(grid[0, :2])
            metric_ax = figure.add_subplot(grid[0, 2]) if with_metrics else None
            lr_ax = figure.add_subplot(grid[0, -1])
            for ax in figure.axes:
                ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
                ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
                ax.grid(True, alpha=0.3)
                ax.tick_params(labelsize=8)
            lr_ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 3))
            lr_ax.yaxis.get_offset_text().set_fontsize(7)
            self._lines = {
                "loss_raw": loss_ax.plot([], [], ".", color=COLOURS["loss"], alpha=0.45, markersize=4)[0],
                "loss_smooth": loss_ax.plot([], [], "-", color=COLOURS["loss"], linewidth=1.6)[0],
                "eval": loss_ax.plot([], [], "o-", color=COLOURS["eval_loss"], markersize=4, linewidth=1.2)[0],
                "lr": lr_ax.plot([], [], "-", color=COLOURS["learning_rate"], linewidth=1.4)[0],
            }
            self._metric_lines = [] if metric_ax is None else [
                metric_ax.plot([], [], "o-", color=colour, markersize=4, linewidth=1.2)[0] for colour in METRIC_COLOURS]
            self._with_metrics = with_metrics
            self._figure = figure
        return self._figure


def _caption(loss: list[float], eval_loss: list[float], lr: list[float], metrics: dict | None = None) -> str:
    """The plot's legend and latest values, as HTML above the image."""
    def key(colour: str, text: str, value: str) -> str:
        return (f'<span style="white-space:nowrap"><span style="color:{colour};font-size:14px">●</span> {text}'
                + (f" <b>{value}</b>" if value else "") + "</span>")

    parts = [key(COLOURS["loss"], "train loss (dots) and smoothed (line)", f"{loss[-1]:.4g}" if loss else "")]
    if eval_loss:
        parts.append(key(COLOURS["eval_loss"], "eval loss", f"{eval_loss[-1]:.4g}"))
    for colour, (name, value) in zip(METRIC_COLOURS, (metrics or {}).items()):
        where = " (middle)" if colour == METRIC_COLOURS[0] else ""
        parts.append(key(colour, "eval " + name[len("eval_"):].replace("_", " ") + where, f"{value:.4g}"))
    parts.append(key(COLOURS["learning_rate"], "learning rate (right)", f"{lr[-1]:.3g}" if lr else ""))
    return (f'<div class="tw-plot-caption" style="font-size:12px;line-height:1.4;color:#333">'
            f'{" &nbsp; ".join(parts)} <span style="color:{theme.GREY}">· x axis: optimizer step</span></div>')


# --------------------------------------------------------------------------- static charts


def _figure(width: float, height: float, dpi: int = 90):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.canvas.print_png(buffer)
    return buffer.getvalue()


def histogram_png(lengths: list[int], max_length: int, width: float = 6.0, height: float = 2.4) -> bytes:
    """Token lengths with the max length marked; the part beyond it is what gets cut."""
    figure = _figure(width, height)
    ax = figure.add_subplot()
    bins = min(40, max(5, len(set(lengths))))
    kept = [n for n in lengths if n <= max_length]
    cut = [n for n in lengths if n > max_length]
    ax.hist([kept, cut] if cut else [kept], bins=bins, stacked=True, color=["#1f77b4", "#d62728"][: 2 if cut else 1],
            label=["fit", "exceed"][: 2 if cut else 1])
    ax.axvline(max_length, color="#d62728", linestyle="--", linewidth=1)
    ax.set_xlabel("tokens per example", fontsize=8)
    ax.set_ylabel("examples", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.set_title(f"max length {max_length}", fontsize=9, loc="left")
    if cut:
        ax.legend(fontsize=8)
    return _png(figure)


def overlay_png(curves: dict[str, list[dict]], log_scale: bool = False, width: float = 8.0,
                height: float = 3.0) -> bytes:
    """Train (solid) and eval (dashed) loss of several runs on one axis, by step."""
    figure = _figure(width, height)
    ax = figure.add_subplot()
    import itertools

    palette = itertools.cycle(["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"])
    for name, records in curves.items():
        colour = next(palette)
        train = [(r["step"], r["loss"]) for r in records if isinstance(r.get("loss"), (int, float))]
        evals = [(r["step"], r["eval_loss"]) for r in records if isinstance(r.get("eval_loss"), (int, float))]
        if train:
            ax.plot(*zip(*train), "-", color=colour, linewidth=1.4, label=f"{name}")
        if evals:
            ax.plot(*zip(*evals), "o--", color=colour, markersize=3, linewidth=1, label=f"{name} (eval)")
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel("step", fontsize=8)
    ax.set_ylabel("loss", fontsize=8)
    ax.grid(True, alpha=0.3)
    ax.tick_params(labelsize=8)
    if ax.lines:
        ax.legend(fontsize=7)
    return _png(figure)


def confusion_png(labels: list[str], matrix: list[list[int]], max_labels: int = 30) -> bytes:
    """A confusion matrix (rows: true class, columns: predicted), counts in the cells, darker = more.

    Beyond ``max_labels`` classes only the most frequent true classes are drawn (a 1,000-class grid
    is unreadable and slow); the title says so."""
    import numpy as np

    counts = np.asarray(matrix, dtype=float)
    names = [str(label) for label in labels]
    title = "confusion matrix (rows: true, columns: predicted)"
    if len(names) > max_labels:
        keep = np.sort(np.argsort(-counts.sum(axis=1), kind="stable")[:max_labels])
        counts, names = counts[np.ix_(keep, keep)], [names[i] for i in keep]
        title += f", the {max_labels} most frequent of {len(labels)} classes"
    size = min(4.8, 1.6 + 0.3 * len(names))
    figure = _figure(size + 0.5, size + 0.3)
    ax = figure.add_subplot()
    rows = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ticks = range(len(names))
    ax.set_xticks(list(ticks), [n[:12] for n in names], rotation=45 if len(names) > 4 else 0,
                  ha="right" if len(names) > 4 else "center", fontsize=8)
    ax.set_yticks(list(ticks), [n[:12] for n in names], fontsize=8)
    ax.set_xlabel("predicted", fontsize=8)
    ax.set_ylabel("true", fontsize=8)
    if len(names) <= 15:
        for i in ticks:
            for j in ticks:
                ax.text(j, i, f"{int(counts[i, j])}", ha="center", va="center", fontsize=7,
                        color="white" if shares[i, j] > 0.6 else "#222")
    accuracy = np.trace(counts) / counts.sum() if counts.sum() else 0.0
    ax.set_title(f"{title}\naccuracy {accuracy:.3f} on {int(counts.sum())} examples", fontsize=7, loc="left")
    return _png(figure)
