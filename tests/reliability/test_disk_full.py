"""A full disk during a checkpoint, the final save or a metrics line: the run fails cleanly, says the disk is full
and where, keeps no half-written files, the last checkpoint loads, and resume continues once space is freed.

The checkpoint and final-save cases fill a real tmpfs (mounted here as root; skipped where mounting is not
allowed); the metrics case simulates ENOSPC.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess

import pytest

from tunewidgets.run.engine import Run
from tunewidgets.run.rundir import RunDirectory

pytestmark = pytest.mark.slow


@pytest.fixture()
def small_disk(tmp_path):
    """A 64 MB tmpfs, unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64M", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder, leave: int = 48_000):
    """Fill the file system holding ``folder`` until ``leave`` bytes are free."""
    filler = folder / "filler.bin"
    free = shutil.disk_usage(folder).free
    with open(filler, "wb") as handle:
        handle.truncate(0)
        chunk = b"\0" * (1 << 20)
        remaining = free - leave
        while remaining > 0:
            handle.write(chunk[: min(len(chunk), remaining)])
            remaining -= len(chunk)
    return filler


def _config(sft_config, **params):
    sft_config["params"].update({"max_steps": 8, "logging_steps": 1, "save_strategy": "steps", "save_steps": 2,
                                 **params})
    return sft_config


def test_a_full_disk_at_a_checkpoint_fails_cleanly_and_resume_continues(sft_config, small_disk):
    config = _config(sft_config)
    run = Run(config, workdir=small_disk, mode="foreground")
    filled = {}

    def fill_after_the_first_checkpoint(event):
        if event.kind == "checkpoint" and not filled:
            filled["file"] = _fill(small_disk)

    run.subscribe(fill_after_the_first_checkpoint)
    run.run()
    run_dir = small_disk / "run"
    assert run.state == "failed"
    assert "the disk is full" in run.error and str(run_dir) in run.error and "resume" in run.error
    assert RunDirectory(run_dir).status()["state"] == "failed"
    assert sorted(p.name for p in run_dir.glob("checkpoint-*")) == ["checkpoint-2"]
    assert not list(run_dir.glob(".tmp-*"))  # nothing half-written
    from transformers import AutoModelForCausalLM

    AutoModelForCausalLM.from_pretrained(run_dir / "checkpoint-2")  # the last good checkpoint loads

    os.remove(filled["file"])
    resumed = Run(config, workdir=small_disk, mode="foreground", resume=True).run()
    assert resumed.state == "finished", resumed.error
    assert min(m["step"] for m in resumed.metrics if "loss" in m) == 3  # continued after the saved step
    assert (run_dir / "model.safetensors").is_file()


def test_a_full_disk_at_the_final_save_keeps_the_checkpoint_and_no_half_model(sft_config, small_disk):
    config = _config(sft_config, save_steps=8)
    run = Run(config, workdir=small_disk, mode="foreground")
    filled = {}

    def fill_after_the_last_checkpoint(event):
        if event.kind == "checkpoint" and event["step"] == 8:
            filled["file"] = _fill(small_disk)

    run.subscribe(fill_after_the_last_checkpoint)
    run.run()
    run_dir = small_disk / "run"
    assert run.state == "failed" and "the disk is full: saving the final model" in run.error
    assert not (run_dir / "model.safetensors").exists() and not list(run_dir.glob(".tmp-*"))
    assert (run_dir / "checkpoint-8" / "model.safetensors").is_file()
    os.remove(filled["file"])
    resumed = Run(config, workdir=small_disk, mode="foreground", resume=True).run()
    assert resumed.state == "finished", resumed.error
    assert (run_dir / "model.safetensors").is_file()


def test_a_metrics_line_that_cannot_be_written_fails_the_run_clearly(sft_config, tmp_path, monkeypatch):
    config = _config(sft_config)
    calls = {"n": 0}
    original = RunDirectory.append_metrics

    def append(self, record):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.metrics_path))
        return original(self, record)

    monkeypatch.setattr(RunDirectory, "append_metrics", append)
    run = Run(config, workdir=tmp_path, mode="foreground").run()
    assert run.state == "failed"
    assert run.error.startswith(f"the disk is full: writing {tmp_path / 'run' / 'metrics.jsonl'} failed")
    assert RunDirectory(tmp_path / "run").status()["state"] == "failed"
