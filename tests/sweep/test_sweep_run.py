"""tunewidgets sweep end to end on a tiny Llama (2 steps a trial, in this process): trial run directories, the
table, best.yml that retrains, continuing a study, failing trials, a metric never logged, a killed trial."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from tests.sweep.sweep_helpers import study, sweep_config, write
from tunewidgets.cli import main


def _sweep(path, tmp_path, *extra: str) -> int:
    return main(["sweep", str(path), "--workdir", str(tmp_path), "--quiet", *extra])


def test_sweep_trains_trials_writes_table_and_best_and_continues(demo, tmp_path, capsys):
    path = write(sweep_config(demo, trials=2), tmp_path)
    assert _sweep(path, tmp_path) == 0, capsys.readouterr().err
    out = capsys.readouterr()
    project = tmp_path / "sw"
    for n in (0, 1):
        status = json.loads((project / f"trial-{n}" / "status.json").read_text())
        assert status["state"] == "finished"
        trial_config = yaml.safe_load((project / f"trial-{n}" / "config.yml").read_text())
        assert "sweep" not in trial_config and trial_config["project_name"] == f"sw/trial-{n}"
    assert "| trial | state | eval_loss | params.lr | params.batch_size |" in out.out
    assert (project / "trials.csv").read_text().count("\n") == 3  # header and two trials
    assert (project / "trials.md").read_text().strip() in out.out
    best = yaml.safe_load((project / "best.yml").read_text())
    assert "sweep" not in best and best["project_name"] == "sw/best"
    table = study(tmp_path).trials
    best_trial = min((t for t in table if t.value is not None), key=lambda t: t.value)
    assert best["params"]["lr"] == pytest.approx(best_trial.params["params.lr"])
    assert best["params"]["batch_size"] == best_trial.params["params.batch_size"]
    assert f"{best_trial.number} *" in out.out  # the best row is marked
    assert "tokenized data reused" in (project / "trial-1" / "train.log").read_text()

    # the same command again continues the study up to --trials in total
    assert _sweep(path, tmp_path, "--trials", "3") == 0
    assert [t.number for t in study(tmp_path).trials] == [0, 1, 2]
    assert json.loads((project / "trial-2" / "status.json").read_text())["state"] == "finished"
    assert _sweep(path, tmp_path, "--trials", "3") == 0  # nothing left to do
    assert len(study(tmp_path).trials) == 3

    # best.yml is a normal config that tunewidgets train reruns
    assert main(["train", str(project / "best.yml"), "--workdir", str(tmp_path), "--quiet"]) == 0
    assert json.loads((project / "best" / "status.json").read_text())["state"] == "finished"


def test_a_failing_trial_is_recorded_and_the_sweep_goes_on(demo, tmp_path, capsys, monkeypatch):
    """An exception (out of memory, simulated) in two trials, a NaN loss in another: all recorded, exit 0."""
    from tunewidgets.run.callbacks import RunCallback
    from tunewidgets.run.engine import Run

    build, on_log = Run._build_job, RunCallback.on_log

    def build_or_oom(self):
        if self.config.params.batch_size == 3:
            raise MemoryError("CUDA out of memory (simulated)")
        return build(self)

    def nan_at_half(self, args, state, control, logs=None, **kwargs):
        if args.learning_rate == 0.5 and logs and "loss" in logs:
            logs = {**logs, "loss": float("nan")}
        return on_log(self, args, state, control, logs=logs, **kwargs)

    monkeypatch.setattr(Run, "_build_job", build_or_oom)
    monkeypatch.setattr(RunCallback, "on_log", nan_at_half)
    config = sweep_config(demo, trials=4, sampler="grid",
                          params={"params.batch_size": {"type": "categorical", "choices": [2, 3]},
                                  "params.lr": {"type": "categorical", "choices": [1e-3, 0.5]}})
    path = write(config, tmp_path)
    assert _sweep(path, tmp_path) == 0
    out = capsys.readouterr().out
    trials = study(tmp_path).trials
    assert len(trials) == 4
    by_values = {(t.params["params.batch_size"], t.params["params.lr"]): t for t in trials}
    assert by_values[(2, 1e-3)].state.name == "COMPLETE"
    for key in ((3, 1e-3), (3, 0.5)):
        assert by_values[key].state.name == "FAIL"
        assert "MemoryError: CUDA out of memory (simulated)" in by_values[key].user_attrs["error"]
    assert by_values[(2, 0.5)].state.name == "FAIL"
    assert "NaN" in by_values[(2, 0.5)].user_attrs["error"] or "nan" in by_values[(2, 0.5)].user_attrs["error"]
    assert out.count("| failed |") == 3
    for trial in trials:  # each trial is still an ordinary run directory saying what happened
        status = json.loads((tmp_path / "sw" / f"trial-{trial.number}" / "status.json").read_text())
        assert status["state"] == ("finished" if trial.state.name == "COMPLETE" else "failed")


def test_a_metric_never_logged_stops_after_the_first_trial(demo, tmp_path, capsys):
    path = write(sweep_config(demo, trials=3, metric="eval_accuracy"), tmp_path)
    assert _sweep(path, tmp_path) == 2
    err = capsys.readouterr().err
    line = [x for x in err.splitlines() if x.startswith("error:")]
    assert line and "sweep.metric: eval_accuracy was never logged by trial 0" in line[-1]
    assert "eval_loss" in line[-1]  # what it did log
    assert len(study(tmp_path).trials) == 1


def test_a_trial_whose_process_died_is_marked_failed_and_redone(demo, tmp_path, capsys):
    """A trial left running by a killed process (its pid gone from this machine) is failed on the next start and
    not counted: the sweep trains another in its place."""
    import optuna

    path = write(sweep_config(demo, trials=2), tmp_path)
    assert _sweep(path, tmp_path, "--trials", "1") == 0
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    s = study(tmp_path)
    orphan = s.ask()  # what a killed worker leaves: a running trial with its pid
    import socket

    orphan.set_user_attr("host", socket.gethostname())
    orphan.set_user_attr("pid", dead.pid)
    capsys.readouterr()
    assert _sweep(path, tmp_path) == 0
    captured = capsys.readouterr()
    assert "marked failed, their process was killed: trial 1" in captured.err
    trials = study(tmp_path).trials
    assert [t.state for t in trials] == [optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL,
                                         optuna.trial.TrialState.COMPLETE]
    assert "| 1 | killed |" in captured.out


def test_train_on_a_config_with_a_sweep_trains_it_once(demo, tmp_path, capsys):
    path = write(sweep_config(demo), tmp_path)
    assert main(["train", str(path), "--workdir", str(tmp_path), "--quiet"]) == 0
    assert "sweep: section is for tunewidgets sweep" in capsys.readouterr().err
    assert "sweep" not in yaml.safe_load((tmp_path / "sw" / "config.yml").read_text())
