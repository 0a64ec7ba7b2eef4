"""Runs compared: config keys that differ across N runs, final and best metrics per run, and the CSV of them."""

from __future__ import annotations

import csv
import math

import pytest

from tunewidgets.run.run_table import (
    column_goal,
    config_diff,
    config_diff_many,
    flatten,
    lower_is_better,
    metrics_summary,
    metrics_table,
    write_csv,
)
from tunewidgets.run.rundir import RunDirectory


def _run(folder, config_text="task: llm-sft\n", records=(), state="finished", **status):
    rundir = RunDirectory(folder)
    rundir.prepare()
    rundir.write_config_text(config_text)
    for record in records:
        rundir.append_metrics(record)
    if state:
        rundir.write_status(state, **status)
    return rundir.path


# --------------------------------------------------------------------------- config diff


def test_config_diff_many_lists_every_differing_key_with_one_value_per_run():
    configs = {
        "a": {"task": "llm-sft", "params": {"lr": 0.001, "epochs": 1, "peft": {"r": 8}}},
        "b": {"task": "llm-sft", "params": {"lr": 0.01, "epochs": 1, "peft": {"r": 16}}},
        "c": {"task": "llm-sft", "params": {"lr": 0.001, "epochs": 1, "peft": {"r": 8}}, "seed": 3},
    }
    assert config_diff_many(configs) == [
        ("params.lr", [0.001, 0.01, 0.001]),
        ("params.peft.r", [8, 16, 8]),
        ("seed", [None, None, 3]),  # missing in a and b: None there, and still a difference
    ]


def test_a_key_that_only_some_runs_lack_differs_even_when_the_others_agree():
    rows = config_diff_many({"a": {"x": {"y": 1}}, "b": {"x": {"y": 1}}, "c": {}})
    assert rows == [("x.y", [1, 1, None])]
    marker = object()
    assert config_diff_many({"a": {"k": None}, "b": {}}, missing=marker) == [("k", [None, marker])]


def test_identical_configs_have_no_diff_and_order_follows_the_runs():
    same = {"task": "t", "params": {"lr": 1e-3}}
    assert config_diff_many({"a": same, "b": dict(same), "c": {"task": "t", "params": {"lr": 0.001}}}) == []
    assert config_diff_many({}) == []
    assert config_diff_many({"z": {"k": 2}, "a": {"k": 1}}) == [("k", [2, 1])]


def test_the_two_run_diff_and_flatten_keep_their_behaviour():
    assert flatten({"a": {"b": {"c": 1}}, "d": [1, 2]}) == {"a.b.c": 1, "d": [1, 2]}
    assert config_diff({"p": {"lr": 1, "x": 2}}, {"p": {"lr": 3, "x": 2}, "q": 4}) == [("p.lr", 1, 3), ("q", None, 4)]
    from tunewidgets.ui.history import config_diff as ui_config_diff
    from tunewidgets.ui.history import flatten as ui_flatten

    assert ui_flatten is flatten and ui_config_diff is config_diff


# --------------------------------------------------------------------------- direction of a metric


@pytest.mark.parametrize("key", ["eval_loss", "eval_nll_loss", "eval_log_loss", "eval_mse", "eval_rmse", "eval_mae",
                                 "eval_gen_wer", "eval_cer", "eval_perplexity", "eval_error"])
def test_losses_and_errors_are_better_lower(key):
    assert lower_is_better(key)


@pytest.mark.parametrize("key", ["eval_accuracy", "eval_f1", "eval_gen_rougeL", "eval_gen_exact_match",
                                 "eval_rewards/margins", "eval_r2", "eval_has_answer_f1", "eval_precision"])
def test_scores_are_better_higher(key):
    assert not lower_is_better(key)


def test_column_goal():
    assert column_goal("best eval_loss") == column_goal("loss") == column_goal("final eval_mse") == "min"
    assert column_goal("best eval_accuracy") == column_goal("final eval_rewards/margins") == "max"
    assert column_goal("steps") is column_goal("best eval_loss step") is column_goal("state") is None


# --------------------------------------------------------------------------- one run's summary


def test_summary_has_final_and_best_values_by_direction(tmp_path):
    records = [
        {"step": 10, "epoch": 0.5, "loss": 2.0, "learning_rate": 1e-3},
        {"step": 10, "eval_loss": 1.5, "eval_accuracy": 0.6, "eval_mse": 0.4, "eval_runtime": 2.0,
         "eval_samples_per_second": 50.0, "eval_steps_per_second": 5.0, "eval_num_tokens": 900.0,
         "eval_entropy": 1.1, "eval_rewards/margins": 0.1},
        {"step": 20, "epoch": 1.0, "loss": 1.0},
        {"step": 20, "eval_loss": 1.2, "eval_accuracy": 0.8, "eval_mse": 0.2, "eval_rewards/margins": 0.5},
        {"step": 30, "epoch": 1.5, "loss": 0.7},
        {"step": 30, "eval_loss": 1.3, "eval_accuracy": 0.7, "eval_mse": 0.3, "eval_rewards/margins": 0.3},
    ]
    path = _run(tmp_path / "r", records=records, step=30, max_steps=30, train_runtime=41.5)
    row = metrics_summary(path)
    assert row["state"] == "finished" and row["steps"] == 30
    assert row["loss"] == 0.7 and row["eval_loss"] == 1.3
    assert row["best eval_loss"] == 1.2 and row["best eval_loss step"] == 20
    assert row["final eval_accuracy"] == 0.7 and row["best eval_accuracy"] == 0.8  # max
    assert row["final eval_mse"] == 0.3 and row["best eval_mse"] == 0.2  # min
    assert row["final eval_rewards/margins"] == 0.3 and row["best eval_rewards/margins"] == 0.5
    assert row["train_runtime"] == 41.5
    scored = [k.split(" ", 1)[1] for k in row if k.startswith(("final ", "best ")) and k != "best eval_loss step"]
    assert sorted(set(scored)) == ["eval_accuracy", "eval_loss", "eval_mse", "eval_rewards/margins"]  # no throughput
    assert "final eval_loss" not in row  # eval_loss has its own columns


def test_nan_and_string_values_are_missing_not_a_crash(tmp_path):
    records = [
        {"step": 1, "loss": 2.0},
        {"step": 1, "eval_loss": 1.0, "eval_f1": math.nan, "eval_accuracy": 0.5},
        {"step": 2, "loss": math.nan},  # written as the string "nan"
        {"step": 2, "eval_loss": "nan", "eval_f1": "inf", "eval_accuracy": "n/a"},
        {"step": 3, "loss": float("inf"), "eval_gen_rougeL": None},
    ]
    path = _run(tmp_path / "r", records=records, state="failed", train_runtime="nan")
    assert '"nan"' in (path / "metrics.jsonl").read_text()
    with open(path / "metrics.jsonl", "a", encoding="utf-8") as handle:  # another writer's bare NaN (json.dumps')
        handle.write('{"step": 3, "loss": NaN, "eval_loss": Infinity, "eval_accuracy": NaN, "eval_f1": true}\n')
    row = metrics_summary(path)
    assert row["state"] == "failed" and row["steps"] == 3
    assert row["loss"] == 2.0 and row["eval_loss"] == 1.0 and row["best eval_loss"] == 1.0
    assert row["final eval_accuracy"] == row["best eval_accuracy"] == 0.5
    assert "final eval_f1" not in row and "final eval_gen_rougeL" not in row and "train_runtime" not in row


def test_a_run_with_no_metrics_and_no_status(tmp_path):
    empty = _run(tmp_path / "empty", state=None)
    row = metrics_summary(empty)
    assert row["state"] == "unknown" and row["steps"] is None and row["loss"] is None
    assert row["best eval_loss"] is None and row["best eval_loss step"] is None
    started = _run(tmp_path / "started", state="running", step=4)
    assert metrics_summary(started)["steps"] == 4 and metrics_summary(started)["state"] == "running"
    assert metrics_summary(tmp_path / "not-there")["state"] == "unknown"


def test_the_first_of_equal_best_eval_losses_gives_the_step(tmp_path):
    path = _run(tmp_path / "r", records=[{"step": 5, "eval_loss": 0.5}, {"step": 9, "eval_loss": 0.5},
                                          {"step": 12, "eval_loss": 0.6}])
    row = metrics_summary(path)
    assert row["best eval_loss step"] == 5 and row["eval_loss"] == 0.6 and row["steps"] == 12


# --------------------------------------------------------------------------- the table and its CSV


def _two_runs(tmp_path):
    cls = _run(tmp_path / "cls", records=[{"step": 2, "loss": 0.9}, {"step": 2, "eval_loss": 0.8, "eval_f1": 0.6,
                                                                       "eval_accuracy": 0.7}],
               step=2, train_runtime=3.25)
    gen = _run(tmp_path / "gen", records=[{"step": 4, "loss": 1.1},
                                          {"step": 4, "eval_gen_exact_match": 0.25, "eval_gen_rougeL": 0.5}],
               state="stopped")
    return {"cls": cls, "gen": gen}


def test_the_table_has_the_union_of_columns_in_a_stable_order(tmp_path):
    columns, rows = metrics_table(_two_runs(tmp_path))
    assert columns == ["run", "state", "steps", "loss", "eval_loss", "best eval_loss", "best eval_loss step",
                       "final eval_accuracy", "best eval_accuracy", "final eval_f1", "best eval_f1",
                       "final eval_gen_exact_match", "best eval_gen_exact_match",
                       "final eval_gen_rougeL", "best eval_gen_rougeL", "train_runtime"]
    assert rows[0] == ["cls", "finished", 2, 0.9, 0.8, 0.8, 2, 0.7, 0.7, 0.6, 0.6, None, None, None, None, 3.25]
    assert rows[1] == ["gen", "stopped", 4, 1.1, None, None, None, None, None, None, None, 0.25, 0.25, 0.5, 0.5, None]


def test_columns_no_run_has_are_left_out(tmp_path):
    path = _run(tmp_path / "r", records=[{"step": 1, "loss": 1.0}])
    columns, rows = metrics_table({"only": path})
    assert columns == ["run", "state", "steps", "loss"] and rows == [["only", "finished", 1, 1.0]]
    assert metrics_table({}) == (["run", "state", "steps"], [])


def test_the_csv_reads_back_with_numbers_unformatted_and_none_empty(tmp_path):
    columns, rows = metrics_table(_two_runs(tmp_path))
    rows[0][3] = 0.123456789012  # full precision survives
    target = write_csv(columns, rows, tmp_path / "runs-compared.csv")
    with open(target, newline="", encoding="utf-8") as handle:
        read = list(csv.reader(handle))
    assert read[0] == columns and len(read) == 3
    assert read[1][0] == "cls" and read[1][3] == "0.123456789012" and read[1][-1] == "3.25"
    assert read[2][columns.index("eval_loss")] == "" and read[2][columns.index("train_runtime")] == ""
    assert float(read[2][columns.index("best eval_gen_rougeL")]) == 0.5
