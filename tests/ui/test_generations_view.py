"""The Generations view: hidden until a run answers prompts, the newest round beside the references, a step slider
that follows new rounds until moved back; and in the app, a run with eval_generate fills it as it trains."""

from __future__ import annotations

import pytest
from ui_helpers import FAST_PARAMS, set_params, text_of, wait_until

from tunewidgets.tasks.shared.generation_examples import GenerationExample
from tunewidgets.tasks.shared.generation_file import append_generations
from tunewidgets.ui.generations_view import GenerationsView

EXAMPLES = [GenerationExample([{"role": "user", "content": "What is 2 plus 2?"}], "4."),
            GenerationExample("Name a colour.", None)]


def _round(run_dir, step, first, second):
    append_generations(run_dir, step, step / 10, EXAMPLES, [first, second])


def test_hidden_until_a_round_is_written_then_the_newest_round_shows(tmp_path):
    view = GenerationsView()
    view.show(tmp_path)
    assert view.widget.layout.display == "none" and view.refresh() is False
    _round(tmp_path, 0, "five", "car")
    assert view.refresh() is True and view.widget.layout.display is None
    assert view.slider.options == (0,) and view.slider.disabled
    _round(tmp_path, 10, "4.", "blue")
    assert view.refresh() is True
    assert view.slider.value == 10 and not view.slider.disabled
    table = text_of(view.table)
    assert "user: What is 2 plus 2?" in table and "4." in table and "blue" in table
    assert "five" in table  # the first round's answer, beside the newest: before and after
    assert "tw-generation-answer-match" in view.table.value  # "4." equals its reference
    caption = text_of(view.caption)
    assert "step 10" in caption and "exact match 1.00" in caption and "(step 0: exact match 0.00)" in caption
    assert view.refresh() is False  # nothing new: nothing re-read


def test_the_slider_shows_an_earlier_round_and_stays_there_until_moved_to_the_newest(tmp_path):
    view = GenerationsView()
    view.show(tmp_path)
    _round(tmp_path, 0, "five", "car")
    _round(tmp_path, 10, "four", "red")
    view.refresh()
    view.slider.value = 0
    assert not view.following and "five" in text_of(view.table) and "step 0" in text_of(view.caption)
    assert "four" not in text_of(view.table)
    _round(tmp_path, 20, "4.", "green")
    view.refresh()
    assert view.slider.options == (0, 10, 20) and view.slider.value == 0  # the user's choice is kept
    view.slider.value = 20
    assert view.following
    _round(tmp_path, 30, "4.", "teal")
    view.refresh()
    assert view.slider.value == 30 and "teal" in text_of(view.table)


def test_a_new_run_starts_empty(tmp_path):
    view = GenerationsView()
    view.show(tmp_path / "a")
    (tmp_path / "a").mkdir()
    _round(tmp_path / "a", 0, "x", "y")
    view.refresh()
    view.show(tmp_path / "b")
    assert view.widget.layout.display == "none" and view.rounds == {}


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["thread", "subprocess"])
def test_the_app_shows_the_answers_of_a_run_with_eval_generate(app_factory, demo, mode):
    app = app_factory()
    app.train_panel.mode.value = mode
    app.task_panel.dropdown.value = "llm-sft"
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = demo["data"]["sft-chat"]
    wait_until(lambda: app.data_panel.has_data, timeout=60)
    app.data_panel.valid_split.value = "valid"
    set_params(app, **FAST_PARAMS, max_steps=6, eval_strategy="steps", eval_steps=3, eval_generate=4,
               eval_generate_max_new_tokens=6)
    assert app.can_train, app.problems
    app.train_panel.train_button.click()
    assert app.wait(300) == "finished", app.run.error
    view = app.train_panel.generations
    assert app.train_panel.event_errors == []
    assert view.widget.layout.display is None and view.slider.options == (0, 3, 6) and view.slider.value == 6
    table = text_of(view.table)
    assert table.count("user: ") >= 4 and "step 0" in table
    assert any(name.startswith("eval_gen_") for name in app.train_panel.plot.metrics)  # scores plotted


def test_a_re_attached_run_shows_its_answers(app_factory, demo, tmp_path):
    import yaml

    from tunewidgets.cli import main

    workdir = tmp_path / "runs"
    config = {"task": "llm-sft", "base_model": demo["model"], "project_name": "gen",
              "data": {"path": demo["data"]["sft-chat"], "train_split": "train", "valid_split": "valid",
                       "chat_template": "tokenizer", "column_mapping": {"text_column": "messages"}},
              "params": {**FAST_PARAMS, "max_steps": 2, "save_strategy": "no", "eval_strategy": "steps",
                         "eval_steps": 2, "eval_generate": 2, "eval_generate_max_new_tokens": 3}}
    workdir.mkdir()
    (workdir / "gen.yml").write_text(yaml.safe_dump(config))
    assert main(["train", str(workdir / "gen.yml"), "--workdir", str(workdir), "--quiet"]) == 0
    app = app_factory(workdir=workdir)
    app.history_panel.attach_path.value = str(workdir / "gen")
    app.history_panel.attach_button.click()
    view = app.train_panel.generations
    assert wait_until(lambda: view.widget.layout.display is None, timeout=30)
    assert view.slider.options == (0, 2) and text_of(view.table).count("user: ") >= 2
