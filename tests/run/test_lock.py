"""One live run per run directory: a second writer is refused, naming the first; a stale lock is taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from tunewidgets.errors import RunDirectoryError
from tunewidgets.run.lock import RunLock, holder, lock_path


def test_a_second_writer_is_refused_naming_the_first(tmp_path):
    with RunLock(tmp_path / "run") as lock:
        assert lock.path == tmp_path / ".run.lock" and lock.note is None
        owner = holder(tmp_path / "run")
        assert owner["pid"] == os.getpid() and owner["host"] == socket.gethostname()
        with pytest.raises(RunDirectoryError, match=rf"being written by a live run \(pid {os.getpid()} on"):
            RunLock(tmp_path / "run").acquire()
    assert holder(tmp_path / "run") is None and not lock_path(tmp_path / "run").exists()


def test_a_stale_lock_is_taken_over_with_a_note(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    lock_path(tmp_path / "run").write_text(json.dumps({"pid": process.pid, "host": socket.gethostname(),
                                                       "started": time.time()}))
    assert holder(tmp_path / "run") is None
    with RunLock(tmp_path / "run") as lock:
        assert lock.note and f"pid {process.pid}" in lock.note and "stale" in lock.note


def test_a_lock_held_on_another_host_is_never_taken_over(tmp_path):
    lock_path(tmp_path / "run").write_text(json.dumps({"pid": 1, "host": "gpu-box-7", "started": time.time()}))
    with pytest.raises(RunDirectoryError, match="pid 1 on gpu-box-7.*remove .*\\.run\\.lock"):
        RunLock(tmp_path / "run").acquire()


def test_the_cli_refuses_a_second_train_into_a_live_run_even_with_overwrite(sft_config, tmp_path, capsys):
    import yaml

    from tunewidgets.cli import main
    from tunewidgets.run.engine import Run

    sft_config["params"].update(max_steps=100000, logging_steps=1)
    first = Run(sft_config, workdir=tmp_path).start()
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not first.metrics:
            time.sleep(0.05)
        path = tmp_path / "again.yml"
        path.write_text(yaml.safe_dump(sft_config))
        capsys.readouterr()
        code = main(["train", str(path), "--workdir", str(tmp_path), "--overwrite", "--quiet"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert f"is being written by a live run (pid {os.getpid()} on {socket.gethostname()}" in err
        assert (tmp_path / "run" / "metrics.jsonl").exists()  # --overwrite removed nothing
    finally:
        first.stop()
        first.wait(120)
    assert first.state == "stopped" and holder(tmp_path / "run") is None


def test_the_app_will_not_train_into_a_directory_a_live_run_writes(tmp_path):
    from tunewidgets import TrainerApp

    app = TrainerApp(workdir=tmp_path, namespace={})
    app.load_config({"task": "llm-sft", "base_model": str(tmp_path), "project_name": "busy",
                     "data": {"path": str(tmp_path)}})
    with RunLock(tmp_path / "busy"):
        app._refresh()
        assert any("being written by a live run" in problem for problem in app.problems), app.problems
        assert app.train() is None
