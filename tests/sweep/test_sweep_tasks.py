"""Sweeps beyond LLMs: a trial is scored by the metric of the model it saved, which for tabular is its search's
best pipeline (not its last), and every task's demo config sweeps."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.sweep.sweep_helpers import study, write
from tunewidgets.cli import main
from tunewidgets.config.tasks import TASKS
from tunewidgets.sweep.trial import _at_model_step


def test_the_objective_is_read_at_the_saved_models_step():
    records = [{"step": 1, "eval_loss": 0.5}, {"step": 2, "eval_loss": 0.2}, {"step": 3, "eval_loss": 0.4}]
    assert _at_model_step(records, "eval_loss", 2) == 0.2
    assert _at_model_step(records, "eval_loss", 3) == 0.4
    assert _at_model_step(records, "eval_loss", None) == 0.4  # a status without the step: the last
    assert _at_model_step(records, "eval_loss", 7) == 0.4  # a step never evaluated: the last


def _demo_sweep(task: str, root, ranges: dict, **params) -> dict:
    from tunewidgets.tasks.shared.demo import demo_config

    config = demo_config(TASKS[task], root / "demo", project_name="sw")
    config["params"].update(params)
    config["sweep"] = {"trials": 2, "metric": "eval_loss", "seed": 0, "sampler": "random", "pruner": "none",
                       "params": ranges}
    return config


@pytest.mark.slow
def test_a_tabular_trial_scores_the_pipeline_it_kept(tmp_path):
    config = _demo_sweep("tabular", tmp_path, {"params.model": {"type": "categorical",
                                                                "choices": ["random_forest", "xgboost"]}},
                         num_trials=6)
    path = write(config, tmp_path)
    assert main(["sweep", str(path), "--workdir", str(tmp_path), "--quiet"]) == 0
    for trial in study(tmp_path).trials:
        run_dir = tmp_path / "sw" / f"trial-{trial.number}"
        kept = json.loads((run_dir / "tabular.json").read_text())
        assert trial.value == pytest.approx(kept["best_loss"])  # the saved pipeline's loss, not the last one's
        assert json.loads((run_dir / "status.json").read_text())["model_step"] == kept["best_trial"]
    best = yaml.safe_load((tmp_path / "sw" / "best.yml").read_text())
    assert best["task"] == "tabular" and "sweep" not in best


@pytest.mark.slow
@pytest.mark.parametrize("task", ["text_classification", "token_classification", "extractive-qa", "seq2seq",
                                  "sentence-transformers:triplet", "image_classification", "object_detection",
                                  "vlm:vqa"])
def test_every_kind_of_task_sweeps_its_learning_rate(tmp_path, task):
    from tunewidgets.config import load_config

    config = _demo_sweep(task, tmp_path, {"params.lr": {"type": "loguniform", "low": 1e-4, "high": 1e-2}},
                         max_steps=4, eval_strategy="steps", eval_steps=2)
    path = write(config, tmp_path)
    assert main(["sweep", str(path), "--workdir", str(tmp_path), "--quiet"]) == 0
    trials = study(tmp_path).trials
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE"]
    assert len({t.params["params.lr"] for t in trials}) == 2 and all(t.value > 0 for t in trials)
    best = load_config(tmp_path / "sw" / "best.yml")  # a plain config of the same task, the best lr in it
    assert best.task == TASKS[task].name and best.sweep is None
    assert best.params.lr == pytest.approx(min(trials, key=lambda t: t.value).params["params.lr"])
