"""The memory estimate in the Checks panel: shown after the checks, re-estimated for another GPU, and a warning at
Train when the step will not fit."""

from __future__ import annotations

from ui_helpers import FAST_PARAMS, set_params, text_of


def _checked(app_factory, demo, chat_jsonl, **params):
    app = app_factory()
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = str(chat_jsonl)
    app.data_panel.chat_template.value = "tokenizer"
    set_params(app, **{**FAST_PARAMS, **params})
    app.checks_panel.run_button.click()
    assert app.join_background(120)
    return app


def test_checks_show_the_estimate_and_the_verdict_for_a_t4(app_factory, demo, chat_jsonl):
    app = _checked(app_factory, demo, chat_jsonl)
    memory = app.checks_panel.memory
    table = text_of(memory.table)
    assert "Memory per device on a T4" in table and "total" in table and "optimizer states" in table
    assert memory.target.value == "T4"  # no GPU here: Colab's is the usual target
    assert memory.fits is True
    assert text_of(memory.verdict).startswith("fits T4")


def test_choosing_another_target_estimates_again(app_factory, demo, chat_jsonl):
    app = _checked(app_factory, demo, chat_jsonl)
    memory = app.checks_panel.memory
    memory.target.value = "cpu"
    assert app.join_background(60)
    assert "Memory per device on this CPU (fp32)" in text_of(memory.table)
    assert memory.fits is None and memory.verdict.value == ""
    memory.target.value = "H100"
    assert app.join_background(60)
    assert text_of(memory.verdict).startswith("fits H100")


def test_a_step_that_will_not_fit_is_said_at_train(app_factory, demo, chat_jsonl):
    """batch_size 4096 at 2048 tokens cannot fit a T4 (the logits alone are tens of GB); the demo's 64 short rows
    still train in a moment, and Train says what the estimate found."""
    app = _checked(app_factory, demo, chat_jsonl, batch_size=4096, block_size=2048, model_max_length=2048,
                   max_steps=1)
    memory = app.checks_panel.memory
    assert memory.fits is False
    assert "does NOT fit T4" in text_of(memory.verdict)
    app.train_panel.overwrite.value = True
    app.train()
    assert "memory estimate in Checks says this step does NOT fit T4" in text_of(app.train_panel.message)
    app.wait(120)
