"""Benchmark the app's own costs and print a table: ``python -m tunewidgets.ui.bench``.

Measured, never asserted (machines here are noisy):
- building the app's widgets, cold, in a fresh process (target < 1.5 s), and what it imported;
- one live-plot redraw at 10,000 points (target < 50 ms);
- memory over 1,000 redraws (target: flat);
- the training thread's cost per event (progress/log handling with the throttled plot).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def _build_cold() -> dict:
    code = (
        "import sys, time, json, tempfile; t = time.perf_counter();"
        "from tunewidgets import TrainerApp;"
        "app = TrainerApp(workdir=tempfile.mkdtemp(), namespace={});"
        "dt = time.perf_counter() - t;"
        "heavy = [m for m in ('torch', 'transformers', 'trl', 'datasets', 'matplotlib', 'pandas') if m in sys.modules];"
        "print(json.dumps({'seconds': dt, 'heavy': heavy}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # pragma: no cover - not Linux
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _records(n: int) -> list[dict]:
    import math

    return [{"step": i, "loss": 4.0 * math.exp(-i / 3000) + 0.05 * math.sin(i), "learning_rate": 1e-4 * (1 - i / n),
             **({"eval_loss": 3.5 * math.exp(-i / 3000)} if i % 500 == 0 else {})} for i in range(1, n + 1)]


def redraw_times(points: int, repeats: int) -> tuple[list[float], list[float], float]:
    """Wall and thread-CPU milliseconds of ``repeats`` redraws of a plot holding ``points`` logged steps,
    and the PNG's size in KB."""
    from .plot import LivePlot

    plot = LivePlot()
    plot.extend(_records(points))
    plot.draw()  # warm: figure built, fonts cached
    times, cpu = [], []
    for _ in range(repeats):
        plot._dirty = True
        start, start_cpu = time.perf_counter(), time.thread_time()
        plot.draw()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return times, cpu, len(bytes(plot.image.value)) / 1024


def _redraws(points: int, repeats: int) -> dict:
    times, cpu, png_kb = redraw_times(points, repeats)
    return {"median_ms": statistics.median(times), "max_ms": max(times), "cpu_ms": statistics.median(cpu),
            "png_kb": png_kb}


def _memory(redraws: int) -> dict:
    from .plot import LivePlot

    plot = LivePlot()
    plot.extend(_records(2000))
    plot.draw()
    for _ in range(20):
        plot.draw()
    before = _rss_mb()
    step = 2000
    for _ in range(redraws):
        step += 1
        plot.add({"step": step, "loss": 1.0})
        plot.draw()
    return {"rss_before_mb": before, "rss_after_mb": _rss_mb()}


def _event_cost(events: int) -> dict:
    from ..run.events import Event
    from .train_panel import TrainPanel

    panel = TrainPanel(lambda: None, lambda: None, lambda: None, lambda run, event: None, lambda text: None)
    panel._started_at = time.time()
    panel._handle(Event("started", {"max_steps": events, "step": 0}))
    start = time.perf_counter()
    for step in range(1, events + 1):
        panel._handle(Event("progress", {"step": step, "max_steps": events, "epoch": step / events, "elapsed": 1.0,
                                         "eta": 1.0}))
        panel._handle(Event("log", {"step": step, "epoch": step / events, "loss": 1.0 / step, "learning_rate": 1e-4}))
    seconds = time.perf_counter() - start
    return {"us_per_step": seconds / events * 1e6, "redraws": panel.plot.draws}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--redraws", type=int, default=1000)
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp())
    build = _build_cold()
    draw = _redraws(args.points, 30)
    memory = _memory(args.redraws)
    events = _event_cost(2000)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine load {load:.1f} on {os.cpu_count()} CPUs: wall times grow with load, CPU times do not\n")
    rows = [
        ("app build (cold process)", f"{build['seconds']:.2f} s", "< 1.5 s",
         "imported: " + (", ".join(build["heavy"]) or "nothing heavy")),
        (f"plot redraw at {args.points:,} points", f"{draw['median_ms']:.1f} ms median", "< 50 ms",
         f"CPU {draw['cpu_ms']:.1f} ms median (load-independent), max {draw['max_ms']:.1f} ms wall, "
         f"PNG {draw['png_kb']:.0f} KB"),
        (f"memory over {args.redraws:,} redraws", f"{memory['rss_after_mb'] - memory['rss_before_mb']:+.1f} MB",
         "flat", f"RSS {memory['rss_before_mb']:.0f} -> {memory['rss_after_mb']:.0f} MB"),
        ("event handling (progress+log per step)", f"{events['us_per_step']:.0f} us/step", "small",
         f"{events['redraws']} redraws in 2,000 steps (throttled to 2/s)"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("measure", "result", "target", "detail")
    widths = [max(w, len(h)) for w, h in zip(widths, header)]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
