"""Checks before training: the loss mask, token lengths and warnings, with the real tokenizer."""

from __future__ import annotations

import json
import re

import pytest
from ui_helpers import FAST_PARAMS, set_params, text_of

from tunewidgets.config import load_config
from tunewidgets.tasks.shared import checks, llm_checks
from tunewidgets.tasks.shared.llm_common import prepare_tokenizer


@pytest.fixture(scope="module")
def tiny_bert_dir(tmp_path_factory):
    from tunewidgets.tiny import build_tiny_model

    return build_tiny_model("bert", tmp_path_factory.mktemp("bert") / "bert")


def _spans(html: str) -> list[tuple[str, int]]:
    """(class, token id) of every token span the loss-mask view rendered."""
    return [(cls, int(tid)) for cls, tid in re.findall(r'<span class="tw-tok ([\w-]+)" data-id="(\d+)"', html)]


def _first_row(path):
    with open(path, encoding="utf-8") as handle:
        return json.loads(handle.readline())


def _checked_app(app_factory, demo, chat_jsonl, **params):
    app = app_factory()
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = str(chat_jsonl)
    app.data_panel.chat_template.value = "tokenizer"
    set_params(app, **{**FAST_PARAMS, **params})
    app.checks_panel.run_button.click()
    assert app.join_background(120)
    assert app.checks_panel.message.value == "", app.checks_panel.message.value
    return app


def test_the_loss_mask_shades_exactly_the_assistant_tokens(app_factory, demo, chat_jsonl):
    app = _checked_app(app_factory, demo, chat_jsonl, assistant_only_loss=True)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(demo["model"])
    messages = _first_row(chat_jsonl)["messages"]
    expected = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True,
                                             return_assistant_tokens_mask=True)
    spans = _spans(app.checks_panel.mask.value)
    assert [tid for _, tid in spans] == list(expected["input_ids"])
    shaded = [cls == "tw-tok-loss" for cls, _ in spans]
    assert shaded == [bool(m) for m in expected["assistant_masks"]]

    # independently of the mask: the shaded runs decode to each assistant reply and its end-of-turn token
    runs, current = [], []
    for (cls, tid) in spans:
        if cls == "tw-tok-loss":
            current.append(tid)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    replies = [m["content"] + "<|im_end|>" for m in messages if m["role"] == "assistant"]
    assert [tokenizer.decode(run) for run in runs] == replies
    assert all(cls != "tw-tok-loss" for cls, tid in spans if tid == tokenizer.convert_tokens_to_ids("user"))
    assert "assistant-only loss" in app.checks_panel.mask.value


def test_without_assistant_only_loss_every_token_counts(app_factory, demo, chat_jsonl):
    app = _checked_app(app_factory, demo, chat_jsonl, assistant_only_loss=False)
    spans = _spans(app.checks_panel.mask.value)
    assert spans and all(cls == "tw-tok-loss" for cls, _ in spans)


def test_lengths_histogram_and_the_share_over_the_max_length(app_factory, demo, chat_jsonl):
    app = _checked_app(app_factory, demo, chat_jsonl, block_size=24)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(demo["model"])
    rows = [json.loads(line) for line in open(chat_jsonl, encoding="utf-8")]
    lengths = [len(tokenizer.apply_chat_template(r["messages"], tokenize=True, return_dict=True)["input_ids"])
               for r in rows]
    over = sum(n > 24 for n in lengths)
    assert 0 < over < len(rows)
    report = app.checks_panel.report
    assert report.lengths == lengths
    summary = text_of(app.checks_panel.summary)
    assert f"{over} of {len(rows)} examples exceed 24 tokens" in summary
    assert bytes(app.checks_panel.histogram.value).startswith(b"\x89PNG")
    assert "exceed 24 tokens and are cut" in text_of(app.checks_panel.warnings)
    spans = _spans(app.checks_panel.mask.value)
    if len(spans) > 24:
        assert all(cls == "tw-tok-cut" for cls, _ in spans[24:])

    app.checks_panel.example.value = 3  # look at another example
    assert [tid for _, tid in _spans(app.checks_panel.mask.value)] == \
        tokenizer.apply_chat_template(rows[3]["messages"], tokenize=True, return_dict=True)["input_ids"]


def test_checks_warn_about_a_template_without_generation_tags(demo, tmp_path):
    template = tmp_path / "plain.jinja"
    template.write_text("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}")
    config = load_config({"task": "llm-sft", "base_model": demo["model"],
                          "data": {"path": demo["data"]["sft-chat"], "chat_template": str(template),
                                   "column_mapping": {"text_column": "messages"}},
                          "params": {"assistant_only_loss": True}})
    tokenizer, _ = prepare_tokenizer(config)
    row = _first_row(f"{demo['data']['sft-chat']}/train.jsonl")
    view = llm_checks.loss_view(tokenizer, row, config)
    assert not any(view.loss) and "nothing would be trained" in view.note
    warnings = llm_checks.collect_warnings(config, tokenizer, [row], [10], 1, view)
    texts = " ".join(text for _, text in warnings)
    assert "no {% generation %} tags" in texts and "no token of this example counts" in texts


def test_checks_show_an_error_without_data(app_factory, demo):
    app = app_factory()
    app.model_panel.text.value = demo["model"]
    app.checks_panel.run_button.click()
    app.join_background(60)
    assert "no data to check" in text_of(app.checks_panel.message)


@pytest.mark.slow
def test_the_shaded_tokens_are_what_trl_trains_on(demo, tmp_path):
    """The view's mask equals the assistant mask TRL's SFTTrainer computes for the same example."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM
    from trl import SFTConfig, SFTTrainer

    config = load_config({"task": "llm-sft", "base_model": demo["model"],
                          "data": {"path": demo["data"]["sft-chat"], "chat_template": "chatml",
                                   "column_mapping": {"text_column": "messages"}},
                          "params": {"assistant_only_loss": True, "block_size": 128, "model_max_length": 512}})
    tokenizer, _ = prepare_tokenizer(config)
    row = _first_row(f"{demo['data']['sft-chat']}/train.jsonl")
    view = llm_checks.loss_view(tokenizer, row, config)
    trainer = SFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(demo["model"]),
        args=SFTConfig(output_dir=str(tmp_path), assistant_only_loss=True, max_length=128, use_cpu=True,
                       report_to=[], bf16=False),
        train_dataset=Dataset.from_list([{"messages": row["messages"]}]),
        processing_class=tokenizer,
    )
    processed = trainer.train_dataset[0]
    assert list(processed["input_ids"]) == view.ids
    if "labels" in processed:  # TRL 1.16 turns the mask into labels (-100: no loss)
        trained = [label != -100 for label in processed["labels"]]
    else:
        trained = [bool(m) for m in processed["assistant_masks"]]
    assert trained == view.loss and any(trained) and not all(trained)


def test_label_checks_for_a_classifier(app_factory, tmp_path, tiny_bert_dir):
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\n" + "".join(f"review number {i} here,{'pos' if i < 12 else 'neg'}\n"
                                               for i in range(13)))
    app = app_factory(task="text_classification")
    app.model_panel.text.value = tiny_bert_dir
    app.data_panel.path.value = str(data)
    assert app.data_panel.mapping() == {"text_column": "text", "target_column": "label"}
    app.checks_panel.run_button.click()
    assert app.join_background(60)
    warnings = text_of(app.checks_panel.warnings)
    assert "pos 12, neg 1" in warnings and "appear once: neg" in warnings and "imbalanced (12 vs 1)" in warnings
    assert app.checks_panel.mask.value == ""  # token views are for LLM tasks


def test_a_single_label_is_an_error():
    config = load_config({"task": "text_classification", "base_model": "x", "data": {
        "path": "d.csv", "column_mapping": {"text_column": "text", "target_column": "label"}}})
    levels = dict((text.split(" ")[0], level) for level, text in
                  checks.label_warnings(config, [{"text": "a", "label": "pos"}] * 3, "classes"))
    assert levels["only"] == "error"


def test_preference_data_shades_the_chosen_completion(app_factory, demo):
    app = app_factory(task="llm-dpo")
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = demo["data"]["preference"]
    assert app.data_panel.mapping() == {"text_column": "chosen", "rejected_text_column": "rejected",
                                        "prompt_text_column": "prompt"}
    app.checks_panel.run_button.click()
    assert app.join_background(120)
    assert app.checks_panel.message.value == "", app.checks_panel.message.value
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(demo["model"])
    row = _first_row(f"{demo['data']['preference']}/train.jsonl")
    spans = _spans(app.checks_panel.mask.value)
    shaded = [tid for cls, tid in spans if cls == "tw-tok-loss"]
    assert tokenizer.decode(shaded) == row["chosen"]
    assert tokenizer.decode([tid for cls, tid in spans if cls != "tw-tok-loss"]) == row["prompt"]
    lengths = app.checks_panel.report.lengths
    assert len(lengths) == 180 and all(n > 0 for n in lengths)
