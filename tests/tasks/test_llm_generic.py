"""llm-generic: blocks of block_size tokens, EOS between texts, chat rendering, a run through the CLI."""

from __future__ import annotations

import pytest
from datasets import Dataset

from tests.tasks.helpers import assert_trained, train_with_cli
from tunewidgets.errors import DataError
from tunewidgets.tasks.llm_generic.train import group_texts


@pytest.fixture(scope="module")
def tokenizer(tiny_llama):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_llama)


def test_texts_are_concatenated_with_eos_and_cut_into_blocks(tokenizer):
    texts = ["The cat sees a red ball.", "A dog likes the old book today.", "We learn many words."]
    blocks = group_texts(Dataset.from_dict({"text": texts}), tokenizer, block_size=8, add_eos=True)
    stream = [t for text in texts for t in tokenizer(text)["input_ids"] + [tokenizer.eos_token_id]]
    assert [t for b in blocks["input_ids"] for t in b] == stream  # nothing lost, order kept
    assert all(len(b) == 8 for b in blocks["input_ids"][:-1]) and 2 <= len(blocks["input_ids"][-1]) <= 8
    assert blocks["labels"] == blocks["input_ids"]
    assert stream.count(tokenizer.eos_token_id) == 3


def test_add_eos_token_false_joins_texts_without_a_separator(tokenizer):
    texts = ["one two", "three four"]
    blocks = group_texts(Dataset.from_dict({"text": texts}), tokenizer, block_size=64, add_eos=False)
    assert blocks["input_ids"] == [tokenizer("one two")["input_ids"] + tokenizer("three four")["input_ids"]]


def test_no_tokens_is_a_data_error(tokenizer):
    with pytest.raises(DataError, match="no text to train on"):
        group_texts(Dataset.from_dict({"text": [""]}), tokenizer, block_size=8, add_eos=False, name="valid")


def test_generic_trains_from_yaml_and_the_model_loads_back(llm_config, tmp_path):
    from transformers import AutoModelForCausalLM

    run_dir = train_with_cli(llm_config("llm-generic", "sft-text", block_size=32), tmp_path)
    assert_trained(run_dir)
    model = AutoModelForCausalLM.from_pretrained(run_dir)
    assert model.config.model_type == "llama"


def test_generic_renders_conversations_with_the_chat_template(llm_config, tmp_path):
    from tests.tasks.helpers import task_context
    from tunewidgets.tasks.llm_generic.train import build

    config = llm_config("llm-generic", "sft-chat", chat_template="zephyr", valid=False)
    job = build(task_context(config, tmp_path))
    text = job.tokenizer.decode(job.trainer.train_dataset[0]["input_ids"])
    assert text.startswith("<|") and "<|assistant|>\n" in text  # zephyr's markers, not chatml's
    assert "<|im_start|>" not in text
