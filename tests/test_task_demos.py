"""Every task's offline demo: a valid config per task, built once and reused."""

from __future__ import annotations

import pytest

from tunewidgets.config import load_config
from tunewidgets.config.tasks import TASKS, get_task
from tunewidgets.tasks.shared.demo import demo_config


@pytest.mark.parametrize("task", list(TASKS))
def test_every_task_declares_a_demo_whose_config_validates(task):
    spec = TASKS[task]
    assert spec.demo.data and spec.demo.mapping
    assert set(spec.demo.mapping) <= set(spec.role_keys)
    assert spec.demo.model or spec.model_param  # a tiny model, or the params name the model
    load_config({"task": task, "base_model": spec.demo.model or spec.demo.params[spec.model_param],
                 "data": {"path": "x", "column_mapping": dict(spec.demo.mapping)}, "params": dict(spec.demo.params)})


def test_a_demo_config_validates_and_a_second_call_reuses_what_was_built(tmp_path):
    config = demo_config(get_task("tabular"), tmp_path)
    parsed = load_config(config)
    assert parsed.params.model == "random_forest" and parsed.base_model == "random_forest"
    data = tmp_path / "data" / "tabular-classification"
    assert (data / "train.csv").is_file() and (data / "valid.csv").is_file()
    stamp = (data / "train.csv").stat().st_mtime_ns
    assert demo_config(get_task("tabular"), tmp_path, project_name="again")["project_name"] == "again"
    assert (data / "train.csv").stat().st_mtime_ns == stamp


def test_the_llm_demos_share_one_tiny_llama_and_use_their_own_data(tmp_path):
    sft = demo_config(get_task("llm-sft"), tmp_path)
    dpo = demo_config(get_task("llm-dpo"), tmp_path)
    assert sft["base_model"] == dpo["base_model"] == str(tmp_path / "tiny-llama")
    assert sft["project_name"] == "demo-sft-chat" and sft["data"]["chat_template"] == "tokenizer"
    assert dpo["data"]["column_mapping"]["rejected_text_column"] == "rejected"
    assert (tmp_path / "data" / "preference" / "train.jsonl").is_file()
