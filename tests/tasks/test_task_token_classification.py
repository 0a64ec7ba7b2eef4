"""token_classification: string or integer tags, entity-level metrics, a reloadable tagger."""

from __future__ import annotations

import pandas as pd

from tests.tasks.task_helpers import config, last_eval, read_metrics, tiny_model, train_cli, write_config
from tunewidgets import tiny
from tunewidgets.cli import main


def test_string_tags_learn_entities_and_the_reloaded_model_tags_new_text(tmp_path):
    data = tiny.make_task_demo("token-classification", tmp_path / "data", n=200)
    cfg = config("token_classification", tiny_model("bert"), data, {"tokens_column": "tokens", "tags_column": "tags"},
                 valid="valid", epochs=3, batch_size=16, lr=3e-3)
    run = train_cli(cfg, tmp_path)
    final = last_eval(run)
    assert {"eval_precision", "eval_recall", "eval_f1", "eval_accuracy"} <= set(final)
    assert final["eval_f1"] >= 0.8, read_metrics(run)

    from transformers import AutoConfig, pipeline

    names = set(AutoConfig.from_pretrained(run).id2label.values())
    assert names == {"O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"}
    tagger = pipeline("token-classification", model=str(run), aggregation_strategy="simple")
    found = {(e["entity_group"], e["word"]) for e in tagger("Maria lives in Oslo .")}
    assert ("PER", "maria") in found and ("LOC", "oslo") in found


def test_integer_tags_in_conll_shape(tmp_path):
    data = tiny.make_task_demo("token-classification", tmp_path / "data", n=40, splits=("train", "validation"),
                               int_labels=True)
    cfg = config("token_classification", tiny_model("bert"), data,
                 {"tokens_column": "tokens", "tags_column": "ner_tags"}, valid="validation", max_steps=2, batch_size=8)
    run = train_cli(cfg, tmp_path)
    assert "eval_f1" in last_eval(run)


def test_tags_that_do_not_match_the_tokens_are_a_clear_error(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    rows = [{"tokens": ["a", "b"], "tags": ["O", "B-X"]}] * 5 + [{"tokens": ["a", "b", "c"], "tags": ["O"]}]
    pd.DataFrame(rows).to_json(data / "train.jsonl", orient="records", lines=True)
    cfg = config("token_classification", tiny_model("bert"), str(data),
                 {"tokens_column": "tokens", "tags_column": "tags"}, max_steps=1)
    assert main(["train", str(write_config(cfg, tmp_path)), "--workdir", str(tmp_path)]) == 2
    assert "has 3 tokens but 1 tags" in capsys.readouterr().err
