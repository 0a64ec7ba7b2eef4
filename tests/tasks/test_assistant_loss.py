"""Assistant-only loss: the tokens that count are exactly the assistant turns, checked token by token.

The expected tokens are found independently of TRL: by character offsets of each assistant
turn's content and end marker in the rendered conversation.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.tasks.helpers import task_context

CONVERSATION = [
    {"role": "system", "content": "You answer simple questions."},
    {"role": "user", "content": "What is 2 plus 3?"},
    {"role": "assistant", "content": "5."},
    {"role": "user", "content": "What color is the sky?"},
    {"role": "assistant", "content": "Blue, on a clear day."},
]


def _assistant_spans(text: str, template: str, eos: str) -> list[tuple[int, int]]:
    """Character spans of what an assistant turn generates: its content and the end-of-turn marker."""
    header, end = {"chatml": ("<|im_start|>assistant\n", "<|im_end|>"), "zephyr": ("<|assistant|>\n", eos)}[template]
    spans, start = [], 0
    for message in CONVERSATION:
        if message["role"] != "assistant":
            continue
        begin = text.index(header + message["content"] + end, start) + len(header)
        stop = begin + len(message["content"]) + len(end)
        spans.append((begin, stop))
        start = stop
    return spans


@pytest.mark.parametrize("template", ["chatml", "zephyr", "jinja-file"])
def test_labels_are_exactly_the_assistant_tokens(llm_config, tmp_path, template):
    from tunewidgets.data.chat_templates import ZEPHYR
    from tunewidgets.tasks.llm_sft.train import build

    chosen = template
    if template == "jinja-file":  # a user's own template file: zephyr's text, so the same spans apply
        chosen, template = str(tmp_path / "mine.jinja"), "zephyr"
        (tmp_path / "mine.jinja").write_text(ZEPHYR)
    config = llm_config("llm-sft", "sft-chat", valid=False, chat_template=chosen, assistant_only_loss=True,
                        block_size=256, model_max_length=512)
    job = build(task_context(config, tmp_path, train_data=pd.DataFrame({"messages": [CONVERSATION]})))
    tokenizer = job.tokenizer
    batch = job.trainer.data_collator([job.trainer.train_dataset[0]])
    input_ids, labels = batch["input_ids"][0].tolist(), batch["labels"][0].tolist()

    text = tokenizer.apply_chat_template(CONVERSATION, tokenize=False)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    assert input_ids == encoded["input_ids"]  # the trainer saw the rendered conversation
    spans = _assistant_spans(text, template, tokenizer.eos_token)
    expected = [any(a <= start and stop <= b for a, b in spans) for start, stop in encoded["offset_mapping"]]
    trained = [label != -100 for label in labels]
    assert trained == expected
    assert all(label == token for label, token in zip(labels, input_ids) if label != -100)
    decoded = tokenizer.decode([t for t, keep in zip(input_ids, trained) if keep])
    end = "<|im_end|>" if template == "chatml" else tokenizer.eos_token
    assert decoded == f"5.{end}Blue, on a clear day.{end}"


def test_assistant_only_loss_on_plain_text_is_a_clear_error(llm_config, tmp_path):
    from tunewidgets.errors import DataError
    from tunewidgets.tasks.llm_sft.train import build

    with pytest.raises(DataError, match="assistant_only_loss needs conversational data"):
        build(task_context(llm_config("llm-sft", "sft-text", valid=False, assistant_only_loss=True), tmp_path))
