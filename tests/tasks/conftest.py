"""Fixtures for the LLM task tests: small configs on the demo data (functions are in helpers.py)."""

from __future__ import annotations

import pytest

MAPPINGS = {
    "sft-text": {"text_column": "text"},
    "sft-chat": {"text_column": "messages"},
    "preference": {"text_column": "chosen", "rejected_text_column": "rejected", "prompt_text_column": "prompt"},
    "preference-chat": {"text_column": "chosen", "rejected_text_column": "rejected"},
}


@pytest.fixture()
def llm_config(demo):
    """``make(task, data_kind, valid=True, **params)``: a config dict that trains a few steps in seconds."""

    def make(task: str, data: str = "preference", valid: bool = True, chat_template: str | None = None, **params):
        steps = params.pop("max_steps", 4)
        return {
            "task": task,
            "base_model": demo["model"],
            "project_name": "run",
            "data": {
                "path": demo["data"][data],
                "train_split": "train",
                "valid_split": "valid" if valid else None,
                "chat_template": chat_template or ("tokenizer" if "chat" in data else None),
                "column_mapping": MAPPINGS[data],
            },
            "params": {
                "max_steps": steps,
                "batch_size": 8,
                "gradient_accumulation": 1,
                "lr": 1e-3,
                "block_size": 64,
                "model_max_length": 128,
                "logging_steps": 1,
                "save_strategy": "no",
                "eval_strategy": "steps",
                "eval_steps": steps,
                **params,
            },
        }

    return make
