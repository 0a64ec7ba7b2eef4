"""tabular: scikit-learn pipelines, the bounded search, the saved pipeline, Stop and resume."""

from __future__ import annotations

import json

import joblib
import numpy as np
import pandas as pd
import pytest

from tests.tasks.task_helpers import config, read_metrics, train_cli, write_config
from tunewidgets import tiny
from tunewidgets.cli import main
from tunewidgets.tasks.tabular.train import load_model


def _tabular(data, kind="tabular", targets=("target",), **params) -> dict:
    return config(kind, "none", str(data), {"target_columns": list(targets)}, **params)


def test_breast_cancer_classification_and_the_reloaded_pipeline(tmp_path):
    data = tiny.make_task_demo("tabular-classification", tmp_path / "data", n=None, splits=("train",))
    run = train_cli(_tabular(data, model="random_forest", num_trials=3, numerical_imputer="median",
                             numeric_scaler="standard"), tmp_path)
    evals = [r for r in read_metrics(run) if "eval_loss" in r]
    assert len(evals) == 3 and [r["step"] for r in evals] == [1, 2, 3]  # one point per trial
    info = json.loads((run / "tabular.json").read_text())
    assert info["best_metrics"]["accuracy"] >= 0.9
    assert info["labels"] == {"target": ["0", "1"]}
    assert (run / "confusion_matrix.json").is_file()
    status = json.loads((run / "status.json").read_text())
    assert status["state"] == "finished" and status["step"] == 3

    pipeline = joblib.load(run / "model.joblib")
    frame = pd.read_csv(f"{data}/train.csv").head(20)
    predicted = pipeline.predict(frame[info["features"]])
    assert (predicted == frame["target"]).mean() >= 0.9
    again, _ = load_model(run)
    assert (again.predict(frame[info["features"]]) == predicted).all()


def test_diabetes_regression(tmp_path):
    data = tiny.make_task_demo("tabular-regression", tmp_path / "data", n=None, splits=("train",))
    run = train_cli(_tabular(data, kind="tabular_regression", model="ridge", num_trials=4,
                             numeric_scaler="standard"), tmp_path)
    info = json.loads((run / "tabular.json").read_text())
    assert info["task"] == "regression" and info["best_metrics"]["r2"] >= 0.3
    assert {"eval_r2", "eval_mse", "eval_mae", "eval_rmse"} <= set(read_metrics(run)[-1])
    prediction = joblib.load(run / "model.joblib").predict(pd.read_csv(f"{data}/train.csv").head(3)[info["features"]])
    assert prediction.shape == (3,)


def test_categories_missing_values_string_labels_and_two_targets(tmp_path, capsys):
    rng = np.random.default_rng(0)
    n = 200
    color = rng.choice(["red", "green", "blue"], n)
    size = rng.normal(size=n)
    frame = pd.DataFrame({"id": range(n), "color": color, "size": size,
                          "kind": np.where(color == "red", "hot", "cold")})
    frame.loc[::7, "size"] = np.nan
    frame.loc[1::11, "color"] = None
    data = tmp_path / "data"
    data.mkdir()
    frame.to_csv(data / "train.csv", index=False)
    cfg = config("tabular", "none", str(data), {"id_column": "id", "target_columns": ["kind"]},
                 model="extra_trees", num_trials=2, categorical_imputer="most_frequent")
    run = train_cli(cfg, tmp_path / "one")
    info = json.loads((run / "tabular.json").read_text())
    assert info["categorical_columns"] == ["color"] and info["numerical_columns"] == ["size"]
    assert info["labels"] == {"kind": ["cold", "hot"]}
    assert info["best_metrics"]["accuracy"] >= 0.85
    assert set(joblib.load(run / "model.joblib").predict(frame.head(5)[info["features"]])) <= {"hot", "cold"}
    assert "imputing the median" in (run / "train.log").read_text()

    frame["score"] = frame["size"].fillna(0) * 3 + (color == "blue")
    frame.to_csv(data / "train.csv", index=False)
    cfg2 = config("tabular_regression", "none", str(data), {"id_column": "id", "target_columns": ["score", "size"]},
                  model="random_forest", num_trials=1, numerical_imputer="mean")
    train_cli(cfg2, tmp_path / "two", expect=2)  # a NaN target is a clear error, not a crash
    assert "the train split's size is empty (NaN) at row 1" in capsys.readouterr().err
    frame.fillna({"size": 0.0}).to_csv(data / "train.csv", index=False)
    run2 = train_cli(cfg2, tmp_path / "three")
    assert json.loads((run2 / "tabular.json").read_text())["targets"] == ["score", "size"]
    assert joblib.load(run2 / "model.joblib").predict(frame.head(4)[["color", "kind"]]).shape == (4, 2)


def test_time_limit_ends_the_search_after_the_first_trial(tmp_path):
    data = tiny.make_task_demo("tabular-classification", tmp_path / "data", n=200, splits=("train",))
    run = train_cli(_tabular(data, model="random_forest", num_trials=50, time_limit=1), tmp_path)
    trials = [r for r in read_metrics(run) if "eval_loss" in r]
    assert 1 <= len(trials) < 50
    assert json.loads((run / "status.json").read_text())["max_steps"] == 50


def test_stop_keeps_a_checkpoint_and_resume_continues_the_search(tmp_path):
    from tunewidgets.run.engine import Run

    data = tiny.make_task_demo("tabular-classification", tmp_path / "data", n=200, splits=("train",))
    cfg = _tabular(data, model="decision_tree", num_trials=6)
    run = Run(cfg, workdir=tmp_path)
    run.subscribe(lambda e: run.stop() if e.kind == "progress" and e["step"] >= 2 else None)
    assert run.run().state == "stopped", run.error
    assert (tmp_path / "run" / "checkpoint-2" / "model.joblib").is_file()

    resumed = Run(cfg, workdir=tmp_path, resume=True).run()
    assert resumed.state == "finished", resumed.error
    steps = [r["step"] for r in read_metrics(tmp_path / "run") if "eval_loss" in r]
    assert steps == [1, 2, 3, 4, 5, 6]
    assert (tmp_path / "run" / "model.joblib").is_file()


@pytest.mark.parametrize("params, message", [
    ({"model": "lasso"}, "lasso is a regression model"),
    ({"model": "random_forest", "numerical_columns": ["nope"]}, "column 'nope' not found"),
])
def test_bad_tabular_settings_are_clear_errors(tmp_path, capsys, params, message):
    data = tiny.make_task_demo("tabular-classification", tmp_path / "data", n=50, splits=("train",))
    assert main(["train", str(write_config(_tabular(data, **params), tmp_path)), "--workdir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_xgboost_when_installed(tmp_path):
    pytest.importorskip("xgboost")
    data = tiny.make_task_demo("tabular-classification", tmp_path / "data", n=None, splits=("train",))
    run = train_cli(_tabular(data, model="xgboost", num_trials=2), tmp_path)
    info = json.loads((run / "tabular.json").read_text())
    assert info["model"] == "xgboost" and info["best_metrics"]["accuracy"] >= 0.9
