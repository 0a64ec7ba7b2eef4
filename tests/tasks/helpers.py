"""Functions the LLM task tests share: a YAML run through the CLI, metrics checks, a TaskContext."""

from __future__ import annotations

import json
import math
from pathlib import Path

import yaml


def train_with_cli(config: dict, tmp_path: Path, *extra: str) -> Path:
    """Write the config as YAML and run ``tunewidgets train`` in-process; returns the run directory."""
    from tunewidgets.cli import main

    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config))
    code = main(["train", str(path), "--workdir", str(tmp_path), "--quiet", *extra])
    run_dir = tmp_path / config.get("project_name", "run")
    assert code == 0, (run_dir / "train.log").read_text()[-3000:] if (run_dir / "train.log").exists() else code
    return run_dir


def read_metrics(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines() if line.strip()]


def assert_trained(run_dir: Path, *, eval_loss: bool = True) -> list[dict]:
    """Finite training losses were logged (and an eval_loss when asked); returns the records."""
    records = read_metrics(run_dir)
    losses = [r["loss"] for r in records if "loss" in r]
    assert losses and all(math.isfinite(x) for x in losses), records
    if eval_loss:
        evals = [r["eval_loss"] for r in records if "eval_loss" in r]
        assert evals and all(math.isfinite(x) for x in evals), records
    assert json.loads((Path(run_dir) / "status.json").read_text())["state"] == "finished"
    return records


def task_context(config: dict, tmp_path: Path, **kwargs):
    """A TaskContext on CPU for calling a task's ``build`` directly (no run directory machinery)."""
    from tunewidgets.config import load_config
    from tunewidgets.device import DeviceInfo
    from tunewidgets.tasks.base import TaskContext

    return TaskContext(config=load_config(config), run_dir=tmp_path / "out", device=DeviceInfo(device="cpu"),
                       log=lambda message: None, **kwargs)
