"""The run directory's files stay readable and complete."""

from __future__ import annotations

import math

import pytest

from tunewidgets.errors import RunDirectoryError
from tunewidgets.run.rundir import RunDirectory


def test_status_is_merged_and_atomic(tmp_path):
    rundir = RunDirectory(tmp_path / "r")
    rundir.prepare()
    rundir.write_status("running", pid=1)
    rundir.write_status("finished", step=5)
    status = rundir.read_status()
    assert status["state"] == "finished" and status["pid"] == 1 and status["step"] == 5
    assert not list((tmp_path / "r").glob(".*.tmp"))


def test_metrics_lines_are_valid_json_even_with_nan(tmp_path):
    rundir = RunDirectory(tmp_path / "r")
    rundir.prepare()
    rundir.append_metrics({"step": 1, "loss": 1.5})
    rundir.append_metrics({"step": 2, "loss": math.nan})
    with open(rundir.metrics_path, "a") as fh:
        fh.write('{"step": 3, "lo')  # a torn line after a kill
    records = rundir.read_metrics()
    assert [r["step"] for r in records] == [1, 2]
    assert records[1]["loss"] == "nan"


def test_prepare_refuses_then_overwrites_when_told(tmp_path):
    rundir = RunDirectory(tmp_path / "r")
    rundir.prepare()
    rundir.log("hello")
    with pytest.raises(RunDirectoryError, match="already holds a run"):
        RunDirectory(tmp_path / "r").prepare()
    RunDirectory(tmp_path / "r").prepare(resume=True)
    assert rundir.log_path.exists()
    RunDirectory(tmp_path / "r").prepare(overwrite=True)
    assert not rundir.log_path.exists()


def test_secrets_are_redacted_from_log_and_status(tmp_path):
    rundir = RunDirectory(tmp_path / "r", redact=["hf_sentinel"])
    rundir.prepare()
    rundir.log("token hf_sentinel leaked")
    rundir.write_status("failed", error="bad token hf_sentinel")
    text = rundir.log_path.read_text() + rundir.status_path.read_text()
    assert "hf_sentinel" not in text and "***" in text


def test_checkpoints_are_sorted_by_step(tmp_path):
    rundir = RunDirectory(tmp_path / "r")
    rundir.prepare()
    for step in (10, 2, 100):
        (tmp_path / "r" / f"checkpoint-{step}").mkdir()
    assert [p.name for p in rundir.checkpoints()] == ["checkpoint-2", "checkpoint-10", "checkpoint-100"]
    assert rundir.last_checkpoint().name == "checkpoint-100"
