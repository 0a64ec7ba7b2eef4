"""A tiny llm-sft config with a sweep section, written to a folder (shared by the sweep tests)."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml


def sweep_config(demo: dict, *, steps: int = 2, trials: int = 2, **sweep) -> dict:
    config = {
        "task": "llm-sft",
        "base_model": demo["model"],
        "project_name": "sw",
        "data": {"path": demo["data"]["sft-text"], "train_split": "train", "valid_split": "valid",
                 "column_mapping": {"text_column": "text"}},
        "params": {"max_steps": steps, "batch_size": 4, "gradient_accumulation": 1, "lr": 1e-3, "block_size": 64,
                   "model_max_length": 128, "logging_steps": 1, "eval_strategy": "steps", "eval_steps": steps,
                   "save_strategy": "no"},
        "sweep": {"trials": trials, "metric": "eval_loss", "pruner": "none", "seed": 0,
                  "params": {"params.lr": {"type": "loguniform", "low": 1e-4, "high": 1e-2},
                             "params.batch_size": {"type": "categorical", "choices": [2, 4]}}},
    }
    config["sweep"].update(copy.deepcopy(sweep))
    return config


def write(config: dict, folder: Path, name: str = "sweep.yml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def study(folder: Path, name: str = "sw"):
    import optuna

    return optuna.load_study(study_name=name, storage=f"sqlite:///{folder / name / 'sweep.db'}")
