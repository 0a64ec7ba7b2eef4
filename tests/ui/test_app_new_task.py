"""A new task is one package plus one registry line.

The test writes a task package outside tunewidgets (product-review sentiment, reusing the text classifier's
trainer), adds its line to the registry, and uses it the way a user would: the config and the CLI validate it,
the app lists it with its family and columns, builds its demo, guesses the mapping, shows the labels, trains it,
and Try the model answers.
"""

from __future__ import annotations

import sys
import textwrap

import pytest
from ui_helpers import text_of, wait_until

from tunewidgets.config.tasks import TASKS, canonical_task, default_task

_PACKAGE = '''
"""review-sentiment: a text classifier for product reviews, declared outside tunewidgets."""

from dataclasses import replace

from tunewidgets.config.params_text import TextClassificationParams
from tunewidgets.config.task_spec import Demo, Hook, Predict, TaskSpec
from tunewidgets.tasks.shared import roles

TASKS = (
    TaskSpec(
        name="review-sentiment",
        title="Review sentiment",
        group="Reviews (transformers)",
        params=TextClassificationParams,
        roles=(replace(roles.TEXT, help="the review", names=("review", "body")),
               replace(roles.LABEL, help="the review's sentiment", names=("sentiment", "stars"))),
        build=Hook.to("tunewidgets.tasks.text_classification.train:build"),
        load_saved=Hook.to("tunewidgets.tasks.shared.saved:load_transformers",
                           model="AutoModelForSequenceClassification"),
        demo=Demo(model="bert", data="text-classification", mapping={"text_column": "text", "target_column": "label"},
                  params={"epochs": 2, "batch_size": 16, "lr": 3e-3, "logging_steps": 5, "max_seq_length": 64,
                          "eval_strategy": "epoch", "save_strategy": "no"}, rows=300),
        aliases=("reviews",),
        distribution=("target_column", "classes"),
        scores=("accuracy", "f1"),
        predict=Predict(run=Hook.to("tunewidgets.tasks.text_classification.predict:predict")),
        checks=Hook.to("tunewidgets.tasks.shared.checks:check_rows", labels="classes"),
    ),
)
'''


@pytest.fixture()
def review_task(tmp_path, monkeypatch):
    """A task package written outside tunewidgets and its one registry line."""
    from tunewidgets.tasks import registry

    package = tmp_path / "extra_tasks" / "review_sentiment"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "__init__.py").write_text(textwrap.dedent(_PACKAGE))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "TASK_PACKAGES", (*registry.TASK_PACKAGES, "extra_tasks.review_sentiment"))
    TASKS.reload()
    yield TASKS["review-sentiment"]
    monkeypatch.undo()
    TASKS.reload()
    for name in [m for m in sys.modules if m.startswith("extra_tasks")]:
        del sys.modules[name]


@pytest.mark.slow
def test_a_new_task_is_one_package_and_one_registry_line(review_task, app_factory, tmp_path, capsys):
    from tunewidgets.cli import main
    from tunewidgets.config import load_config

    assert canonical_task("reviews") == "review-sentiment" and default_task() == "llm-sft"
    config = load_config({"task": "reviews", "base_model": "x", "data": {"path": "d.csv"}})
    assert config.task == "review-sentiment" and config.params.max_seq_length
    yml = tmp_path / "r.yml"
    yml.write_text("task: review-sentiment\nbase_model: x\ndata: {path: d.csv, column_mapping: "
                   "{text_column: review, target_column: stars}}\n")
    assert main(["validate", str(yml)]) == 0 and "review-sentiment" in capsys.readouterr().out

    app = app_factory()
    assert "review-sentiment" in [value for _, value in app.task_panel.dropdown.options]
    app.task_panel.dropdown.value = "review-sentiment"
    note = text_of(app.task_panel.note)
    assert "Reviews (transformers)" in note and "text_column" in note and "target_column" in note
    app.model_panel.demo_button.click()
    assert wait_until(lambda: app.data_panel.has_data and not app.background.busy("demo"), timeout=180)
    assert app.data_panel.mapping() == {"text_column": "text", "target_column": "label"}
    assert "positive" in text_of(app.data_panel.distribution)
    assert app.can_train, app.problems
    app.train_panel.train_button.click()
    assert app.wait(300) == "finished", app.run.error
    assert any("eval_accuracy" in record for record in app.run.metrics)
    app.results_panel.prompt.value = "a wonderful, delightful day"
    app.results_panel.generate_button.click()
    assert app.join_background(120)
    answer = text_of(app.results_panel.output)
    assert "positive" in answer and "negative" in answer
    assert app.python_script().startswith("# Eject to code writes a plain script")
