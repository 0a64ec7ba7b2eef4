"""params.eval_generate: the model answers fixed validation prompts at the start and at each evaluation, in every
task that writes text; answers in generations.jsonl, scores in metrics.jsonl, the time in train.log; bad set-ups
refused where they are made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tasks.helpers import read_metrics, task_context, train_with_cli
from tests.tasks.task_helpers import config as task_config
from tests.tasks.task_helpers import tiny_model
from tunewidgets import tiny
from tunewidgets.cli import main
from tunewidgets.config import load_config
from tunewidgets.errors import ConfigError, DataError
from tunewidgets.tasks.shared.generation_file import read_generations

GEN = {"eval_generate": 3, "eval_generate_max_new_tokens": 4, "eval_steps": 2, "max_steps": 4}
SCORES = {"eval_gen_rougeL", "eval_gen_exact_match", "eval_gen_f1", "eval_gen_length", "eval_gen_seconds"}


def _rounds(run_dir: Path) -> dict[int, list[dict]]:
    return read_generations(run_dir)


def _gen_records(run_dir: Path) -> list[dict]:
    return [r for r in read_metrics(run_dir) if "eval_gen_seconds" in r]


def _valid_rows(path: str, split: str = "valid") -> list[dict]:
    folder = Path(path)
    return [json.loads(line) for line in (folder / f"{split}.jsonl").read_text().splitlines() if line.strip()]


def test_sft_conversations_answer_fixed_validation_prompts_at_the_start_and_each_evaluation(llm_config, tmp_path):
    run = train_with_cli(llm_config("llm-sft", "sft-chat", **GEN), tmp_path)
    rounds = _rounds(run)
    assert sorted(rounds) == [0, 2, 4]  # the starting model, then every evaluation
    assert all(len(rows) == 3 for rows in rounds.values())
    assert [r["prompt"] for r in rounds[0]] == [r["prompt"] for r in rounds[4]]  # the same prompts each time
    answers = {m[-1]["content"] for m in (row["messages"] for row in _valid_rows(llm_config("x", "sft-chat")
                                                                                  ["data"]["path"]))}
    assert {r["reference"] for r in rounds[4]} <= answers  # references are the validation answers
    assert all(r["prompt"].splitlines()[-1].startswith("user: ") for r in rounds[4])  # the turns before the answer
    records = _gen_records(run)
    assert [r["step"] for r in records] == [0, 2, 4] and all(SCORES <= set(r) for r in records)
    assert all(0 <= r["eval_gen_exact_match"] <= 1 and r["eval_gen_seconds"] >= 0 for r in records)
    log = (run / "train.log").read_text()
    assert "eval_generate: 3 validation prompts (3 with a reference)" in log
    assert "generations at step 4: 3 prompts answered in" in log


@pytest.mark.parametrize("task, data", [("llm-sft", "sft-text"), ("llm-generic", "sft-text"),
                                        ("llm-dpo", "preference"), ("llm-sft", "preference-chat")])
def test_every_llm_data_shape_gives_prompts_with_references(llm_config, tmp_path, task, data):
    cfg = llm_config(task, data, **GEN)
    if data == "preference-chat":  # chosen conversations as SFT text: the answer is their last turn
        cfg["data"]["column_mapping"] = {"text_column": "chosen"}
    run = train_with_cli(cfg, tmp_path)
    rows = _rounds(run)[4]
    assert len(rows) == 3 and all(r["reference"] for r in rows) and all(r["prompt"] for r in rows)
    if data == "sft-text":  # "### Question: ... ### Answer: 8": judged on the answer
        assert all(r["prompt"].endswith("### Answer:") for r in rows)
    assert SCORES <= set(_gen_records(run)[-1])


@pytest.mark.slow
@pytest.mark.parametrize("task", ["llm-orpo", "llm-cpo"])
def test_the_other_preference_tasks(llm_config, tmp_path, task):
    run = train_with_cli(llm_config(task, "preference", **GEN), tmp_path)
    assert sorted(_rounds(run)) == [0, 2, 4] and all(r["reference"] for r in _rounds(run)[4])


@pytest.mark.slow
def test_kto_uses_desirable_completions_as_references(llm_config, tmp_path):
    data = tiny.make_task_demo("kto-facts", tmp_path / "kto", n=60)
    cfg = llm_config("llm-kto", **GEN)
    cfg["data"].update(path=data, column_mapping={"prompt_text_column": "prompt", "text_column": "completion",
                                                  "target_column": "label"})
    run = train_with_cli(cfg, tmp_path)
    rows = _rounds(run)[4]
    desirable = {r["completion"].strip() for r in _valid_rows(data) if r["label"] in (True, 1, "true", "True")}
    assert {r["reference"] for r in rows if r["reference"]} <= desirable


@pytest.mark.slow
def test_grpo_answers_its_prompts(demo, tmp_path):
    from tunewidgets.tiny import make_grpo_demo

    data = make_grpo_demo("grpo-colours", tmp_path / "grpo", n=40)
    cfg = {"task": "llm-grpo", "base_model": demo["model"], "project_name": "run",
           "data": {"path": data, "train_split": "train", "valid_split": "valid",
                    "column_mapping": {"prompt_text_column": "prompt"}},
           "params": {"max_steps": 2, "batch_size": 4, "gradient_accumulation": 1, "num_generations": 2,
                      "max_completion_length": 6, "lr": 1e-3, "logging_steps": 1, "save_strategy": "no",
                      "eval_strategy": "steps", "eval_steps": 2, "eval_generate": 2,
                      "eval_generate_max_new_tokens": 4,
                      "reward_functions": [f"{data}/rewards.py:{_reward_names(data)[0]}"]}}
    run = train_with_cli(cfg, tmp_path)
    assert sorted(_rounds(run)) == [0, 2] and len(_rounds(run)[2]) == 2


def _reward_names(data: str) -> list[str]:
    import ast

    tree = ast.parse((Path(data) / "rewards.py").read_text())
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")]


def test_seq2seq_answers_sources_against_their_targets(tmp_path):
    data = tiny.make_task_demo("seq2seq", tmp_path / "data", n=40, splits=("train", "test"))
    cfg = task_config("seq2seq", tiny_model("t5"), data, {"text_column": "dialogue", "target_column": "summary"},
                      valid="test", batch_size=8, lr=3e-3, max_target_length=16, eval_strategy="steps", **GEN)
    run = train_with_cli(cfg, tmp_path)
    rows = _rounds(run)[4]
    summaries = {r["summary"] for r in _valid_rows(data, "test")}
    assert len(rows) == 3 and {r["reference"] for r in rows} <= summaries
    assert {"eval_rougeL", "eval_gen_rougeL"} <= {k for r in read_metrics(run) for k in r}  # both, side by side


@pytest.mark.slow
def test_vlm_answers_questions_about_validation_images(tmp_path):
    data = tiny.make_task_demo("vlm-vqa", tmp_path / "vqa", n=24)
    cfg = task_config("vlm:vqa", tiny_model("vlm"), data,
                      {"image_column": "image", "prompt_text_column": "question", "text_column": "answer"},
                      valid="valid", batch_size=4, gradient_accumulation=1, lr=1e-3, logging_steps=1,
                      eval_strategy="steps", **GEN)
    run = train_with_cli(cfg, tmp_path)
    rows = _rounds(run)[4]
    questions = {r["question"] for r in _valid_rows(Path(data) / "valid", "metadata")}
    assert len(rows) == 3 and {r["prompt"] for r in rows} <= questions
    assert all(r["reference"] for r in rows)


# --------------------------------------------------------------------------- refused where it is set up


def test_off_by_default_writes_nothing(llm_config, tmp_path):
    run = train_with_cli(llm_config("llm-sft", "sft-chat", max_steps=2, eval_steps=2), tmp_path)
    assert not (run / "generations.jsonl").exists() and not _gen_records(run)


def test_without_evaluations_it_is_refused_when_the_config_loads(llm_config):
    with pytest.raises(ConfigError, match="eval_strategy is 'no'"):
        load_config(llm_config("llm-sft", "sft-chat", eval_generate=2, eval_strategy="no"))


def test_a_reward_model_writes_no_text_to_judge(llm_config):
    with pytest.raises(ConfigError, match="llm-reward trains a scorer"):
        load_config(llm_config("llm-reward", eval_generate=2))


def test_without_a_validation_split_the_cli_says_so_and_exits_2(llm_config, tmp_path, capsys):
    import yaml

    path = tmp_path / "c.yml"
    path.write_text(yaml.safe_dump(llm_config("llm-sft", "sft-chat", valid=False, eval_generate=2)))
    assert main(["train", str(path), "--workdir", str(tmp_path), "--quiet"]) == 2
    assert "this run has no validation data (set data.valid_split" in capsys.readouterr().err


def test_build_raises_a_data_error_when_no_row_holds_a_prompt(llm_config, tmp_path):
    from datasets import Dataset

    from tunewidgets.tasks.shared.generation_callback import add_generations

    ctx = task_context(llm_config("llm-sft", "sft-chat", eval_generate=2), tmp_path)
    with pytest.raises(DataError, match="no row of the validation split holds a prompt"):
        add_generations(ctx, trainer=None, processor=None, dataset=Dataset.from_list([{"x": 1}]), kind="causal")


def test_a_resumed_run_does_not_answer_step_0_again(llm_config, tmp_path):
    cfg = llm_config("llm-sft", "sft-chat", **{**GEN, "max_steps": 2, "save_strategy": "steps", "save_steps": 2})
    run = train_with_cli(cfg, tmp_path)
    cfg["params"]["max_steps"] = 4
    train_with_cli(cfg, tmp_path, "--resume")
    assert sorted(_rounds(run)) == [0, 2, 4]
    assert [r["step"] for r in _gen_records(run)] == [0, 2, 4]  # step 0 once, whatever the resume


def test_an_ejected_script_says_it_leaves_the_answers_to_tunewidgets(llm_config, tmp_path, capsys):
    import yaml

    path = tmp_path / "c.yml"
    path.write_text(yaml.safe_dump(llm_config("llm-sft", "sft-chat", eval_generate=2)))
    assert main(["eject", str(path)]) == 0
    script = capsys.readouterr().out
    assert "params.eval_generate (2 answers at each evaluation) is not in this script" in script
    compile(script, "ejected.py", "exec")


def test_a_streamed_validation_split_answers_its_first_rows(llm_config, tmp_path):
    cfg = llm_config("llm-sft", "sft-chat", **GEN)
    cfg["data"]["streaming"] = True
    run = train_with_cli(cfg, tmp_path)
    rows = _rounds(run)[4]
    first = [r["messages"][-1]["content"] for r in _valid_rows(cfg["data"]["path"])[:6]]
    assert [r["reference"] for r in rows] == [first[i] for i in (0, 2, 5)]  # spread over the stream's first rows


def test_without_validation_data_it_stops_before_the_model_loads(llm_config, tmp_path, monkeypatch):
    from tunewidgets.tasks.llm_sft import train

    def never(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(train, "load_causal_lm", never)
    build = train.build

    with pytest.raises(DataError, match="this run has no validation data"):
        build(task_context(llm_config("llm-sft", "sft-chat", valid=False, eval_generate=2), tmp_path))


@pytest.mark.parametrize("peft", [False, True], ids=["full", "lora"])
def test_prompt_and_answer_columns_under_the_users_names_with_and_without_lora(llm_config, tmp_path, peft):
    """Columns named as a user names them (question/answer), mapped to prompt and answer; a LoRA adapter answers
    through the PEFT model while it trains."""
    import pandas as pd

    from tunewidgets.tiny import make_demo_dataset

    folder = tmp_path / "qa"
    folder.mkdir()
    for split, seed in (("train", 1), ("valid", 2)):
        frame = make_demo_dataset("sft-completion", n=40, seed=seed).rename(
            columns={"prompt": "question", "completion": "answer"})
        frame.to_csv(folder / f"{split}.csv", index=False)
    cfg = llm_config("llm-sft", "sft-text", **GEN, **({"peft": True, "lora_r": 4, "lora_alpha": 8} if peft else {}))
    cfg["data"].update(path=str(folder), column_mapping={"prompt_text_column": "question", "text_column": "answer"})
    run = train_with_cli(cfg, tmp_path)
    rows = _rounds(run)[4]
    answers = {str(a).strip() for a in pd.read_csv(folder / "valid.csv")["answer"]}
    assert len(rows) == 3 and {r["reference"] for r in rows} <= answers
    assert all(r["prompt"].endswith("### Answer:") for r in rows)
    assert (run / "adapter_config.json").exists() == peft


def test_a_round_that_fails_is_logged_and_training_goes_on(llm_config, tmp_path, monkeypatch):
    from tunewidgets.tasks.shared import generation_callback

    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("CUDA out of memory (pretend)")

    monkeypatch.setattr(generation_callback, "answers", broken)
    run = train_with_cli(llm_config("llm-sft", "sft-chat", **GEN), tmp_path)  # finishes: exit 0
    log = (run / "train.log").read_text()
    assert "generations at step 0 failed, and are off for the rest of the run (training goes on): RuntimeError" in log
    assert len(calls) == 1 and not _gen_records(run) and not (run / "generations.jsonl").exists()
