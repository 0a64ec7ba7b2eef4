"""Sweeps across processes: two workers on one storage, and a sweep killed with its process (slow: each starts
Python processes that import the training stack)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from tests.sweep.sweep_helpers import study, sweep_config, write

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def _start(path, workdir, *extra):
    return subprocess.Popen([sys.executable, "-m", "tunewidgets", "sweep", str(path), "--workdir", str(workdir),
                             "--quiet", *extra], cwd=workdir, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _trained_two_steps(proc, tmp_path):
    """Wait until the sweep's trial 0 has trained two steps; its status.json path."""
    status_path = tmp_path / "sw" / "trial-0" / "status.json"
    deadline = time.time() + 300
    while time.time() < deadline:
        if status_path.exists() and json.loads(status_path.read_text()).get("step", 0) >= 2:
            return status_path
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        time.sleep(0.5)
    raise AssertionError("trial 0 did not train two steps in 300 s")


@pytest.mark.slow
def test_two_workers_on_one_storage_never_run_the_same_trial(demo, tmp_path):
    config = sweep_config(demo, steps=4, trials=6, sampler="random")
    config["sweep"]["storage"] = f"sqlite:///{tmp_path / 'shared.db'}"
    path = write(config, tmp_path)
    main = _start(path, tmp_path)
    worker = _start(path, tmp_path, "--worker")
    outs = [p.communicate(timeout=600) for p in (main, worker)]
    assert main.returncode == 0, outs[0][1][-3000:]
    assert worker.returncode == 0, outs[1][1][-3000:]
    import optuna

    trials = optuna.load_study(study_name="sw", storage=config["sweep"]["storage"]).trials
    shown = [t for t in trials if not t.user_attrs.get("surplus")]
    assert len(shown) == 6 and all(t.state.name == "COMPLETE" for t in shown)
    pids = {t.user_attrs["pid"] for t in shown}
    assert pids == {main.pid, worker.pid}  # both worked
    for t in shown:  # each trial directory was trained by the one process that ran the trial
        status = json.loads((tmp_path / "sw" / f"trial-{t.number}" / "status.json").read_text())
        assert status["pid"] == t.user_attrs["pid"] and status["state"] == "finished"
        started = [line for line in outs[0][1].splitlines() + outs[1][1].splitlines()
                   if line.startswith(f"trial {t.number}: ")]
        assert len(started) == 1, started
    assert (tmp_path / "sw" / "best.yml").is_file()  # the main command waited for the worker, then wrote it
    assert (tmp_path / "sw" / "trials.csv").read_text().count("\n") == 7


@pytest.mark.slow
def test_a_sweep_killed_with_its_process_continues(demo, tmp_path):
    config = sweep_config(demo, steps=2000, trials=2)
    path = write(config, tmp_path)
    proc = _start(path, tmp_path)
    _trained_two_steps(proc, tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    config["params"].update(max_steps=2, eval_steps=2)  # the rest of the sweep trains quickly
    write(config, tmp_path)
    from tunewidgets.cli import main

    assert main(["sweep", str(path), "--workdir", str(tmp_path), "--quiet"]) == 0
    states = [t.state.name for t in study(tmp_path).trials]
    assert states == ["FAIL", "COMPLETE", "COMPLETE"]
    assert "killed" in (tmp_path / "sw" / "trials.md").read_text()
    assert yaml.safe_load((tmp_path / "sw" / "best.yml").read_text())["params"]["max_steps"] == 2


@pytest.mark.slow
def test_isolated_trials_train_in_their_own_process(demo, tmp_path):
    """--isolate: each trial is a child tunewidgets train (a nested project_name, trained where it belongs)."""
    path = write(sweep_config(demo, trials=1), tmp_path)
    from tunewidgets.cli import main

    assert main(["sweep", str(path), "--workdir", str(tmp_path), "--quiet", "--isolate"]) == 0
    trial = study(tmp_path).trials[0]
    status = json.loads((tmp_path / "sw" / "trial-0" / "status.json").read_text())
    assert status["state"] == "finished" and status["pid"] != os.getpid() and trial.state.name == "COMPLETE"
    assert trial.value is not None


@pytest.mark.slow
def test_a_sweep_of_a_two_process_config_launches_every_trial_on_both_ranks(demo, tmp_path):
    """num_processes: 2 in the config: each trial is an accelerate launch (both ranks write their RNG state), not
    one process that quietly ignores the setting."""
    config = sweep_config(demo, steps=4, trials=2, sampler="random")
    config["params"].update(num_processes=2, save_strategy="steps", save_steps=4, save_total_limit=1)
    path = write(config, tmp_path)
    from tunewidgets.cli import main

    assert main(["sweep", str(path), "--workdir", str(tmp_path), "--quiet"]) == 0
    trials = study(tmp_path).trials
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE"]
    for t in trials:
        run_dir = tmp_path / "sw" / f"trial-{t.number}"
        status = json.loads((run_dir / "status.json").read_text())
        assert status["state"] == "finished" and status["processes"] == 2
        assert {"rng_state_0.pth", "rng_state_1.pth"} <= {p.name for p in (run_dir / "checkpoint-4").iterdir()}
    assert yaml.safe_load((tmp_path / "sw" / "best.yml").read_text())["params"]["num_processes"] == 2


@pytest.mark.slow
def test_an_isolated_trial_stops_with_a_checkpoint_when_its_sweep_is_killed(demo, tmp_path):
    """kill -9 of the sweep: its child trial does not train on alone (Linux tells it, and it stops gracefully)."""
    config = sweep_config(demo, steps=2000, trials=2)
    config["params"].update(save_strategy="steps", save_steps=1000)
    proc = _start(write(config, tmp_path), tmp_path, "--isolate")
    status_path = _trained_two_steps(proc, tmp_path)
    child = json.loads(status_path.read_text())["pid"]
    assert child != proc.pid
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    deadline = time.time() + 120
    while time.time() < deadline and os.path.exists(f"/proc/{child}") and not _zombie(child):
        time.sleep(0.2)
    assert not os.path.exists(f"/proc/{child}") or _zombie(child), "the trial trains on without its sweep"
    status = json.loads(status_path.read_text())
    assert status["state"] == "stopped" and status["step"] < 2000
    assert list((tmp_path / "sw" / "trial-0").glob("checkpoint-*"))  # the graceful stop saved where it was


def _zombie(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] == "Z"
    except OSError:
        return False
