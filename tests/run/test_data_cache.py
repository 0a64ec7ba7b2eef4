"""Tokenize once: a rerun on the same data reuses datasets' cache, and any change to what the tokenized data
depends on (the data, the tokenizer, the chat template, the max length, the formatting) prepares again."""

from __future__ import annotations

import json
import re

import pytest

from tunewidgets.run.engine import Run


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """A datasets cache of this test's own (nothing reused from another test or an earlier session)."""
    import datasets.config

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")


def _data(folder, n=64, suffix=""):
    folder.mkdir(exist_ok=True)
    path = folder / "train.jsonl"
    path.write_text("".join(json.dumps({"text": f"row {i} is about the sky{suffix}"}) + "\n" for i in range(n)))
    return str(folder)


def _reused(config, workdir) -> int:
    """How many preparation steps came from the cache (0 when the run prepared everything)."""
    run = Run(config, workdir=workdir, overwrite=True, mode="foreground")
    notes = []
    run.subscribe(lambda e: notes.append(e["text"]) if e.kind == "message" else None)
    run.run()
    assert run.state == "finished", run.error
    found = [re.search(r"tokenized data reused: (\d+) preparation", text) for text in notes]
    return next((int(m.group(1)) for m in found if m), 0)


def test_a_rerun_reuses_the_tokenized_data_and_a_change_prepares_again(sft_config, tmp_path, demo):
    sft_config["data"] = {"path": _data(tmp_path / "data"), "train_split": "train",
                          "column_mapping": {"text_column": "text"}}
    sft_config["params"].update(max_steps=2)
    assert _reused(sft_config, tmp_path / "runs") == 0  # the first run prepares everything
    full = _reused(sft_config, tmp_path / "runs")
    assert full > 0  # the same config again: read from the cache
    log = (tmp_path / "runs" / "run" / "train.log").read_text()
    assert "tokenized data reused" in log

    changed_data = {**sft_config, "data": {**sft_config["data"], "path": _data(tmp_path / "data2", suffix="!")}}
    assert _reused(changed_data, tmp_path / "runs") == 0
    longer = {**sft_config, "params": {**sft_config["params"], "block_size": 32}}
    assert _reused(longer, tmp_path / "runs") < full
    no_eos = {**sft_config, "params": {**sft_config["params"], "add_eos_token": False}}
    assert _reused(no_eos, tmp_path / "runs") < full


def test_a_new_tokenizer_or_template_prepares_again(sft_config, tmp_path, demo):
    from tunewidgets.tiny import build_tiny_llama

    chat = tmp_path / "chat"
    chat.mkdir()
    rows = [{"messages": [{"role": "user", "content": f"Q{i}?"}, {"role": "assistant", "content": f"A{i}."}]}
            for i in range(32)]
    (chat / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    sft_config["data"] = {"path": str(chat), "train_split": "train", "chat_template": "chatml",
                          "column_mapping": {"text_column": "messages"}}
    sft_config["params"].update(max_steps=2)
    _reused(sft_config, tmp_path / "runs")
    full = _reused(sft_config, tmp_path / "runs")
    assert full > 0
    zephyr = {**sft_config, "data": {**sft_config["data"], "chat_template": "zephyr"}}
    assert _reused(zephyr, tmp_path / "runs") < full
    other = build_tiny_llama(tmp_path / "other-llama", vocab_size=600)
    assert _reused({**sft_config, "base_model": other}, tmp_path / "runs") < full
