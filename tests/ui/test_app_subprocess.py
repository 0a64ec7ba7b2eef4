"""The app's subprocess run mode: followed live, stopped gracefully, re-attached from a new app."""

from __future__ import annotations

import pytest
from ui_helpers import FAST_PARAMS, set_params, text_of, wait_until

from tunewidgets.run.rundir import RunDirectory

pytestmark = pytest.mark.slow


def test_subprocess_run_is_followed_stopped_and_reattached(app_factory, demo, chat_jsonl):
    app = app_factory()
    app.task_panel.dropdown.value = "llm-sft"
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = str(chat_jsonl)
    set_params(app, **FAST_PARAMS, max_steps=100000, save_strategy="no")
    app.train_panel.mode.value = "subprocess"
    assert app.can_train, app.problems

    app.train_panel.train_button.click()
    assert app.run is not None and app.run.mode == "subprocess"
    assert wait_until(lambda: len(app.run.metrics) >= 3, timeout=180), app.run.error
    assert wait_until(lambda: "step 0 " not in text_of(app.train_panel.step), timeout=60)
    assert app.train_panel.progress.value > 0  # progress followed from status.json

    app.train_panel.stop_button.click()
    assert app.wait(180) == "stopped", app.run.error
    run_dir = app.run.run_dir
    status = RunDirectory(run_dir).status()
    assert status["state"] == "stopped"
    assert (run_dir / f"checkpoint-{status['step']}").is_dir()

    other = app_factory()  # a restarted kernel or a reopened page
    other.attach(run_dir)
    assert other.status == "stopped"
    assert len(other.metrics) == len(RunDirectory(run_dir).read_metrics()) >= 3
