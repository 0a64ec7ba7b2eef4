"""text_classification and text_regression: learning on keyword-separable text, labels without ClassLabel."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.tasks.task_helpers import config, last_eval, read_metrics, tiny_model, train_cli, write_config
from tunewidgets import tiny
from tunewidgets.cli import main

MAPPING = {"text_column": "text", "target_column": "label"}


def test_learns_keyword_classes_and_the_reloaded_pipeline_predicts_names(tmp_path):
    data = tiny.make_task_demo("text-classification", tmp_path / "data", n=400, splits=("train",))
    cfg = config("text_classification", tiny_model("bert"), data, MAPPING, epochs=4, batch_size=16, lr=3e-3)
    run = train_cli(cfg, tmp_path)
    final = last_eval(run)
    assert final["eval_accuracy"] >= 0.9, read_metrics(run)
    assert {"eval_f1", "eval_precision", "eval_recall"} <= set(final)
    # automatic 20% validation split: 80 of 400 rows
    assert "held out 80 of 400" in (run / "train.log").read_text()

    from transformers import AutoConfig, pipeline

    assert AutoConfig.from_pretrained(run).id2label == {0: "negative", 1: "positive"}
    classify = pipeline("text-classification", model=str(run))
    out = classify(["The concert was wonderful.", "The hotel was dreadful to be honest."])
    assert [o["label"] for o in out] == ["positive", "negative"]
    matrix = json.loads((run / "confusion_matrix.json").read_text())
    assert matrix["labels"] == ["negative", "positive"] and sum(map(sum, matrix["matrix"])) == 80


def test_integer_labels_and_a_given_valid_split(tmp_path):
    data = tiny.make_task_demo("text-classification", tmp_path / "data", n=60, splits=("train", "valid"),
                               fmt="csv", int_labels=True)
    cfg = config("text_classification", tiny_model("bert"), data, MAPPING, valid="valid", max_steps=3,
                 batch_size=8)
    run = train_cli(cfg, tmp_path)
    from transformers import AutoConfig

    assert AutoConfig.from_pretrained(run).id2label == {0: "0", 1: "1"}
    assert "eval_accuracy" in last_eval(run)


def test_a_valid_label_that_train_lacks_is_a_clear_error(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame({"text": ["good", "bad"] * 5, "label": ["pos", "neg"] * 5}).to_csv(data / "train.csv", index=False)
    pd.DataFrame({"text": ["meh", "good"], "label": ["neutral", "pos"]}).to_csv(data / "valid.csv", index=False)
    cfg = config("text_classification", tiny_model("bert"), str(data), MAPPING, valid="valid", max_steps=1)
    assert main(["train", str(write_config(cfg, tmp_path)), "--workdir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "the valid split has label 'neutral' that the train split lacks" in err
    assert "train labels: neg, pos" in err
    assert not (tmp_path / "run").exists()


def test_text_regression_predicts_a_number(tmp_path):
    data = tiny.make_task_demo("text-regression", tmp_path / "data", n=80, splits=("train",))
    cfg = config("text_regression", tiny_model("bert"), data, {"text_column": "text", "target_column": "target"},
                 epochs=2, batch_size=16, lr=3e-3)
    run = train_cli(cfg, tmp_path)
    assert {"eval_mse", "eval_mae", "eval_r2", "eval_rmse"} <= set(last_eval(run))

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(run)
    tokens = AutoTokenizer.from_pretrained(run)(["I give the film nine out of ten."], return_tensors="pt")
    with torch.no_grad():
        assert model(**tokens).logits.shape == (1, 1)


@pytest.mark.parametrize("bad, message", [
    ({"text": [1, 2, 3, 4, 5, 6], "label": ["a", "b"] * 3}, "holds int at row 1: expected text"),
    ({"text": ["x"] * 6, "label": ["a"] * 6}, "at least two classes"),
])
def test_bad_text_data_is_a_clear_error(tmp_path, capsys, bad, message):
    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame(bad).to_json(data / "train.jsonl", orient="records", lines=True)
    cfg = config("text_classification", tiny_model("bert"), str(data), MAPPING, max_steps=1)
    assert main(["train", str(write_config(cfg, tmp_path)), "--workdir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_early_stopping_ends_a_run_whose_eval_loss_stalls(tmp_path):
    data = tiny.make_task_demo("text-classification", tmp_path / "data", n=40, splits=("train",))
    cfg = config("text_classification", tiny_model("bert"), data, MAPPING, epochs=20, batch_size=16, lr=1e-9,
                 early_stopping_patience=2, early_stopping_threshold=0.01)
    run = train_cli(cfg, tmp_path)
    evals = [r for r in read_metrics(run) if "eval_loss" in r]
    assert len(evals) == 3  # the first sets the best, two more without improvement stop the run
    assert "early stopping" in (run / "train.log").read_text()
