"""data.streaming: data larger than memory or disk trains as a stream (llm-sft), with max_steps."""

from __future__ import annotations

import json

import pytest

from tests.tasks.helpers import task_context
from tunewidgets.config import load_config
from tunewidgets.errors import ConfigError


def _stream_config(llm_config, data_kind="sft-text", **params):
    config = llm_config("llm-sft", data_kind, valid=False, **params)
    config["data"]["streaming"] = True
    return config


def test_a_stream_needs_max_steps_and_a_task_that_streams(llm_config):
    config = _stream_config(llm_config)
    config["params"].update(max_steps=-1, eval_steps=None, eval_strategy="no")
    with pytest.raises(ConfigError, match="a stream has no known length: set params.max_steps"):
        load_config(config)
    config = _stream_config(llm_config)
    config.update(task="text_classification", params={"max_steps": 2})
    config["data"]["column_mapping"] = {"text_column": "text", "target_column": "label"}
    with pytest.raises(ConfigError, match="text_classification reads its data whole; streaming works for llm-sft"):
        load_config(config)


@pytest.mark.parametrize("data_kind", ["sft-text", "sft-chat"])
def test_llm_sft_trains_on_a_stream(llm_config, tmp_path, data_kind):
    from tunewidgets.tasks.llm_sft.train import build

    config = _stream_config(llm_config, data_kind, max_steps=3)
    job = build(task_context(config, tmp_path))
    assert type(job.trainer.train_dataset).__name__ == "IterableDataset"
    job.trainer.train()
    assert job.trainer.state.global_step == 3


def test_a_bad_row_in_a_stream_fails_naming_it(llm_config, tmp_path):
    from tests.tasks.helpers import train_with_cli  # noqa: F401 - the CLI path is the same build

    data = tmp_path / "stream"
    data.mkdir()
    rows = [{"text": f"row {i} text"} for i in range(20)] + [{"text": "  "}] + [{"text": "x y"}] * 20
    (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = _stream_config(llm_config, max_steps=8, batch_size=4)
    config["data"]["path"] = str(data)
    from tunewidgets.run.engine import Run

    run = Run(config, workdir=tmp_path / "runs", mode="foreground").run()
    assert run.state == "failed" and "row 21 of the train split has no text" in run.error
