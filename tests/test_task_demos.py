"""The offline demos of the non-LLM tasks: a valid config per task, built once and reused."""

from __future__ import annotations

import pytest

from tunewidgets.config import load_config
from tunewidgets.config.tasks import TASKS
from tunewidgets.task_demos import DEMOS, task_demo_config


def test_every_non_llm_task_has_a_demo():
    assert set(DEMOS) == {name for name, info in TASKS.items() if info.family != "llm"}


def test_a_demo_config_validates_and_a_second_call_reuses_what_was_built(tmp_path):
    config = task_demo_config("tabular", tmp_path)
    parsed = load_config(config)
    assert parsed.params.model == "random_forest" and parsed.base_model == "random_forest"
    data = tmp_path / "data" / "tabular-classification"
    assert (data / "train.csv").is_file() and (data / "valid.csv").is_file()
    stamp = (data / "train.csv").stat().st_mtime_ns
    assert task_demo_config("tabular", tmp_path, project_name="again")["project_name"] == "again"
    assert (data / "train.csv").stat().st_mtime_ns == stamp


def test_an_unknown_task_names_the_ones_with_a_demo(tmp_path):
    with pytest.raises(ValueError, match="text_classification"):
        task_demo_config("llm-sft", tmp_path)
