"""The live plot: redraw time at 100, 1,000 and 10,000 points and memory over 1,000 redraws.

Wires tunewidgets/ui/bench.py (``python -m tunewidgets.ui.bench`` measures the same things at one size) into
bench/: each size is redrawn ``--repeat`` times (wall and CPU time of the calling thread, median and range);
the plot keeps at most 800 points per series on screen (downsampled), so the cost stays flat with the run's
length. Memory: resident set size before and after 1,000 redraws, one point added before each.

Targets: a redraw under 50 ms at 10,000 points; memory flat (a few MB at most) over 1,000 redraws.

    python bench/plot.py [--repeat 30] [--redraws 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import machine_note, summarize, table  # noqa: E402

os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp())


def main(argv: list[str] | None = None) -> int:
    from tunewidgets.ui import bench as ui_bench

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--redraws", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="memory runs (median and range)")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    sizes = (100, 1_000, 10_000)
    if args.smoke:
        args.repeat, args.redraws, args.rounds = 2, 20, 1
    rows, at_10k = [], None
    for points in sizes:
        wall, cpu, png = ui_bench.redraw_times(points, args.repeat)
        if points == 10_000:
            at_10k = statistics.median(wall)
        rows.append([f"{points:,}", summarize(wall, 1), summarize(cpu, 1), f"{png:.0f}",
                     "< 50 ms" if points == 10_000 else ""])
    print(f"\nLive plot redraw, {args.repeat} redraws per size, {machine_note()}\n")
    print(table(["points", "redraw wall ms, median (range)", "redraw CPU ms", "PNG KB", "target"], rows))
    growth = []
    for _ in range(args.rounds):
        memory = ui_bench._memory(args.redraws)
        growth.append(memory["rss_after_mb"] - memory["rss_before_mb"])
    print()
    print(table(["memory over redraws", "RSS growth MB, median (range)", "target"],
                [[f"{args.redraws:,} redraws (2,000 points, +1 per redraw)", summarize(growth, 1), "flat"]]))
    ok = at_10k is not None and at_10k < 50 and statistics.median(growth) < 5
    print(f"\nverdict: {'PASS' if ok else 'MISS'}: {at_10k:.1f} ms at 10,000 points (target < 50), "
          f"{statistics.median(growth):+.1f} MB over {args.redraws:,} redraws (target flat)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
