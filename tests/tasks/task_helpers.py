"""Shared by the non-LLM task tests: tiny models built once per process, a CLI run, metrics."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from pathlib import Path

import yaml

_ROOT = Path(tempfile.mkdtemp(prefix="tw-task-tests-"))
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)


@functools.lru_cache(maxsize=None)
def tiny_model(kind: str) -> str:
    """A tiny model of ``kind`` (bert, t5, vit, yolos), built once per test process."""
    from tunewidgets.tiny import build_tiny_model

    return build_tiny_model(kind, _ROOT / f"tiny-{kind}")


def write_config(config: dict, tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def train_cli(config: dict, tmp_path: Path, *overrides: str, expect: int = 0) -> Path:
    """``tunewidgets train`` in-process on ``config``; returns the run directory (asserts the exit code)."""
    from tunewidgets.cli import main

    path = write_config(config, tmp_path)
    args = ["train", str(path), "--workdir", str(tmp_path), "--quiet"]
    for override in overrides:
        args += ["--set", override]
    code = main(args)
    run_dir = tmp_path / config.get("project_name", "run")
    log = (run_dir / "train.log").read_text()[-3000:] if (run_dir / "train.log").exists() else ""
    assert code == expect, log or code
    return run_dir


def read_metrics(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines() if line.strip()]


def last_eval(run_dir: Path) -> dict:
    evals = [r for r in read_metrics(run_dir) if "eval_loss" in r]
    assert evals, read_metrics(run_dir)
    return evals[-1]


def duration(run_dir: Path) -> float:
    """Seconds the run took, from its status.json."""
    return float(json.loads((Path(run_dir) / "status.json").read_text())["duration"])


def config(task: str, base_model: str, data: str, mapping: dict, /, *, train: str = "train",
           valid: str | None = None, **params) -> dict:
    """A run config dict; ``params`` may hold any params field (also ``model`` and ``task``, tabular's)."""
    if task != "tabular" and not task.startswith("tabular"):
        params.setdefault("save_strategy", "no")
    return {"task": task, "base_model": base_model, "project_name": "run",
            "data": {"path": data, "train_split": train, "valid_split": valid, "column_mapping": mapping},
            "params": params}
