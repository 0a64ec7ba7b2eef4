"""Fixtures for the compare tests: tiny runs trained once per session, and run directories written by hand (a
config.yml and a status.json, for the runs compare must refuse before it loads anything)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.tasks.helpers import train_with_cli

MAPPINGS = {"sft-chat": {"text_column": "messages"}, "sft-text": {"text_column": "text"},
            "preference": {"text_column": "chosen", "rejected_text_column": "rejected",
                           "prompt_text_column": "prompt"}}


def llm_run_config(demo: dict, task: str = "llm-sft", data: str = "sft-chat", valid: bool = True,
                   chat_template: str | None = None, project: str = "run", **params) -> dict:
    """A config dict that trains the tiny Llama a few steps in seconds (tests/tasks/conftest.py's, trimmed)."""
    steps = params.pop("max_steps", 4)
    return {
        "task": task,
        "base_model": demo["model"],
        "project_name": project,
        "data": {"path": demo["data"][data], "train_split": "train", "valid_split": "valid" if valid else None,
                 "chat_template": chat_template or ("tokenizer" if "chat" in data else None),
                 "column_mapping": MAPPINGS[data]},
        "params": {"max_steps": steps, "batch_size": 8, "gradient_accumulation": 1, "lr": 1e-3, "block_size": 64,
                   "model_max_length": 128, "logging_steps": 2, "save_strategy": "no",
                   "eval_strategy": "steps" if valid else "no", "eval_steps": steps, **params},
    }


@pytest.fixture(scope="session")
def chat_run(demo, tmp_path_factory) -> Path:
    """llm-sft on the demo conversations, trained hard (lr 5e-3) so it answers unlike its base; eval_generate asks
    3 validation prompts at steps 0, 2, 4 and 6 (generations.jsonl)."""
    config = llm_run_config(demo, project="chat-run", max_steps=6, lr=5e-3, eval_steps=2, eval_generate=3,
                            eval_generate_max_new_tokens=8)
    return train_with_cli(config, tmp_path_factory.mktemp("chat"))


def write_run(folder: Path, config: dict, *, status: dict | None = None, model: bool = True) -> Path:
    """A run directory by hand: config.yml, status.json, and a config.json standing for a saved model."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yml").write_text(yaml.safe_dump(config))
    if status is not None:
        (folder / "status.json").write_text(json.dumps(status))
    if model:
        (folder / "config.json").write_text("{}")
    return folder
