"""Loading a finished run's model with the class its task trains (re-attach, subprocess runs)."""

from __future__ import annotations

import pytest

from tests.tasks.task_helpers import config, tiny_model, train_cli
from tunewidgets import tiny
from tunewidgets.run.saved import has_saved_model, load_saved, saved_task


@pytest.mark.slow
@pytest.mark.parametrize("task, model_kind, data_kind, mapping, expected", [
    ("text_classification", "bert", "text-classification", {"text_column": "text", "target_column": "label"},
     "ForSequenceClassification"),
    ("token_classification", "bert", "token-classification", {"tokens_column": "tokens", "tags_column": "tags"},
     "ForTokenClassification"),
    ("seq2seq", "t5", "seq2seq", {"text_column": "dialogue", "target_column": "summary"},
     "ForConditionalGeneration"),
    ("image_classification", "vit", "image-classification", {"image_column": "image", "target_column": "label"},
     "ForImageClassification"),
])
def test_a_saved_run_loads_with_its_tasks_class(tmp_path, task, model_kind, data_kind, mapping, expected):
    data = tiny.make_task_demo(data_kind, tmp_path / "data", n=60)
    run_dir = train_cli(config(task, tiny_model(model_kind), data, mapping, valid="valid", max_steps=1,
                               batch_size=8), tmp_path)
    assert saved_task(run_dir) == task and has_saved_model(run_dir)
    model, tokenizer = load_saved(run_dir)
    assert type(model).__name__.endswith(expected)
    assert tokenizer is not None


def test_tabular_loads_its_pipeline(tmp_path):
    data = tiny.make_task_demo("tabular-classification", tmp_path / "data", n=120, splits=("train",))
    run_dir = train_cli(config("tabular", "none", str(data), {"target_columns": ["target"]}, model="ridge",
                               num_trials=1), tmp_path)
    pipeline, info = load_saved(run_dir)
    assert hasattr(pipeline, "predict") and info["features"]


def test_nothing_saved_and_no_config(tmp_path):
    assert not has_saved_model(tmp_path) and saved_task(tmp_path) is None
