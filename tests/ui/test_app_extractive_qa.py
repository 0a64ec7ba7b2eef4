"""extractive-qa in the app: the preview marks each answer in its context, the mapping is guessed, the answer
lengths are shown, the checks shade the answer's tokens, and Try the model takes a context and a question and marks
the answer's span, for a run trained in the app's thread, in a subprocess, or re-attached."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ui_helpers import text_of, wait_until

from tunewidgets import tiny

TASK = "extractive-qa"
CONTEXT = "Anna lives in Paris. Tom works for Globex."


def _app_on_data(app_factory, tmp_path, kind="extractive-qa"):
    data = tiny.make_task_demo(kind, tmp_path / "data", n=60)
    app = app_factory()
    app.task_panel.dropdown.value = TASK
    app.model_panel.text.value = tiny.build_tiny_model("bert", tmp_path / "bert")
    app.data_panel.path.value = data
    return app


def test_the_preview_marks_answers_the_mapping_is_guessed_and_answer_lengths_show(app_factory, tmp_path):
    app = _app_on_data(app_factory, tmp_path)
    data = app.data_panel
    assert data.mapping() == {"text_column": "context", "question_column": "question", "answer_column": "answers"}
    assert data.mapping_error is None
    assert data.preview_html.value.count('<mark class="tw-mark"') >= 5  # the answered rows of the first eight
    first = json.loads(Path(data.path.value, "train.jsonl").read_text().splitlines()[0])
    if first["answers"]["text"]:
        assert f'>{first["answers"]["text"][0]}</mark>' in data.preview_html.value
    shown = text_of(data.distribution)
    assert "Answer lengths: answers" in shown and "1 word" in shown and "no answer" in shown

    data.mapping_widgets["answer_column"].value = ""  # unmapped: the marks go, the error names the role
    assert "<mark" not in data.preview_html.value and "answer_column" in (data.mapping_error or "")
    app.task_panel.dropdown.value = "text_classification"  # another task: the plain table again
    assert "<mark" not in data.preview_html.value


def test_flat_answer_columns_are_guessed_and_marked(app_factory, tmp_path):
    app = _app_on_data(app_factory, tmp_path, kind="extractive-qa-flat")
    assert app.data_panel.mapping() == {"text_column": "context", "question_column": "question",
                                        "answer_column": "answer_text", "answer_start_column": "answer_start"}
    assert '<mark class="tw-mark"' in app.data_panel.preview_html.value


def test_the_checks_shade_the_answers_tokens(app_factory, tmp_path):
    app = _app_on_data(app_factory, tmp_path)
    app.checks_panel.run_now()
    checks = app.checks_panel
    assert checks.message.value == "" or "error" not in checks.message.value, checks.message.value
    assert "tw-tok-loss" in checks.mask.value or "no answer" in checks.mask.value
    assert "examples exceed" in checks.summary.value
    assert "have no answer" in checks.warnings.value


def test_try_the_model_asks_for_a_question_and_marks_the_span(app_factory, tmp_path):
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    app = _app_on_data(app_factory, tmp_path)
    results = app.results_panel
    results.enable_generation(True, task=TASK)
    assert results.query.layout.display is None and results.generate_button.description == "Answer"
    assert results.image_upload.layout.display == "none"
    model_dir = app.model_panel.text.value
    results.get_model = lambda: (AutoModelForQuestionAnswering.from_pretrained(model_dir),
                                 AutoTokenizer.from_pretrained(model_dir))
    results.prompt.value = CONTEXT
    results.generate_button.click()
    assert "type a question first" in results.message.value
    results.query.value = "Where does Anna live?"
    results.generate_button.click()
    assert wait_until(lambda: "tw-generated" in results.output.value or results.message.value, timeout=120)
    assert 'class="tw-answer-context"' in results.output.value, results.message.value
    assert "Anna lives in" in text_of(results.output)  # the untrained model marks some span, or none

    results.enable_generation(True, task="text_classification")
    assert results.query.layout.display == "none"


def _answer(app, question="Where does Anna live?") -> str:
    results = app.results_panel
    assert not results.generate_button.disabled
    results.prompt.value, results.query.value = CONTEXT, question
    results.generate_button.click()
    assert wait_until(lambda: "tw-generated" in results.output.value or results.message.value, timeout=120)
    assert not results.message.value, results.message.value
    return results.output.value


@pytest.mark.slow
def test_the_demo_trains_in_the_thread_plots_its_scores_and_answers(app_factory):
    app = app_factory()
    app.task_panel.dropdown.value = TASK
    app.use_demo()
    assert app.can_train, app.problems
    app.train_panel.train_button.click()
    assert app.wait(600) == "finished", app.run.error
    assert {"eval_f1", "eval_exact_match"} <= set(app.train_panel.plot.metrics)
    assert app.run.metrics[-1].get("eval_exact_match", 0) >= 0.6 or any(
        r.get("eval_exact_match", 0) >= 0.6 for r in app.run.metrics)
    assert '<mark class="tw-answer-span"' in _answer(app) and ">Paris</mark>" in app.results_panel.output.value


@pytest.mark.slow
def test_a_run_trained_in_a_subprocess_or_reattached_answers(app_factory):
    app = app_factory()
    app.task_panel.dropdown.value = TASK
    app.use_demo()
    app.train_panel.mode.value = "subprocess"
    app.train_panel.train_button.click()
    assert app.wait(600) == "finished", app.run.error
    assert app.run.model is None  # trained in another process: loaded from the run directory
    assert ">Paris</mark>" in _answer(app)
    assert type(app.model).__name__ == "BertForQuestionAnswering"

    other = app_factory()
    other.attach(app.run.run_dir)
    assert other.task_panel.task == TASK
    assert ">Paris</mark>" in _answer(other)
