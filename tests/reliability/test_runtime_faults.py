"""Faults at run time: nothing is lost, the state says what happened, resume continues."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from tunewidgets.cli import main
from tunewidgets.run.engine import Run
from tunewidgets.run.rundir import RunDirectory

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


@pytest.mark.slow
def test_kill_9_leaves_complete_metrics_a_loadable_checkpoint_and_resumes(sft_config, tmp_path):
    sft_config["params"].update(max_steps=100000, logging_steps=1, save_strategy="steps", save_steps=3,
                                save_total_limit=2)
    path = tmp_path / "cfg.yml"
    path.write_text(yaml.safe_dump(sft_config))
    proc = subprocess.Popen([sys.executable, "-m", "tunewidgets", "train", str(path), "--quiet"], cwd=tmp_path,
                            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rundir = RunDirectory(tmp_path / "run")
    deadline = time.time() + 300
    while time.time() < deadline and len(rundir.checkpoints()) < 2:
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)

    lines = rundir.metrics_path.read_text().splitlines(keepends=True)
    assert lines and all(line.endswith("\n") for line in lines)
    assert all(json.loads(line)["step"] >= 1 for line in lines)
    assert rundir.read_status()["state"] == "running"  # what the file says ...
    status = rundir.status()  # ... and what a reader is told
    assert status["state"] == "failed" and "ended without finishing" in status["error"]

    checkpoint = rundir.last_checkpoint()
    from transformers import AutoModelForCausalLM

    AutoModelForCausalLM.from_pretrained(checkpoint)
    step = int(checkpoint.name.split("-")[1])

    sft_config["params"]["max_steps"] = step + 3
    resumed = Run(sft_config, workdir=tmp_path, resume=True)
    first = {}
    resumed.subscribe(lambda e: first.setdefault("step", e["step"]) if e.kind == "progress" else None)
    assert resumed.run().status == "finished", resumed.error
    assert first["step"] == step + 1
    assert rundir.status()["state"] == "finished"
    assert not list((tmp_path / "run").glob(".tmp-checkpoint-*"))


def test_checkpoint_write_failure_fails_the_run_and_keeps_the_previous_one(sft_config, tmp_path, monkeypatch,
                                                                          capsys):
    from transformers import Trainer

    original = Trainer._save_optimizer_and_scheduler

    def disk_full(self, output_dir):
        if self.state.global_step >= 4:
            raise OSError(28, "No space left on device")
        return original(self, output_dir)

    monkeypatch.setattr(Trainer, "_save_optimizer_and_scheduler", disk_full)
    sft_config["params"].update(max_steps=8, save_strategy="steps", save_steps=2, save_total_limit=3)
    path = tmp_path / "cfg.yml"
    path.write_text(yaml.safe_dump(sft_config))
    assert main(["train", str(path), "--workdir", str(tmp_path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"the disk is full: writing checkpoint-4 in {tmp_path / 'run'} failed" in err
    assert "last checkpoint still loads" in err and "--resume" in err
    rundir = RunDirectory(tmp_path / "run")
    assert [p.name for p in rundir.checkpoints()] == ["checkpoint-2"]
    assert not list((tmp_path / "run").glob(".tmp-checkpoint-*"))
    assert rundir.status()["state"] == "failed"


def test_a_checkpoint_write_error_that_is_not_a_full_disk_names_its_cause(sft_config, tmp_path, monkeypatch,
                                                                          capsys):
    from transformers import Trainer

    original = Trainer._save_optimizer_and_scheduler

    def denied(self, output_dir):
        if self.state.global_step >= 4:
            raise PermissionError(13, "Permission denied", output_dir)
        return original(self, output_dir)

    monkeypatch.setattr(Trainer, "_save_optimizer_and_scheduler", denied)
    sft_config["params"].update(max_steps=8, save_strategy="steps", save_steps=2)
    path = tmp_path / "cfg.yml"
    path.write_text(yaml.safe_dump(sft_config))
    assert main(["train", str(path), "--workdir", str(tmp_path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "writing checkpoint-4 in" in err and "(PermissionError: Permission denied)" in err
    assert "disk is full" not in err and "previous checkpoint is kept" in err


def test_stop_twice_is_harmless(sft_config, tmp_path):
    sft_config["params"]["max_steps"] = 50
    run = Run(sft_config, workdir=tmp_path)

    def stop_twice(event):
        if event.kind == "progress" and event["step"] == 2:
            run.stop()
            run.stop()

    run.subscribe(stop_twice)
    assert run.run().status == "stopped"
    run.stop()  # after the end: nothing happens
    assert run.status == "stopped"
    assert RunDirectory(tmp_path / "run").last_checkpoint().name == "checkpoint-2"


def test_stop_during_evaluation_finishes_the_evaluation_then_stops(sft_config, tmp_path, monkeypatch):
    from tunewidgets.run import callbacks

    sft_config["params"].update(max_steps=40, eval_strategy="steps", eval_steps=3)
    sft_config["data"]["valid_split"] = "valid"
    run = Run(sft_config, workdir=tmp_path)

    def stop_while_evaluating(self, args, state, control, **kwargs):
        run.stop()
        return control

    monkeypatch.setattr(callbacks.RunCallback, "on_prediction_step", stop_while_evaluating, raising=False)
    assert run.run().status == "stopped", run.error
    records = RunDirectory(tmp_path / "run").read_metrics()
    assert any("eval_loss" in r and r["step"] == 3 for r in records)
    status = RunDirectory(tmp_path / "run").status()
    assert status["state"] == "stopped" and status["step"] == 4  # the next optimizer step
    assert RunDirectory(tmp_path / "run").last_checkpoint().name == "checkpoint-4"
