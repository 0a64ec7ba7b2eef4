"""sentence-transformers: the five trainers, their losses and evaluators, a reloadable encoder."""

from __future__ import annotations

import pytest

from tests.tasks.task_helpers import config, last_eval, tiny_model, train_cli
from tunewidgets import tiny

CASES = {
    "pair": ("st-pair", {"sentence1_column": "anchor", "sentence2_column": "positive"},
             "eval_valid_cosine_accuracy@1"),
    "pair_class": ("st-pair-class", {"sentence1_column": "premise", "sentence2_column": "hypothesis",
                                     "target_column": "label"}, "eval_valid_accuracy"),
    "pair_score": ("st-pair-score", {"sentence1_column": "sentence1", "sentence2_column": "sentence2",
                                     "target_column": "score"}, "eval_valid_spearman_cosine"),
    "triplet": ("st-triplet", {"sentence1_column": "anchor", "sentence2_column": "positive",
                               "sentence3_column": "negative"}, "eval_valid_cosine_accuracy"),
    "qa": ("st-qa", {"sentence1_column": "question", "sentence2_column": "answer"}, "eval_valid_cosine_mrr@10"),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_trainer_evaluates_on_valid_and_the_saved_encoder_embeds(kind, tmp_path):
    data_kind, mapping, metric = CASES[kind]
    data = tiny.make_task_demo(data_kind, tmp_path / "data", n=60)
    cfg = config(f"sentence-transformers:{kind}", tiny_model("bert"), data, mapping, valid="valid", epochs=1,
                 batch_size=16, lr=1e-3)
    run = train_cli(cfg, tmp_path)
    final = last_eval(run)
    assert metric in final, final

    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(run), device="cpu")
    vectors = model.encode(["A man is riding a bike.", "A man is cycling."])
    assert vectors.shape == (2, 64)
    if kind == "pair_class":
        import torch

        head = torch.load(run / "pair_classifier.pt")
        assert head["labels"] == ["0", "1", "2"]


def test_pair_class_learns_entailment_from_contradiction(tmp_path):
    data = tiny.make_task_demo("st-pair-class", tmp_path / "data", n=200)
    mapping = CASES["pair_class"][1]
    cfg = config("sentence-transformers:pair_class", tiny_model("bert"), data, mapping, valid="valid", epochs=3,
                 batch_size=16, lr=1e-3)
    run = train_cli(cfg, tmp_path)
    assert last_eval(run)["eval_valid_accuracy"] >= 0.7
