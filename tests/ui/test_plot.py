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


def test_evaluation_scores_get_their_own_axis_and_errors_in_target_units_do_not():
    from tunewidgets.ui.plot import MAX_METRICS, LivePlot

    plot = LivePlot()
    plot.add({"step": 1, "loss": 1.0, "learning_rate": 1e-3})
    plot.draw()
    assert len(plot._figure.axes) == 2 and plot.metrics == {}
    for step in (5, 10):
        plot.add({"step": step, "loss": 0.5, "eval_loss": 0.6, "eval_f1": 0.5 + step / 100, "eval_accuracy": 0.7,
                  "eval_mse": 3.0, "eval_runtime": 0.1, "eval_precision": 0.6, "eval_recall": 0.6,
                  "eval_valid_cosine_accuracy_threshold": 0.9, "eval_r2": 0.1})
    plot.draw()
    assert len(plot._figure.axes) == 3  # loss, scores, learning rate
    assert len(plot.metrics) == MAX_METRICS
    assert list(plot.metrics)[:2] == ["eval_accuracy", "eval_f1"]  # the headline scores first
    assert "eval_mse" not in plot.metrics and not any("threshold" in k for k in plot.metrics)
    assert plot.metrics["eval_f1"].y == [0.55, 0.6]
    assert "eval accuracy (middle)" in plot.caption.value and "0.6" in plot.caption.value
    plot.clear()
    assert plot.metrics == {}


def test_slow_redraws_are_spaced_out_to_keep_within_the_budget():
    plot = LivePlot(min_interval=0.5, budget=0.03)
    assert plot.interval == 0.5
    plot.draw_seconds = 0.06  # a 60 ms redraw: at most 3% of the time means one every 2 s
    assert abs(plot.interval - 2.0) < 1e-9
    plot.extend(_records(5))
    plot.last_draw = __import__("time").monotonic() - 1.0
    assert not plot.maybe_draw()  # 1 s since the last: too soon at this cost
    plot.last_draw -= 1.5
    assert plot.maybe_draw()


def test_warm_up_prepares_the_figure_without_showing_anything():
    plot = LivePlot()
    plot.warm_up()
    assert plot._figure is not None and bytes(plot.image.value) == b"" and plot.draws == 0
    plot.extend(_records(5))
    plot.draw()
    assert bytes(plot.image.value).startswith(b"\x89PNG") and plot.draws == 1 and plot.draw_seconds > 0
