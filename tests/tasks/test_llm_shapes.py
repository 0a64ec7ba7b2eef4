"""Every dataset shape users bring to LLM training: prompt/completion (plain and conversational), Alpaca rows,
system prompts, and preference pairs whose prompt is implicit. The loss falls on the answer, checked token by
token against what TRL's collator trains on."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.tasks.helpers import task_context
from tunewidgets.tasks.shared.llm_shapes import alpaca_prompt, implicit_prompt, prompt_completion

ALPACA = [{"instruction": "Add the numbers.", "input": "2 and 3", "output": "5"},
          {"instruction": "Name a primary colour.", "input": "", "output": "Red"}] * 8
PAIRS = [{"question": "What is 2 plus 3?", "answer": " 5."}, {"question": "Opposite of up?", "answer": " Down."}] * 8


def test_prompt_completion_shapes():
    plain = prompt_completion({"prompt": "Q: 2+3?", "text": " 5"}, chat=False)
    assert plain == {"prompt": "Q: 2+3?", "completion": " 5"}
    alpaca = prompt_completion({"prompt": "Add.", "context": "2 and 3", "text": "5"}, chat=False)
    assert alpaca == {"prompt": alpaca_prompt("Add.", "2 and 3"), "completion": "5"}
    assert "### Input:\n2 and 3" in alpaca["prompt"] and alpaca["prompt"].endswith("### Response:\n")
    assert "### Input" not in prompt_completion({"prompt": "Hi", "context": " ", "text": "Yo"}, chat=False)["prompt"]
    chat = prompt_completion({"prompt": "Add.", "context": "2 and 3", "system": "Be brief.", "text": "5"}, chat=True)
    assert chat == {"prompt": [{"role": "system", "content": "Be brief."},
                               {"role": "user", "content": "Add.\n\n2 and 3"}],
                    "completion": [{"role": "assistant", "content": "5"}]}
    conversational = prompt_completion({"prompt": [{"role": "user", "content": "Hi"}],
                                        "text": [{"role": "assistant", "content": "Hello"}]}, chat=False)
    assert conversational["prompt"][0]["content"] == "Hi" and conversational["completion"][0]["role"] == "assistant"


def test_the_implicit_prompt_of_a_plain_pair():
    chosen = "\n\nHuman: What is 2 plus 3?\n\nAssistant: It is 5."
    rejected = "\n\nHuman: What is 2 plus 3?\n\nAssistant: It is 6."
    prompt, a, b = implicit_prompt(chosen, rejected)
    assert prompt == "\n\nHuman: What is 2 plus 3?\n\nAssistant:" and (a, b) == (" It is 5.", " It is 6.")
    assert implicit_prompt("The answer is 5", "The answer is 6") == ("The answer is ", "5", "6")
    assert implicit_prompt(" yes", " no") == ("", " yes", " no")


def _trained(job) -> tuple[list[int], list[bool]]:
    batch = job.trainer.data_collator([job.trainer.train_dataset[0]])
    return batch["input_ids"][0].tolist(), [label != -100 for label in batch["labels"][0].tolist()]


def _config(llm_config, mapping, **data):
    config = llm_config("llm-sft", "sft-text", valid=False, block_size=128, model_max_length=256)
    config["data"].update(column_mapping=mapping, **data)
    return config


@pytest.fixture(scope="module")
def base_llama(tmp_path_factory):
    from tunewidgets.tiny import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("base") / "tiny-base", chat=False)


def test_plain_prompt_completion_trains_on_the_completion_only(llm_config, tmp_path, base_llama):
    from tunewidgets.config import load_config
    from tunewidgets.tasks.llm_sft.train import build
    from tunewidgets.tasks.shared.llm_checks import loss_view

    config = _config(llm_config, {"prompt_text_column": "question", "text_column": "answer"})
    config["base_model"] = base_llama  # no chat template: TRL's plain prompt/completion
    job = build(task_context(config, tmp_path, train_data=pd.DataFrame(PAIRS)))
    ids, trained = _trained(job)
    tokenizer = job.tokenizer
    assert tokenizer.decode([t for t, keep in zip(ids, trained) if keep]) == " 5." + tokenizer.eos_token
    assert "What is 2 plus 3?" in tokenizer.decode(ids) and not all(trained)
    view = loss_view(tokenizer, PAIRS[0], load_config(config))  # the Checks panel shows the same mask
    assert view.ids == ids and view.loss == trained and "only the completion counts" in view.note


def test_alpaca_rows_render_through_the_chat_template_with_the_answer_trained(llm_config, tmp_path):
    from tunewidgets.config import load_config
    from tunewidgets.tasks.llm_sft.train import build
    from tunewidgets.tasks.shared.llm_checks import loss_view

    mapping = {"prompt_text_column": "instruction", "context_column": "input", "text_column": "output"}
    config = _config(llm_config, mapping, chat_template="chatml")
    job = build(task_context(config, tmp_path, train_data=pd.DataFrame(ALPACA)))
    ids, trained = _trained(job)
    tokenizer = job.tokenizer
    text = tokenizer.decode(ids)
    assert "<|im_start|>user\nAdd the numbers.\n\n2 and 3<|im_end|>" in text
    assert tokenizer.decode([t for t, keep in zip(ids, trained) if keep]).startswith("5<|im_end|>")
    view = loss_view(tokenizer, ALPACA[0], load_config(config))
    assert view.ids == ids and view.loss == trained


def test_alpaca_rows_without_a_chat_template_use_alpacas_template(llm_config, tmp_path, base_llama):
    from tunewidgets.tasks.llm_sft.train import build

    mapping = {"prompt_text_column": "instruction", "context_column": "input", "text_column": "output",
               "system_column": "system"}
    rows = [{**row, "system": "You are careful."} for row in ALPACA]
    config = _config(llm_config, mapping)
    config["base_model"] = base_llama
    job = build(task_context(config, tmp_path, train_data=pd.DataFrame(rows)))
    ids, trained = _trained(job)
    text = job.tokenizer.decode(ids)
    assert "You are careful.\n\n### Instruction:\nAdd the numbers.\n\n### Input:\n2 and 3\n\n### Response:\n5" in text
    assert job.tokenizer.decode([t for t, keep in zip(ids, trained) if keep]).strip().startswith("5")


def test_a_context_column_without_a_prompt_is_refused(llm_config):
    from tunewidgets.config import load_config
    from tunewidgets.errors import ConfigError

    with pytest.raises(ConfigError, match="context_column.*prompt_text_column"):
        load_config(_config(llm_config, {"text_column": "output", "context_column": "input"}))


def test_the_cli_trains_alpaca_rows(llm_config, tmp_path):
    import json

    from tests.tasks.helpers import assert_trained, train_with_cli

    data = tmp_path / "alpaca"
    data.mkdir()
    (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ALPACA))
    config = _config(llm_config, {"prompt_text_column": "instruction", "context_column": "input",
                                  "text_column": "output"}, path=str(data), chat_template="chatml")
    assert_trained(train_with_cli(config, tmp_path), eval_loss=False)


def test_preference_rows_take_a_system_prompt_and_an_implicit_prompt(llm_config, tmp_path):
    from datasets import Dataset

    from tunewidgets.tasks.shared.llm_preference import prepare_preference

    rows = Dataset.from_list([{"text": "\n\nHuman: Hi?\n\nAssistant: Hello.", "rejected": "\n\nHuman: Hi?\n\n"
                               "Assistant: Go away.", "system": "Be kind."}] * 3)
    prepared = prepare_preference(rows, "train", "llm-dpo")
    assert prepared[0]["prompt"] == "Be kind.\n\n\n\nHuman: Hi?\n\nAssistant:"
    assert prepared[0]["chosen"] == " Hello." and prepared[0]["rejected"] == " Go away."
