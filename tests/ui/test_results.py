"""Results: the metrics table and trying a model (each task's predict hook: generate for LLMs, predict for the rest)."""

from __future__ import annotations

import pytest

from tunewidgets.config.tasks import get_task
from tunewidgets.tasks.shared.generation import generate_text
from tunewidgets.ui.results_panel import metrics_html


def predict_text(model, tokenizer, task, text):
    """What Try the model shows for ``task``, through the task's own hook."""
    return get_task(task).predict.run(model, tokenizer, text).text


def test_metrics_table_has_the_final_and_best_losses():
    records = [{"step": 1, "loss": 3.0}, {"step": 2, "loss": 2.0}, {"step": 2, "eval_loss": 2.5, "eval_accuracy": 0.7},
               {"step": 4, "loss": 1.0}, {"step": 4, "eval_loss": 2.7, "eval_accuracy": 0.75}]
    html = metrics_html(records, {"state": "finished", "step": 4, "max_steps": 4, "duration": 12.5, "path": "/r"})
    for text in ("finished", "4 / 4", "12.5 s", "1.0000 (step 4)", "3.0000 (step 1)", "best eval loss",
                 "2.5000 (step 2)", "eval_accuracy", "0.75", "/r"):
        assert text in html, text


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    from tunewidgets.tiny import build_tiny_model

    return build_tiny_model("bert", tmp_path_factory.mktemp("bert") / "bert")


def test_predict_ranks_the_labels_of_a_classifier(tiny_bert):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(tiny_bert, num_labels=2,
                                                               id2label={0: "neg", 1: "pos"})
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    lines = predict_text(model, tokenizer, "text_classification", "a fine film").splitlines()
    assert sorted(line.split(":")[0] for line in lines) == ["neg", "pos"]
    assert abs(sum(float(line.split(":")[1]) for line in lines) - 1) < 1e-3
    regressor = AutoModelForSequenceClassification.from_pretrained(tiny_bert, num_labels=1)
    float(predict_text(regressor, tokenizer, "text_regression", "a fine film"))


def test_predict_tags_each_word(tiny_bert):
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    model = AutoModelForTokenClassification.from_pretrained(tiny_bert, num_labels=2, id2label={0: "O", 1: "B-PER"})
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    tagged = predict_text(model, tokenizer, "token_classification", "Ada met Alan").split()
    assert [t.split("/")[0] for t in tagged] == ["Ada", "met", "Alan"]
    assert all(t.split("/")[1] in ("O", "B-PER") for t in tagged)


def test_generate_text_uses_the_chat_template(demo):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(demo["model"])
    tokenizer = AutoTokenizer.from_pretrained(demo["model"])
    model.train()
    text = generate_text(model, tokenizer, "What is 2 plus 3?", max_new_tokens=5)
    assert isinstance(text, str)
    assert model.training  # left as it was
