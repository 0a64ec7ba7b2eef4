"""Eject to code, proven: for every task the ejected script, run as written in a fresh Python that cannot import
tunewidgets, logs the same losses as the tunewidgets run of the same config and seed (tabular: the same trials
and the same best scores)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tasks.task_helpers import read_metrics, tiny_model
from tunewidgets.config import load_config
from tunewidgets.ui.export import python_script

pytestmark = pytest.mark.slow

# The script runs here: no tunewidgets (an import of it fails), offline, its datasets cache in the test's folder.
_RUNNER = ("import runpy, sys; sys.modules['tunewidgets'] = None; "
           "runpy.run_path(sys.argv[1], run_name='__main__')")
STEPS = 3
TRAINER = {"max_steps": STEPS, "logging_steps": 1, "batch_size": 4, "lr": 1e-3, "save_strategy": "no",
           "eval_strategy": "steps", "eval_steps": STEPS}
LLM = {**TRAINER, "block_size": 64, "model_max_length": 128}
SHORT_PAIRS = {**LLM, "block_size": 20, "max_prompt_length": 8}  # pairs longer than that: the run's truncation

# id -> (task, tiny model, demo data kind, rows, column mapping, valid split, params)
CASES = {
    "text_classification": ("text_classification", "bert", "text-classification", 60,
                            {"text_column": "text", "target_column": "label"}, None,
                            {**TRAINER, "max_seq_length": 32}),  # the held-out split, stratified
    "text_regression": ("text_regression", "bert", "text-regression", 60,
                        {"text_column": "text", "target_column": "target"}, "valid", {**TRAINER, "max_seq_length": 32}),
    "token_classification": ("token_classification", "bert", "token-classification", 60,
                             {"tokens_column": "tokens", "tags_column": "tags"}, "valid",
                             {**TRAINER, "max_seq_length": 32}),
    "extractive-qa": ("extractive-qa", "bert", "extractive-qa", 60,  # windows of 32 tokens; the held-out split
                      {"text_column": "context", "question_column": "question", "answer_column": "answers"}, None,
                      {**TRAINER, "max_seq_length": 32, "max_doc_stride": 8}),
    "seq2seq-lora": ("seq2seq", "t5", "seq2seq", 40, {"text_column": "dialogue", "target_column": "summary"}, None,
                     {**TRAINER, "max_seq_length": 48, "max_target_length": 16, "peft": True, "lora_r": 4,
                      "lora_alpha": 8, "merge_adapter": True}),
    "image_classification": ("image_classification", "vit", "image-classification", 80,
                             {"image_column": "image", "target_column": "label"}, "valid", TRAINER),
    "image_regression": ("image_regression", "vit", "image-regression", 40,
                         {"image_column": "image", "target_column": "target"}, None, TRAINER),
    "object_detection": ("object_detection", "yolos", "object-detection", 40,
                         {"image_column": "image", "objects_column": "objects"}, "valid",
                         {**TRAINER, "image_square_size": 64}),
    "st-pair": ("sentence-transformers:pair", "bert", "st-pair", 40,
                {"sentence1_column": "anchor", "sentence2_column": "positive"}, "valid", TRAINER),
    "st-pair_class": ("sentence-transformers:pair_class", "bert", "st-pair-class", 40,
                      {"sentence1_column": "premise", "sentence2_column": "hypothesis", "target_column": "label"},
                      None, TRAINER),
    "st-pair_score-default-logging": ("sentence-transformers:pair_score", "bert", "st-pair-score", 40,
                                      {"sentence1_column": "sentence1", "sentence2_column": "sentence2",
                                       "target_column": "score"}, "valid",  # one epoch of 32 rows, 8 a step:
                                      {"epochs": 1, "batch_size": 8, "lr": 1e-3, "save_strategy": "no"}),  # 4 steps
    "st-triplet": ("sentence-transformers:triplet", "bert", "st-triplet", 40,
                   {"sentence1_column": "anchor", "sentence2_column": "positive", "sentence3_column": "negative"},
                   "valid", TRAINER),
    "st-qa": ("sentence-transformers:qa", "bert", "st-qa", 40,
              {"sentence1_column": "question", "sentence2_column": "answer"}, None, TRAINER),
    "llm-sft-chat-lora": ("llm-sft", "llama", "sft-chat", None, {"text_column": "messages"}, "valid",
                          {**LLM, "assistant_only_loss": True, "peft": True, "lora_r": 4, "lora_alpha": 8,
                           "merge_adapter": True}),
    "llm-generic": ("llm-generic", "llama", "sft-text", None, {"text_column": "text"}, "valid", LLM),
    # preference columns not named prompt/chosen/rejected (the scripts used to stop with KeyError: 'chosen')
    "llm-dpo": ("llm-dpo", "llama", "preference-renamed", None, {"prompt_text_column": "question",
                "text_column": "good", "rejected_text_column": "bad"}, "valid", SHORT_PAIRS),
    "llm-orpo": ("llm-orpo", "llama", "preference-renamed", None, {"prompt_text_column": "question",
                 "text_column": "good", "rejected_text_column": "bad"}, "valid", SHORT_PAIRS),
    "llm-reward": ("llm-reward", "llama", "preference-renamed", None, {"prompt_text_column": "question",
                   "text_column": "good", "rejected_text_column": "bad"}, "valid", SHORT_PAIRS),
}


def _data(kind: str, rows: int | None, demo: dict, root: Path) -> str:
    if kind == "preference-renamed":
        folder = root / kind
        folder.mkdir(parents=True, exist_ok=True)
        for split in ("train", "valid"):
            lines = Path(demo["data"]["preference"], f"{split}.jsonl").read_text().splitlines()
            renamed = [{"question": r["prompt"], "good": r["chosen"], "bad": r["rejected"], "unused": 1}
                       for r in map(json.loads, lines)]
            (folder / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in renamed))
        return str(folder)
    if kind in demo["data"]:
        return demo["data"][kind]
    from tunewidgets.tiny import make_task_demo

    return make_task_demo(kind, root / kind, n=rows)


def _config(case: str, demo: dict, root: Path, template: str | None = None):
    task, model, kind, rows, mapping, valid, params = CASES[case]
    return load_config({
        "task": task, "base_model": demo["model"] if model == "llama" else tiny_model(model), "project_name": "run",
        "data": {"path": _data(kind, rows, demo, root), "train_split": "train", "valid_split": valid,
                 "chat_template": template, "column_mapping": mapping},
        "params": params})


def _train_ours(config, workdir: Path):
    from transformers import set_seed

    from tunewidgets.run.engine import Run

    # A new head's (or adapter's) first weights are drawn when the model loads, before the Trainer seeds: the
    # script sets the seed before loading, so the run here starts from the same draw.
    set_seed(config.params.seed)
    run = Run(config, workdir=workdir, mode="foreground").run()
    assert run.state == "finished", run.error
    return run.run_dir


def _run_script(config, tmp_path: Path) -> Path:
    script = tmp_path / "ejected.py"
    script.write_text(python_script(config, workdir=tmp_path / "theirs"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_DATASETS_CACHE": str(tmp_path / "datasets-cache"), "TOKENIZERS_PARALLELISM": "false"}
    result = subprocess.run([sys.executable, "-c", _RUNNER, str(script)], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp_path / "theirs" / config.project_name


@pytest.mark.parametrize("case", list(CASES))
def test_the_ejected_script_logs_the_runs_losses(case, demo, tmp_path):
    config = _config(case, demo, tmp_path / "data", template="chatml" if case.startswith("llm-sft") else None)
    ours_dir = _train_ours(config, tmp_path / "ours")
    theirs_dir = _run_script(config, tmp_path)
    history = json.loads((theirs_dir / "trainer_state.json").read_text())["log_history"]
    for key in ("loss", "eval_loss"):
        ours = [m[key] for m in read_metrics(ours_dir) if key in m]
        theirs = [h[key] for h in history if key in h]
        assert theirs == pytest.approx(ours, rel=1e-3), key
    steps = config.params.max_steps if config.params.max_steps > 0 else 4  # default logging: every step here
    assert len([h for h in history if "loss" in h]) == steps
    assert any(theirs_dir.glob("*.safetensors")), sorted(p.name for p in theirs_dir.iterdir())


@pytest.mark.parametrize("family, kind, valid", [("random_forest", "classification", None),
                                                 ("xgboost", "regression", "valid")])
def test_the_ejected_tabular_script_finds_the_runs_scores(family, kind, valid, tmp_path):
    if family == "xgboost":
        pytest.importorskip("xgboost")
    from tunewidgets.tiny import make_task_demo

    config = load_config({
        "task": "tabular", "base_model": family, "project_name": "run",
        "data": {"path": make_task_demo(f"tabular-{kind}", tmp_path / "data", n=150), "train_split": "train",
                 "valid_split": valid, "column_mapping": {"target_columns": ["target"]}},
        "params": {"task": kind, "num_trials": 3, "time_limit": 600}})
    ours_dir = _train_ours(config, tmp_path / "ours")
    theirs_dir = _run_script(config, tmp_path)
    ours, theirs = (json.loads((d / "tabular.json").read_text()) for d in (ours_dir, theirs_dir))
    assert theirs == ours  # the same features, labels, best trial, best setting and best scores
    trials = json.loads((theirs_dir / "scores.json").read_text())["trials"]
    assert [t["loss"] for t in trials] == [m["loss"] for m in read_metrics(ours_dir) if "loss" in m]
    assert (theirs_dir / "model.joblib").is_file()
