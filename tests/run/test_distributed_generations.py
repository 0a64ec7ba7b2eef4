"""eval_generate under accelerate launch, two real processes on CPU (gloo): every rank answers (a ZeRO-3 model
needs all of them for each forward pass), the main one writes, so each round is in generations.jsonl once and its
scores in metrics.jsonl once. Each launch takes 20-40 s here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tunewidgets.cli import main
from tunewidgets.run.rundir import RunDirectory
from tunewidgets.tasks.shared.generation_file import GENERATIONS_FILE, read_generations

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _extensions(monkeypatch):
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", os.environ.get("TORCH_EXTENSIONS_DIR",
                                                              str(Path.home() / ".cache" / "torch_extensions")))


@pytest.mark.parametrize("engine", [{"distributed_backend": "ddp"},
                                    {"distributed_backend": "deepspeed", "deepspeed_stage": 3}], ids=["ddp", "zero3"])
def test_two_processes_answer_each_round_once(demo, tmp_path, engine):
    config = {"task": "llm-sft", "base_model": demo["model"], "project_name": "run",
              "data": {"path": demo["data"]["sft-chat"], "train_split": "train", "valid_split": "valid",
                       "chat_template": "tokenizer", "column_mapping": {"text_column": "messages"}},
              "params": {"max_steps": 4, "batch_size": 4, "gradient_accumulation": 1, "lr": 1e-3, "block_size": 64,
                         "model_max_length": 128, "logging_steps": 1, "save_strategy": "no",
                         "eval_strategy": "steps", "eval_steps": 2, "eval_generate": 3,
                         "eval_generate_max_new_tokens": 5, "num_processes": 2, **engine}}
    (tmp_path / "cfg.yml").write_text(yaml.safe_dump(config))
    assert main(["train", str(tmp_path / "cfg.yml"), "--workdir", str(tmp_path), "--quiet"]) == 0
    run = tmp_path / "run"
    lines = (run / GENERATIONS_FILE).read_text().splitlines()
    assert len(lines) == 3 * 3  # three rounds (steps 0, 2, 4) of three prompts, written by one rank
    assert sorted(read_generations(run)) == [0, 2, 4]
    rounds = [r for r in RunDirectory(run).read_metrics() if "eval_gen_seconds" in r]
    assert [r["step"] for r in rounds] == [0, 2, 4]
