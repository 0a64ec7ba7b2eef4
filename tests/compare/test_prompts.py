"""The prompts a comparison asks: files and typed texts (with clear errors), the chat rule, and a run's validation
rows, which must be the very rows eval_generate picked during training."""

from __future__ import annotations

import json

import pytest

from tests.compare.conftest import llm_run_config, write_run
from tunewidgets.compare.prompts import (
    WrittenPrompt,
    chat_rule,
    laid_out,
    prompts_from_file,
    prompts_from_texts,
    prompts_from_valid,
)
from tunewidgets.config import load_config
from tunewidgets.config.tasks import TASKS
from tunewidgets.errors import ConfigError, DataError
from tunewidgets.tasks.shared.generation_examples import CAUSAL, SEQ2SEQ, VLM, GenerationExample
from tunewidgets.tasks.shared.generation_file import read_generations

# --------------------------------------------------------------------------- files and texts


def test_a_text_file_is_one_prompt_per_non_empty_line(tmp_path):
    path = tmp_path / "prompts.txt"
    path.write_text("What is 2 plus 3?\n\n   \nName a colour.  \n", encoding="utf-8")
    examples = prompts_from_file(path)
    assert [e.prompt for e in examples] == ["What is 2 plus 3?", "Name a colour."]
    assert all(isinstance(e, WrittenPrompt) and e.reference is None and e.image is None for e in examples)


def test_a_jsonl_file_gives_text_conversations_references_and_images(tmp_path):
    from PIL import Image

    (tmp_path / "img").mkdir()
    Image.new("L", (8, 8), 128).save(tmp_path / "img" / "grey.png")
    rows = [{"prompt": "What is 2 plus 3?", "reference": "5."},
            {"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]},
            {"prompt": "What colour is it?", "reference": 7, "image": "img/grey.png"}]
    path = tmp_path / "prompts.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    first, second, third = prompts_from_file(path)
    assert (first.prompt, first.reference) == ("What is 2 plus 3?", "5.") and isinstance(first, WrittenPrompt)
    assert second.prompt[-1] == {"role": "user", "content": "Hi?"} and not isinstance(second, WrittenPrompt)
    assert second.shown == "system: Be brief.\nuser: Hi?"
    assert third.reference == "7" and third.image.mode == "RGB" and third.image.size == (8, 8)


def test_a_json_file_is_a_list_of_rows_or_texts(tmp_path):
    path = tmp_path / "prompts.json"
    path.write_text(json.dumps([{"prompt": "One?", "reference": "1"}, "Two?"]), encoding="utf-8")
    assert [(e.prompt, e.reference) for e in prompts_from_file(path)] == [("One?", "1"), ("Two?", None)]


@pytest.mark.parametrize("name, text, message", [
    ("p.jsonl", '{"prompt": "ok"}\n{"prompt": "broken"\n', r"p\.jsonl, line 2: not valid JSON"),
    ("p.jsonl", '{"prompt": "ok"}\n\n{"question": "no prompt"}\n', r"line 3: no \"prompt\" \(keys: question\)"),
    ("p.jsonl", '{"prompt": {"a": 1}}\n', r"line 1: \"prompt\" holds dict"),
    ("p.jsonl", '{"prompt": [{"role": "wizard", "content": "x"}]}\n', r"line 1: \"prompt\":"),
    ("p.jsonl", '{"prompt": "look", "image": "missing.png"}\n', r"line 1: image .*missing\.png not found"),
    ("p.jsonl", "\n\n", "holds no prompts"),
    ("p.json", '{"prompt": "not a list"}', "expected a list of rows"),
    ("p.json", "[1, 2", "not valid JSON"),
    ("p.txt", "\n  \n", "holds no prompts"),
])
def test_a_malformed_or_empty_file_is_a_clear_error(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        prompts_from_file(path)


def test_a_missing_or_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="not found"):
        prompts_from_file(tmp_path / "nope.txt")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        prompts_from_file(tmp_path / "latin1.txt")


def test_typed_texts_skip_empty_ones():
    assert [e.prompt for e in prompts_from_texts(["  Hi?  ", "", "Bye?"])] == ["Hi?", "Bye?"]
    with pytest.raises(DataError, match="every text is empty"):
        prompts_from_texts(["", " "])


# --------------------------------------------------------------------------- the chat rule


def test_written_prompts_become_a_user_turn_for_a_run_trained_with_a_chat_template(demo):
    chat = load_config(llm_run_config(demo, data="sft-chat"))
    raw = load_config(llm_run_config(demo, data="sft-text"))
    assert chat_rule(chat, None) is True and chat_rule(raw, None) is False
    assert chat_rule(chat, False) is False and chat_rule(raw, True) is True  # --raw, --chat

    examples = [WrittenPrompt("Hi?", "Hello."), GenerationExample("a validation text, cut in two")]
    turned = laid_out(examples, CAUSAL, chat=True)
    assert turned[0].prompt == [{"role": "user", "content": "Hi?"}] and turned[0].reference == "Hello."
    assert turned[1].prompt == "a validation text, cut in two"  # validation rows keep training's layout
    assert [e.prompt for e in laid_out(examples, CAUSAL, chat=False)] == ["Hi?", "a validation text, cut in two"]


def test_encoder_decoder_and_vision_models_take_text():
    conversation = GenerationExample([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}])
    for kind in (SEQ2SEQ, VLM):
        assert [e.prompt for e in laid_out([conversation, WrittenPrompt("Yo?")], kind, chat=True)] == ["Hi?", "Yo?"]


# --------------------------------------------------------------------------- validation rows


def test_every_generating_task_prepares_its_validation_prompts_and_llm_reward_none():
    generating = {name for name, spec in TASKS.items() if spec.generates}
    assert {"llm-sft", "llm-generic", "llm-dpo", "llm-orpo", "llm-cpo", "llm-kto", "llm-grpo", "seq2seq",
            "vlm:vqa", "vlm:captioning"} <= generating
    for name in generating:
        assert callable(TASKS[name].valid_prompts.resolve()), name
    assert TASKS["llm-reward"].valid_prompts is None and TASKS["llm-reward"].generates is None


def test_the_validation_prompts_are_the_ones_eval_generate_asked_during_training(chat_run):
    examples = prompts_from_valid(chat_run, 3)
    asked = read_generations(chat_run)[0]  # the round at step 0
    assert [(e.shown, e.reference) for e in examples] == [(r["prompt"], r["reference"]) for r in asked]
    assert isinstance(examples[0].prompt, list) and examples[0].prompt[-1]["role"] == "user"


@pytest.mark.parametrize("task, data", [("llm-generic", "sft-text"), ("llm-dpo", "preference"),
                                        ("llm-orpo", "preference"), ("llm-cpo", "preference")])
def test_other_llm_tasks_give_prompts_and_references_without_loading_a_model(demo, tmp_path, task, data):
    run = write_run(tmp_path / "run", llm_run_config(demo, task=task, data=data), model=False)
    examples = prompts_from_valid(run, 4)
    assert len(examples) == 4 and all(e.prompt and e.reference for e in examples)
    if task != "llm-generic":  # a preference pair's prompt, the chosen answer as reference
        assert all(isinstance(e.prompt, str) and not e.shown.endswith(e.reference) for e in examples)


def test_kto_and_grpo_validation_prompts(demo, tmp_path):
    from tunewidgets import tiny

    kto = tiny.make_kto_demo("kto-facts", tmp_path / "kto", n=40)
    config = llm_run_config(demo, task="llm-kto", data="sft-text", max_completion_length=32)
    config["data"].update(path=kto, column_mapping={"prompt_text_column": "prompt", "text_column": "completion",
                                                    "target_column": "label"})
    examples = prompts_from_valid(write_run(tmp_path / "kto-run", config, model=False), 4)
    assert examples and all(e.prompt for e in examples)

    grpo = tiny.make_grpo_demo("grpo-colours", tmp_path / "grpo", n=40)
    config = llm_run_config(demo, task="llm-grpo", data="sft-text", max_completion_length=12,
                            reward_functions=[f"{grpo}/rewards.py:names_a_colour"])
    config["data"].update(path=grpo, column_mapping={"prompt_text_column": "prompt"})
    examples = prompts_from_valid(write_run(tmp_path / "grpo-run", config, model=False), 3)
    assert len(examples) == 3 and all(e.prompt and e.reference for e in examples)  # the answer column


def test_a_run_without_a_validation_split_asks_for_a_prompts_file(demo, tmp_path):
    run = write_run(tmp_path / "no-valid", llm_run_config(demo, valid=False))
    with pytest.raises(DataError, match=r"run 'no-valid' has no validation split .*give --prompts FILE"):
        prompts_from_valid(run, 3)
    with pytest.raises(ConfigError, match="not a run directory"):
        prompts_from_valid(tmp_path, 3)
