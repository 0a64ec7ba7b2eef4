"""Every non-LLM task in the app: the offline demo, preview, the guessed mapping, train, metrics plotted.

Driven the way a user does it: choose the task, click "Use offline demo", look at the preview,
type the same data path into a second app (the mapping is guessed from the columns), click Train and wait.
"""

from __future__ import annotations

import pytest
from ui_helpers import text_of, wait_until

from tunewidgets.config.tasks import TASKS
from tunewidgets.ui.plot import quality_metric

SCORED = [name for name, spec in TASKS.items() if spec.scores and not spec.chat_template]  # the non-LLM tasks
CLASSIFIERS = {"text_classification", "image_classification", "tabular"}  # these write a confusion matrix
IMAGES = {"image_classification", "image_regression", "object_detection"}
LABELS = {"text_classification": "positive", "text_regression": "numeric", "token_classification": "B-PER",
          "image_classification": "10 classes", "image_regression": "numeric", "object_detection": "objects",
          "sentence-transformers:pair_class": "3 classes", "sentence-transformers:pair_score": "numeric",
          "tabular": "2 classes", "extractive-qa": "Answer lengths"}


def _demo(app, task):
    app.task_panel.dropdown.value = task
    app.model_panel.demo_button.click()
    assert wait_until(lambda: app.data_panel.has_data and app.model_panel.name
                      and not app.background.busy("demo"), timeout=180), app.model_panel.message.value
    assert app.task_panel.task == task


@pytest.mark.slow
@pytest.mark.parametrize("task", SCORED)
def test_each_task_previews_guesses_its_mapping_trains_and_plots_its_metrics(app_factory, task):
    app = app_factory()
    _demo(app, task)
    data = app.data_panel
    expected = dict(TASKS[task].demo.mapping)

    # the preview: rows, and thumbnails for image data
    assert data.num_rows and data.num_rows > 50
    assert ("<img" in data.preview_html.value) == (task in IMAGES)
    assert data.mapping() == expected and data.mapping_error is None
    # the guess: another app, the same task, the data path typed in: the roles are found from the columns
    other = app_factory()
    other.task_panel.dropdown.value = task
    other.data_panel.path.value = data.path.value
    assert other.data_panel.mapping() == expected, (other.data_panel.mapping(), expected)
    assert other.data_panel.mapping_error is None
    # the label distribution for tasks with labels
    if task in LABELS:
        assert LABELS[task] in text_of(data.distribution), text_of(data.distribution)
    else:
        assert data.distribution.value == ""
    if task == "tabular":
        assert app.model_panel.name == "random_forest" and app.model_panel.text.disabled
    assert app.can_train, app.problems

    app.train_panel.train_button.click()
    assert app.wait(600) == "finished", (app.run.error, app.train_panel.log.outputs[-3:])
    assert app.train_panel.event_errors == []

    plot = app.train_panel.plot
    assert bytes(plot.image.value).startswith(b"\x89PNG")
    assert plot.series["loss"].y, "the train loss is plotted"
    assert plot.series["eval_loss"].y, "the eval loss is plotted"
    scores = [k for r in app.run.metrics for k in r if quality_metric(k)]
    assert scores, f"{task} logs an evaluation score"
    assert plot.metrics and set(plot.metrics) <= set(scores), "evaluation scores are plotted like losses"
    assert "eval" in text_of(plot.caption)
    assert "final eval loss" in app.results_panel.metrics.value

    shown = app.results_panel.confusion.layout.display != "none"
    assert shown == (task in CLASSIFIERS), task
    if shown:
        assert bytes(app.results_panel.confusion.value).startswith(b"\x89PNG")
    if task in IMAGES:
        _predict_an_image(app, task)


def _predict_an_image(app, task):
    import datetime
    from pathlib import Path

    results = app.results_panel
    assert not results.generate_button.disabled and results.image_upload.layout.display is None
    picture = next(Path(app.data_panel.path.value).glob("valid/**/*.png"))
    content = picture.read_bytes()
    results.image_upload.value = ({"name": picture.name, "type": "image/png", "size": len(content),
                                   "content": memoryview(content), "last_modified": datetime.datetime.now()},)
    results.generate_button.click()
    assert wait_until(lambda: "tw-generated" in results.output.value or results.message.value, timeout=120)
    answer = text_of(results.output)
    assert 'class="tw-predicted-image"' in results.output.value, results.message.value
    if task == "image_classification":
        assert len(answer.strip().splitlines()) == 5 and all(":" in line for line in answer.strip().splitlines())
    elif task == "image_regression":
        float(answer.strip())
    else:
        assert "no object scored" in answer or " at (" in answer


def test_tabular_model_box_follows_the_hyperparameter(app_factory):
    app = app_factory()
    app.task_panel.dropdown.value = "tabular"
    assert app.model_panel.text.disabled and app.model_panel.name == "xgboost"
    app.set_param("model", "ridge")
    assert app.model_panel.name == "ridge" and app.model_panel.error is None
    app.task_panel.dropdown.value = "text_classification"
    assert app.model_panel.name == "" and not app.model_panel.text.disabled


def test_a_new_run_hides_the_previous_confusion_matrix(app_factory, tmp_path):
    import json

    app = app_factory()
    run_dir = tmp_path / "r"
    run_dir.mkdir()
    (run_dir / "confusion_matrix.json").write_text(json.dumps({"labels": ["a", "b"], "matrix": [[3, 1], [0, 4]]}))
    assert app.results_panel.show_confusion(run_dir)
    assert app.results_panel.confusion.layout.display is None
    assert not app.results_panel.show_confusion(None)
    assert app.results_panel.confusion.layout.display == "none" and app.results_panel.confusion.value == b""


@pytest.mark.slow
def test_a_text_classifier_trained_in_a_subprocess_or_reattached_answers_predict(app_factory):
    app = app_factory()
    _demo(app, "text_classification")
    app.train_panel.mode.value = "subprocess"
    app.set_param("epochs", 2)
    app.train_panel.train_button.click()
    assert app.wait(300) == "finished", app.run.error
    assert app.run.model is None  # trained in another process: nothing in memory yet
    results = app.results_panel
    assert not results.generate_button.disabled and results.generate_button.description == "Predict"
    results.prompt.value = "a wonderful film, I loved it"
    results.generate_button.click()
    assert wait_until(lambda: "tw-generated" in results.output.value or results.message.value, timeout=120)
    assert "positive:" in text_of(results.output) and "negative:" in text_of(results.output), results.message.value
    assert type(app.model).__name__.endswith("ForSequenceClassification")

    other = app_factory()
    other.attach(app.run.run_dir)
    assert not other.results_panel.generate_button.disabled
    assert type(other.model).__name__.endswith("ForSequenceClassification")
    assert other.results_panel.confusion.layout.display is None  # the run's confusion matrix, re-attached


@pytest.mark.slow
@pytest.mark.parametrize("task, prompt, expected", [
    ("tabular", '[{"mean radius": 20.0, "worst area": 2000.0}, {"mean radius": 8.0, "worst area": 200.0}]',
     "row 2: target = "),
    ("sentence-transformers:pair", "A man is riding a bike.\nA man rides a bicycle.\nThe market sells apples.",
     "A man rides a bicycle."),
])
def test_tabular_and_sentence_models_answer_predict(app_factory, task, prompt, expected):
    app = app_factory()
    _demo(app, task)
    app.train_panel.train_button.click()
    assert app.wait(300) == "finished", app.run.error
    results = app.results_panel
    assert not results.generate_button.disabled
    results.prompt.value = prompt
    results.generate_button.click()
    assert wait_until(lambda: "tw-generated" in results.output.value or results.message.value, timeout=120)
    answer = text_of(results.output)
    assert expected in answer, (answer, results.message.value)
    if task == "tabular":
        assert "row 1: target = " in answer
        results.prompt.value = "not json"
        results.generate_button.click()
        assert wait_until(lambda: "not JSON" in results.message.value, timeout=60)
    else:
        assert len(answer.strip().splitlines()) == 2  # two lines compared with the first
