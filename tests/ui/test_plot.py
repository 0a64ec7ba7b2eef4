"""The live plot: PNG into an Image, throttled, downsampled, log scale, no pyplot."""

from __future__ import annotations

import sys

from tunewidgets.ui.plot import LivePlot, downsample, histogram_png, overlay_png


def _records(n, start=0):
    return [{"step": i, "loss": 5.0 / (1 + i) + 0.01 * (i % 7), "learning_rate": 1e-3 * (1 - i / (n + start))}
            for i in range(start, start + n)]


def test_draw_renders_png_into_the_image_and_shows_it():
    plot = LivePlot()
    assert plot.image.layout.display == "none"
    plot.draw()  # nothing yet: no image
    assert bytes(plot.image.value) == b""
    plot.extend(_records(10))
    plot.add({"step": 9, "eval_loss": 1.2})
    plot.draw()
    png = bytes(plot.image.value)
    assert png.startswith(b"\x89PNG") and plot.image.layout.display is None
    assert plot.placeholder.layout.display == "none"
    assert "matplotlib.pyplot" not in sys.modules


def test_redraws_are_throttled_but_the_final_draw_always_happens():
    plot = LivePlot(min_interval=3600)
    plot.extend(_records(5))
    assert plot.maybe_draw()  # the first draw is due at once
    first = bytes(plot.image.value)
    plot.extend(_records(5, start=5))
    assert not plot.maybe_draw() and plot.draws == 1  # too soon
    plot.draw()  # the final draw of a run ignores the throttle
    assert plot.draws == 2 and bytes(plot.image.value) != first
    assert not plot.maybe_draw()  # nothing new


def test_the_log_scale_toggle_redraws():
    plot = LivePlot()
    plot.extend(_records(30))
    plot.draw()
    linear = bytes(plot.image.value)
    plot.log_scale.value = True
    assert bytes(plot.image.value) != linear
    assert plot._figure.axes[0].get_yscale() == "log"


def test_downsample_keeps_shape_and_the_last_point():
    xs = list(range(10_000))
    ys = [float(x % 100) for x in xs]
    dx, dy = downsample(xs, ys, 500)
    assert len(dx) <= 500 and dx[-1] == 9999 and dy[-1] == 99.0
    assert abs(sum(dy) / len(dy) - sum(ys) / len(ys)) < 1.0
    assert downsample([1, 2], [3, 4], 10) == ([1, 2], [3, 4])


def test_ten_thousand_points_draw_with_bounded_line_sizes():
    plot = LivePlot(max_points=800)
    plot.extend(_records(10_000))
    plot.draw()
    assert all(len(line.get_xdata()) <= 800 for line in plot._lines.values())


def test_clear_resets_for_the_next_run():
    plot = LivePlot()
    plot.extend(_records(5))
    plot.draw()
    plot.clear()
    assert plot.num_points == 0 and bytes(plot.image.value) == b"" and plot.image.layout.display == "none"


def test_static_charts_are_pngs():
    assert histogram_png([10, 20, 30, 400], 128).startswith(b"\x89PNG")
    assert overlay_png({"a": _records(5), "b": _records(5)}).startswith(b"\x89PNG")
