"""The median pruner fires: a trial whose metric, as it is logged during training, is worse than the median of the
earlier trials at the same step is stopped there, recorded as pruned, and the sweep goes on."""

from __future__ import annotations

import json

import pytest

from tests.sweep.sweep_helpers import study, sweep_config, write
from tunewidgets.cli import main

pytestmark = pytest.mark.slow  # six short trials, about 30 s


def test_a_trial_worse_than_the_median_is_pruned_where_it_falls_behind(demo, tmp_path, capsys):
    import optuna

    # "maximize the training loss" turns the usual order round: five trials at a tiny learning rate keep the loss
    # high, then one at a large rate brings it down fast and so falls behind the median from its first updates
    config = sweep_config(demo, steps=8, trials=6, metric="loss", direction="maximize", pruner="median",
                          params={"params.lr": {"type": "loguniform", "low": 1e-6, "high": 1e-1}})
    path = write(config, tmp_path)
    storage = f"sqlite:///{tmp_path / 'sw' / 'sweep.db'}"
    (tmp_path / "sw").mkdir()
    queued = optuna.create_study(storage=storage, study_name="sw", direction="maximize")
    for lr in (1e-6,) * 5 + (5e-2,):
        queued.enqueue_trial({"params.lr": lr})

    assert main(["sweep", str(path), "--workdir", str(tmp_path), "--quiet"]) == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    trials = study(tmp_path).trials
    states = [t.state.name for t in trials]
    assert states == ["COMPLETE"] * 5 + ["PRUNED"], states
    pruned = trials[5]
    last = max(pruned.intermediate_values)
    assert last < 8  # stopped before its last step
    assert "trial 5 pruned: loss at step" in err and "worse than the median of earlier trials" in err
    status = json.loads((tmp_path / "sw" / "trial-5" / "status.json").read_text())
    assert status["state"] == "stopped" and status["step"] <= last + 1  # stopped at the next optimizer step
    table = (tmp_path / "sw" / "trials.md").read_text()
    assert "pruned" in table
