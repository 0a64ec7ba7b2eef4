"""Subprocess runs the app can follow, stop gracefully, and re-attach to."""

from __future__ import annotations

import time

import pytest

from tunewidgets.run.engine import Run
from tunewidgets.run.rundir import RunDirectory

pytestmark = pytest.mark.slow


def test_subprocess_run_is_followed_to_the_end(sft_config, tmp_path):
    sft_config["data"]["valid_split"] = "valid"
    run = Run(sft_config, workdir=tmp_path, mode="subprocess")
    kinds = []
    run.subscribe(lambda e: kinds.append(e.kind))
    run.start()
    assert run.wait(timeout=300) == "finished", run.error
    assert {"started", "log", "eval", "finished"} <= set(kinds)
    rundir = RunDirectory(tmp_path / "run")
    assert run.metrics == rundir.read_metrics()
    model, tokenizer = run.load_model()
    assert model is not None and tokenizer is not None


def test_stop_signals_the_process_which_checkpoints_and_ends_stopped(sft_config, tmp_path):
    sft_config["params"].update(max_steps=100000, logging_steps=1)
    run = Run(sft_config, workdir=tmp_path, mode="subprocess").start()
    deadline = time.time() + 300
    while time.time() < deadline and not run.metrics:
        time.sleep(0.1)
    run.stop()
    assert run.wait(timeout=300) == "stopped", run.error
    status = RunDirectory(tmp_path / "run").status()
    assert status["state"] == "stopped"
    assert (tmp_path / "run" / f"checkpoint-{status['step']}").is_dir()


def test_attach_follows_a_live_run_and_reads_a_finished_one(sft_config, tmp_path):
    sft_config["params"].update(max_steps=60, logging_steps=2)
    first = Run(sft_config, workdir=tmp_path, mode="subprocess").start()
    deadline = time.time() + 300
    while time.time() < deadline and not (tmp_path / "run" / "config.yml").exists():
        time.sleep(0.05)
    attached = Run.attach(tmp_path / "run")  # as a restarted kernel would
    seen = []
    attached.subscribe(lambda e: seen.append(e.kind))
    assert attached.wait(timeout=300) == "finished"
    assert first.wait(timeout=60) == "finished"
    assert len(attached.metrics) == len(RunDirectory(tmp_path / "run").read_metrics())

    again = Run.attach(tmp_path / "run")  # a finished run: curves and state at once
    assert again.done and again.status == "finished"
    assert [m["step"] for m in again.metrics] == [m["step"] for m in attached.metrics]


def test_dataframe_data_crosses_into_the_subprocess(sft_config, tmp_path, demo):
    import pandas as pd

    frame = pd.read_json(f"{demo['data']['sft-text']}/train.jsonl", lines=True)
    sft_config["data"] = {"column_mapping": {"text_column": "text"}}
    sft_config["params"]["max_steps"] = 4
    run = Run(sft_config, data=frame, workdir=tmp_path, mode="subprocess").start()
    assert run.wait(timeout=300) == "finished", run.error
