"""After a run ends, Train is blocked only by what is true then: not by the ended run's lock."""

from __future__ import annotations

from ui_helpers import FAST_PARAMS, set_params, text_of, wait_until


def test_a_finished_run_leaves_train_ready_for_the_next(app_factory, demo, chat_jsonl):
    app = app_factory()
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = str(chat_jsonl)
    app.data_panel.chat_template.value = "tokenizer"
    set_params(app, **{**FAST_PARAMS, "max_steps": 2})
    app.train()
    assert app.wait(120) == "finished"
    blockers = lambda: text_of(app.train_panel.blockers)  # noqa: E731
    assert wait_until(lambda: "live run" not in blockers(), timeout=30), blockers()
    assert "already holds a run" in blockers()  # the true reason now: overwrite, rename or resume
    app.train_panel.overwrite.value = True
    assert wait_until(lambda: not app.train_panel.train_button.disabled, timeout=10)
