"""``tunewidgets compare``: tiny trained runs and their base answer the same prompts; the JSONL, the table, the
chat rule, every kind of model that writes text (causal with and without an adapter, seq2seq, vision-language),
and the one-line refusals with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.compare.conftest import llm_run_config, write_run
from tests.tasks.helpers import train_with_cli
from tunewidgets.cli import main
from tunewidgets.compare.compare import Comparison, compare
from tunewidgets.compare.prompts import prompts_from_file, prompts_from_valid
from tunewidgets.tasks.shared.generation_file import read_generations


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _one_line_error(capsys, *fragments: str) -> None:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "Traceback" not in err and len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture(scope="session")
def raw_lora_run(demo, tmp_path_factory) -> Path:
    """llm-sft with LoRA, the adapter not merged, on plain text without a chat template."""
    config = llm_run_config(demo, data="sft-text", project="raw-lora", max_steps=4, peft=True, merge_adapter=False,
                            lora_r=4, lora_alpha=8)
    run = train_with_cli(config, tmp_path_factory.mktemp("lora"))
    assert (run / "adapter_config.json").is_file() and not (run / "config.json").exists()
    return run


# --------------------------------------------------------------------------- causal runs


def test_a_chat_run_against_its_base_on_validation_prompts(chat_run, tmp_path, capsys):
    out = tmp_path / "answers.jsonl"
    code = main(["compare", str(chat_run), "--base", "--out", str(out), "--max-new-tokens", "8"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    records = _records(out)
    assert len(records) == 5  # --from-valid 5 when no prompts are given
    assert all(list(r) == ["prompt", "reference", "base", "chat-run"] for r in records)
    expected = prompts_from_valid(chat_run, 5)
    assert [(r["prompt"], r["reference"]) for r in records] == [(e.shown, e.reference) for e in expected]
    assert all(r["reference"] for r in records)  # the validation answers
    assert any(r["base"] != r["chat-run"] for r in records)  # trained hard: it no longer answers as its base
    for line in ("prompts: 5 validation rows of chat-run", "loading chat-run ...",
                 "answering 5 prompts with base ...", f"wrote {out}"):
        assert line in captured.err
    assert "Loading weights" not in captured.err
    header = captured.out.splitlines()[0]
    assert [h.strip() for h in header.split(" | ")] == ["#", "prompt", "reference", "base", "chat-run"]


def test_the_runs_answers_are_the_ones_eval_generate_wrote_at_its_last_step(chat_run):
    """Same prompts, same layout, same greedy decoding: compare and eval_generate write the same answers."""
    rounds = read_generations(chat_run)
    result = compare([chat_run], prompts_from_valid(chat_run, 3), max_new_tokens=8)
    assert result.columns == ["chat-run"]
    assert [r["chat-run"] for r in result.rows] == [g["output"] for g in rounds[max(rounds)]]


def test_written_prompts_follow_the_chat_rule_per_run(chat_run, raw_lora_run, tmp_path, monkeypatch):
    """A run trained with a chat template is asked in a user turn, a raw one the text; --chat and --raw force it."""
    import tunewidgets.compare.compare as compare_module

    asked = {}

    def record(kind, model, processor, examples, max_new_tokens, **options):
        asked[len(asked)] = [e.prompt for e in examples]
        return ["ok"] * len(examples)

    monkeypatch.setattr(compare_module, "answers", record)
    path = tmp_path / "prompts.jsonl"
    path.write_text('{"prompt": "What is 2 plus 3?"}\n'
                    '{"prompt": [{"role": "user", "content": "Hi?"}], "reference": "Hello."}\n', encoding="utf-8")
    examples = prompts_from_file(path)
    compare([chat_run, raw_lora_run], examples)
    turn = [{"role": "user", "content": "What is 2 plus 3?"}]
    assert asked[0] == [turn, [{"role": "user", "content": "Hi?"}]]
    assert asked[1][0] == "What is 2 plus 3?"  # the raw run: the text itself (conversations keep their turns)
    asked.clear()
    compare([chat_run, raw_lora_run], examples, chat=False)
    assert asked[0][0] == asked[1][0] == "What is 2 plus 3?"
    asked.clear()
    compare([chat_run, raw_lora_run], examples, chat=True)
    assert asked[0][0] == asked[1][0] == turn


def test_two_runs_a_lora_adapter_and_a_full_model_answer_a_text_file(chat_run, raw_lora_run, tmp_path, capsys):
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("What is 2 plus 3?\nWhat does a cow say?\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = main(["compare", raw_lora_run.name, chat_run.name, "--prompts", str(prompts), "--out", str(out),
                 "--max-new-tokens", "6", "--workdir", str(raw_lora_run.parent)])
    assert code == 2  # chat_run lives elsewhere: named, not guessed
    _one_line_error(capsys, "run 'chat-run' not found")
    code = main(["compare", str(raw_lora_run), str(chat_run), "--prompts", str(prompts), "--out", str(out),
                 "--max-new-tokens", "6"])
    assert code == 0, capsys.readouterr().err
    records = _records(out)
    assert [r["prompt"] for r in records] == ["What is 2 plus 3?", "What does a cow say?"]
    assert all(list(r) == ["prompt", "reference", "raw-lora", "chat-run"] and r["reference"] is None
               for r in records)
    assert all(isinstance(r["raw-lora"], str) and isinstance(r["chat-run"], str) for r in records)
    header = capsys.readouterr().out.splitlines()[0]
    assert "reference" not in header and "raw-lora" in header  # no prompt has a reference: no such column


def test_stopping_between_models_keeps_the_columns_answered(chat_run, raw_lora_run, monkeypatch):
    import tunewidgets.compare.compare as compare_module

    monkeypatch.setattr(compare_module, "answers", lambda kind, model, processor, examples, *a, **k:
                        ["x"] * len(examples))
    asked = iter([False, True])
    progress: list[str] = []
    result = compare([chat_run, raw_lora_run], prompts_from_valid(chat_run, 2), base=True,
                     should_stop=lambda: next(asked), on_progress=progress.append)
    assert result.columns == ["chat-run"] and set(result.rows[0]) == {"prompt", "reference", "chat-run"}
    assert result.notes == ["stopped before raw-lora, base answered"]
    assert progress == ["loading chat-run ...", "answering 2 prompts with chat-run ..."]


def test_a_base_grows_its_embeddings_for_the_runs_tokenizer(demo):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tunewidgets.compare.compare import _fit_embeddings

    model = AutoModelForCausalLM.from_pretrained(demo["model"])
    tokenizer = AutoTokenizer.from_pretrained(demo["model"])
    size = model.get_input_embeddings().num_embeddings
    tokenizer.add_special_tokens({"additional_special_tokens": [f"<new{i}>" for i in range(size - len(tokenizer) + 3)]})
    notes: list[str] = []
    _fit_embeddings(model, tokenizer, "base", notes)
    assert model.get_input_embeddings().num_embeddings == len(tokenizer) == size + 3
    assert notes == [f"base: embeddings grown from {size} to {size + 3} tokens for the run's tokenizer (the new "
                     "tokens are untrained in the base)"]


# --------------------------------------------------------------------------- other kinds


def test_a_seq2seq_run_and_its_base_on_validation_prompts(tmp_path, capsys):
    from tests.tasks.task_helpers import config, tiny_model
    from tunewidgets import tiny

    data = tiny.make_task_demo("seq2seq", tmp_path / "data", n=40, splits=("train", "test"))
    cfg = config("seq2seq", tiny_model("t5"), data, {"text_column": "dialogue", "target_column": "summary"},
                 valid="test", max_steps=4, batch_size=8, lr=3e-3, max_target_length=16, eval_strategy="no")
    run = train_with_cli(cfg, tmp_path)
    out = tmp_path / "out.jsonl"
    assert main(["compare", str(run), "--base", "--from-valid", "3", "--max-new-tokens", "8", "--out", str(out)]) == 0
    records = _records(out)
    summaries = [json.loads(line)["summary"] for line in Path(data, "test.jsonl").read_text().splitlines()]
    dialogues = [json.loads(line)["dialogue"] for line in Path(data, "test.jsonl").read_text().splitlines()]
    assert len(records) == 3 and all(list(r) == ["prompt", "reference", "base", "run"] for r in records)
    assert all(r["prompt"] in dialogues and r["reference"] in summaries for r in records)
    assert "answering 3 prompts with run ..." in capsys.readouterr().err


def test_a_vision_language_run_answers_its_validation_images_and_a_file_of_images(tmp_path, capsys):
    from PIL import Image

    from tests.tasks.task_helpers import config, tiny_model
    from tunewidgets import tiny

    data = tiny.make_task_demo("vlm-vqa", tmp_path / "vqa", n=16)
    mapping = {"image_column": "image", "prompt_text_column": "question", "text_column": "answer"}
    run = train_with_cli(config("vlm:vqa", tiny_model("vlm"), data, mapping, valid="valid", max_steps=2,
                                batch_size=4, lr=1e-3, logging_steps=1, eval_strategy="no"), tmp_path)
    out = tmp_path / "valid.jsonl"
    assert main(["compare", str(run), "--base", "--from-valid", "2", "--max-new-tokens", "3", "--out", str(out)]) == 0
    records = _records(out)
    assert len(records) == 2 and all(list(r) == ["prompt", "reference", "base", "run"] and r["reference"]
                                     for r in records)

    Image.new("RGB", (24, 24), (220, 40, 40)).save(tmp_path / "red.png")
    prompts = tmp_path / "images.jsonl"
    prompts.write_text('{"prompt": "What colour is the shape?", "image": "red.png", "reference": "red"}\n')
    assert main(["compare", str(run), "--prompts", str(prompts), "--max-new-tokens", "3", "--out", str(out)]) == 0
    assert [(r["prompt"], r["reference"]) for r in _records(out)] == [("What colour is the shape?", "red")]
    capsys.readouterr()
    text = tmp_path / "no-image.txt"
    text.write_text("What colour is the shape?\n")
    assert main(["compare", str(run), "--prompts", str(text)]) == 2
    _one_line_error(capsys, "answers about an image", "\"image\" path")


# --------------------------------------------------------------------------- refusals, exit code 2


def test_refusals_are_one_line_with_exit_code_2(demo, tmp_path, capsys):
    write_run(tmp_path / "scorer", llm_run_config(demo, task="llm-reward", data="preference"))
    assert main(["compare", "scorer", "--workdir", str(tmp_path)]) == 2
    _one_line_error(capsys, "run 'scorer' is llm-reward: its model writes no text")

    write_run(tmp_path / "halfway", llm_run_config(demo), status={"state": "stopped", "step": 12}, model=False)
    assert main(["compare", "halfway", "--workdir", str(tmp_path)]) == 2
    _one_line_error(capsys, "run 'halfway' stopped at step 12: no final model")

    assert main(["compare", "ghost", "--workdir", str(tmp_path)]) == 2
    _one_line_error(capsys, "run 'ghost' not found")

    write_run(tmp_path / "no-valid", llm_run_config(demo, valid=False))
    assert main(["compare", "no-valid", "--workdir", str(tmp_path)]) == 2
    _one_line_error(capsys, "has no validation split", "give --prompts FILE")

    assert main(["compare", "no-valid", "--workdir", str(tmp_path), "--prompts", str(tmp_path / "none.txt")]) == 2
    _one_line_error(capsys, "none.txt not found")

    assert main(["compare", "no-valid", "--workdir", str(tmp_path), "--max-new-tokens", "0"]) == 2
    _one_line_error(capsys, "--max-new-tokens must be 1 or more")


@pytest.mark.parametrize("extra", [["--prompts", "p.txt", "--from-valid", "3"], ["--chat", "--raw"], []])
def test_arguments_that_exclude_each_other_or_no_run_are_usage_errors(extra, capsys):
    assert main(["compare", *(["run"] if extra else []), *extra]) == 2
    assert "usage: tunewidgets compare" in capsys.readouterr().err


# --------------------------------------------------------------------------- the table


def _comparison() -> Comparison:
    rows = [{"prompt": "user: What is 2 plus 3?", "reference": "5.", "base": "\x05 zzz", "run": "5."},
            {"prompt": "A long prompt " * 8, "reference": None, "base": "", "run": "one\ntwo"}]
    return Comparison(["base", "run"], rows)


def test_the_table_wraps_each_column_and_rules_between_prompts():
    lines = _comparison().table(80).splitlines()
    assert [h.strip() for h in lines[0].split(" | ")] == ["#", "prompt", "reference", "base", "run"]
    assert set(lines[1]) <= {"=", "+", "-"} and all(len(line) <= 80 for line in lines)
    rules = [i for i, line in enumerate(lines) if set(line) <= {"-", "+"}]
    assert len(rules) == 2 and rules[-1] == len(lines) - 1
    first = lines[2].split(" | ")
    assert first[0] == "1" and first[2].strip() == "5." and first[3].strip() == "\ufffd zzz"  # no control bytes
    second = "\n".join(lines[rules[0] + 1:])
    assert "(empty)" in second and "one" in second and "two" in second and " - " in second  # no reference


def test_a_narrow_terminal_gets_one_block_per_prompt():
    text = _comparison().table(40)
    assert "--- 1 " in text and "--- 2 " in text and "reference: 5." in text and "run:" in text
    assert all(len(line) <= 40 for line in text.splitlines())


def test_the_jsonl_has_exactly_the_prompt_reference_and_one_key_per_column(tmp_path):
    path = _comparison().to_jsonl(tmp_path / "sub" / "out.jsonl")
    assert [list(r) for r in _records(path)] == [["prompt", "reference", "base", "run"]] * 2
