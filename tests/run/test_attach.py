"""Run.attach: one way to follow a run directory, whoever writes it; a writer that is gone reads as failed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tunewidgets.errors import TunewidgetsError
from tunewidgets.run.engine import Run
from tunewidgets.run.rundir import RunDirectory


def _run_dir(folder, state="running", steps=3, **status):
    rundir = RunDirectory(folder)
    folder.mkdir(parents=True)
    rundir.config_path.write_text("task: llm-sft\nbase_model: some/model\nproject_name: %s\n" % folder.name)
    for step in range(1, steps + 1):
        rundir.append_metrics({"step": step, "epoch": step / 10, "loss": 1.0 / step})
    rundir.write_status(state, step=steps, max_steps=10, **status)
    return rundir


def _sleeper():
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])


def test_attach_without_a_run_says_so(tmp_path):
    with pytest.raises(TunewidgetsError, match="no run in"):
        Run.attach(tmp_path / "nothing")


def test_a_finished_run_is_read_at_once_and_replayed_to_a_late_subscriber(tmp_path):
    _run_dir(tmp_path / "done", state="finished")
    run = Run.attach(tmp_path / "done")
    assert run.done and run.state == "finished" and len(run.metrics) == 3
    kinds = []
    run.subscribe(lambda e: kinds.append(e.kind), replay=True)
    assert kinds == ["started", "log", "log", "log", "progress", "finished"]


def test_a_writer_that_is_already_gone_reads_as_failed(tmp_path):
    process = _sleeper()
    process.kill()
    process.wait()
    _run_dir(tmp_path / "crashed", pid=process.pid)
    run = Run.attach(tmp_path / "crashed")
    assert run.done and run.state == "failed"
    assert "ended without finishing" in run.error and "resume" in run.error
    ended = []
    run.subscribe(lambda e: ended.append(e) if e.kind == "failed" else None, replay=True)
    assert ended and "ended without finishing" in ended[0]["message"]


def test_a_writer_that_dies_while_followed_ends_the_run_as_failed(tmp_path):
    process = _sleeper()
    rundir = _run_dir(tmp_path / "live", pid=process.pid)
    run = Run.attach(tmp_path / "live")
    assert run.active and not run.done
    rundir.append_metrics({"step": 4, "epoch": 0.4, "loss": 0.2})
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert run.wait(timeout=30) == "failed"
    assert [m["step"] for m in run.metrics] == [1, 2, 3, 4]


def test_stop_on_an_attached_run_asks_its_process(tmp_path):
    """Stop reaches the writer on this machine as Ctrl-C would (the CLI then checkpoints and ends stopped)."""
    process = subprocess.Popen([sys.executable, "-c", (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, lambda *a: sys.exit(130))\n"
        "time.sleep(120)\n")])
    time.sleep(0.5)
    _run_dir(tmp_path / "live", pid=process.pid)
    run = Run.attach(tmp_path / "live")
    run.stop()
    assert process.wait(timeout=30) == 130
    assert run.wait(timeout=30) == "failed"  # it wrote no final state: the follower says so


def test_detach_stops_following(tmp_path):
    process = _sleeper()
    try:
        rundir = _run_dir(tmp_path / "live", pid=process.pid)
        run = Run.attach(tmp_path / "live")
        run.detach()
        time.sleep(0.6)
        rundir.append_metrics({"step": 4, "epoch": 0.4, "loss": 0.2})
        time.sleep(0.6)
        assert len(run.metrics) == 3 and not run.done
    finally:
        process.kill()
        process.wait()
