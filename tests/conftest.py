"""Shared fixtures: one tiny Llama and the demo datasets, built once per session, offline; and where AutoTrain's
example configs are ($TUNEWIDGETS_AUTOTRAIN_CONFIGS, optional: the tests that need them skip without it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# AutoTrain's own example configs are not part of this repository: the tests that load them read the folder named by
# this variable (huggingface/autotrain-advanced's configs/<task>/<name>.yml copied flat as <task>__<name>.yml), and
# skip, saying so, when it is unset or not a folder. Nothing else in the suite reads outside the repository.
AUTOTRAIN_CONFIGS_ENV = "TUNEWIDGETS_AUTOTRAIN_CONFIGS"


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


def autotrain_configs_dir() -> Path | None:
    """The folder of AutoTrain's example configs named by $TUNEWIDGETS_AUTOTRAIN_CONFIGS, or None."""
    value = os.environ.get(AUTOTRAIN_CONFIGS_ENV, "").strip()
    if not value:
        return None
    folder = Path(value).expanduser().resolve()
    return folder if folder.is_dir() else None


def autotrain_configs_skip_reason() -> str:
    value = os.environ.get(AUTOTRAIN_CONFIGS_ENV, "").strip()
    why = "it is unset" if not value else f"{value!r} is not a folder"
    return f"needs AutoTrain's example configs: set {AUTOTRAIN_CONFIGS_ENV} to their folder ({why})"


# Mark for tests that read AutoTrain's example configs (decided when the tests are collected).
needs_autotrain_configs = pytest.mark.skipif(autotrain_configs_dir() is None, reason=autotrain_configs_skip_reason())


def autotrain_configs(pattern: str = "*.yml") -> list[Path]:
    """AutoTrain's example configs matching ``pattern``, sorted; empty when the folder is not available."""
    folder = autotrain_configs_dir()
    return sorted(folder.glob(pattern)) if folder is not None else []


def autotrain_config_params(pattern: str = "*.yml", ids=lambda path: path.stem) -> list:
    """Parameters for ``@pytest.mark.parametrize("path", ...)`` over AutoTrain's example configs.

    Without the folder this is one parameter that skips with the reason, so the test still collects and says why.
    """
    folder = autotrain_configs_dir()
    if folder is None:
        return [pytest.param(None, id="no-autotrain-configs",
                             marks=pytest.mark.skip(reason=autotrain_configs_skip_reason()))]
    return [pytest.param(path, id=ids(path)) for path in sorted(folder.glob(pattern))]
