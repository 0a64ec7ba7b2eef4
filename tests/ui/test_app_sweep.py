"""The Sweep panel: form fields become ranges, the sweep trains in the background, the table and plot fill in,
the best trial loads into the form, Stop ends after the current trial, a bad range is said in the panel."""

from __future__ import annotations

import pytest
from ui_helpers import FAST_PARAMS, set_params, text_of, wait_until


def _app(app_factory, demo):
    app = app_factory()
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = demo["data"]["sft-text"]
    set_params(app, **{**FAST_PARAMS, "max_steps": 2, "save_strategy": "no"})
    app.params_panel.run_form.set_values({"project_name": "sw"})
    assert wait_until(lambda: app.can_train, timeout=60), app.problems
    panel = app.sweep_panel
    assert "params.lr" in panel.field.options and "params.batch_size" in panel.field.options
    panel.metric.value = "loss"
    return app, panel


@pytest.mark.slow
def test_sweep_from_the_app_table_plot_and_best_into_the_form(app_factory, demo):
    app, panel = _app(app_factory, demo)
    panel.field.value = "params.lr"
    assert panel.kind.value == "loguniform"  # chosen from the field
    panel.low.value, panel.high.value = "1e-4", "1e-2"
    panel.add_button.click()
    panel.field.value = "params.batch_size"
    assert panel.kind.value == "int"
    panel.low.value, panel.high.value = "2", "4"
    panel.add_button.click()
    assert len(panel.ranges_list.options) == 2
    panel.trials.value = 2
    panel.start_button.click()
    assert not text_of(panel.message), text_of(panel.message)
    assert panel.sweep is not None and panel.sweep.wait(240), text_of(panel.status)
    assert wait_until(lambda: not panel.start_button.disabled, timeout=10)
    sweep = panel.sweep
    assert [r["state"] for r in sweep.rows] == ["finished", "finished"]
    assert panel.table.value.count("<tr") == 3 and "tw-sweep-best-row" in panel.table.value
    assert panel.plot.value[:4] == b"\x89PNG" and panel.plot.layout.display is None
    assert (app.workdir / "sw" / "trial-1" / "status.json").is_file()
    assert (app.workdir / "sw" / "best.yml").is_file()
    assert not panel.best_button.disabled
    panel.best_button.click()
    best = sweep.best
    form = app.config
    assert abs(form.params.lr - best["params.lr"]) < 1e-12 and form.params.batch_size == best["params.batch_size"]
    assert form.project_name == "sw-best" and form.sweep is None


def test_stop_ends_the_sweep_after_the_current_trial(app_factory, demo):
    app, panel = _app(app_factory, demo)
    panel.add_range("params.lr", "loguniform", 1e-4, 1e-2)
    panel.trials.value = 5
    sweep = panel.start()
    sweep.subscribe(lambda kind, data: panel.stop() if kind == "trial-started" else None)
    assert sweep.wait(240)
    assert [r["state"] for r in sweep.rows] == ["finished"]  # the current trial ran to its end, no other began
    assert "sweep ended: 1 trial(s) finished" in text_of(panel.status)


def test_a_range_that_does_not_fit_is_said_in_the_panel(app_factory, demo):
    app, panel = _app(app_factory, demo)
    panel.start_button.click()
    assert "add a range first" in text_of(panel.message)
    panel.add_range("params.batch_size", "loguniform", 1e-5, 1e-3)
    panel.start_button.click()
    assert "sweep.params.params.batch_size" in text_of(panel.message)
    assert panel.sweep is None and not panel.start_button.disabled


def test_the_field_list_is_the_tasks_params_before_the_form_is_complete(app_factory):
    app = app_factory(namespace={})
    assert app.problems  # no model or data yet: no config, and still fields to pick from
    panel = app.sweep_panel
    assert "params.lr" in panel.field.options and panel.field.value == "params.lr"
    app.task_panel.dropdown.value = "text_classification"
    assert "params.max_seq_length" in panel.field.options
