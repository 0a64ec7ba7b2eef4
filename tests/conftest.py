"""Shared fixtures: one tiny Llama and the demo datasets, built once per session, offline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> dict:
    """The offline demo: {'model': path, 'data': {kind: folder}}."""
    from tunewidgets.tiny import make_demo

    return make_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def tiny_llama(demo) -> str:
    return demo["model"]


@pytest.fixture()
def sft_config(demo, tmp_path) -> dict:
    """A small llm-sft config dict on the demo text data (writes under tmp_path)."""
    return {
        "task": "llm-sft",
        "base_model": demo["model"],
        "project_name": "run",
        "data": {"path": demo["data"]["sft-text"], "train_split": "train", "column_mapping": {"text_column": "text"}},
        "params": {
            "max_steps": 12,
            "batch_size": 8,
            "gradient_accumulation": 1,
            "lr": 1e-3,
            "block_size": 64,
            "model_max_length": 128,
            "logging_steps": 2,
            "save_strategy": "no",
        },
    }


def shared_configs() -> list[Path]:
    return sorted((SHARED / "autotrain-configs").glob("*.yml"))
