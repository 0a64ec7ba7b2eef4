"""llm-reward: a one-output classification head trained on pairs; it learns to prefer the chosen answer."""

from __future__ import annotations

import random

import torch

from tests.tasks.helpers import assert_trained, read_metrics, task_context, train_with_cli

_GOOD = ["yes", "right", "good", "correct", "true"]
_BAD = ["no", "wrong", "bad", "false", "never"]


def _easy_pairs(path, n: int, seed: int):
    """A separable set: the chosen answer is always a 'good' word, the rejected one a 'bad' word."""
    import pandas as pd

    rng = random.Random(seed)
    rows = [{"prompt": f"### Question: is {rng.randint(0, 99)} a number?\n### Answer:",
             "chosen": " " + rng.choice(_GOOD), "rejected": " " + rng.choice(_BAD)} for _ in range(n)]
    path.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows[: int(n * 0.8)]).to_json(path / "train.jsonl", orient="records", lines=True)
    pd.DataFrame(rows[int(n * 0.8):]).to_json(path / "valid.jsonl", orient="records", lines=True)
    return rows[int(n * 0.8):]


def _score(model, tokenizer, text: str) -> float:
    with torch.no_grad():
        return model(**tokenizer(text + tokenizer.eos_token, return_tensors="pt")).logits[0, 0].item()


def test_reward_trains_from_yaml_and_scores_chosen_above_rejected(llm_config, tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    held_out = _easy_pairs(tmp_path / "easy", 200, seed=0)
    config = llm_config("llm-reward", max_steps=16, lr=5e-3, eval_steps=8)
    config["data"]["path"] = str(tmp_path / "easy")
    run_dir = train_with_cli(config, tmp_path)
    records = assert_trained(run_dir)
    assert any("eval_accuracy" in r for r in records)  # the trainer's own eval metrics reach metrics.jsonl

    model = AutoModelForSequenceClassification.from_pretrained(run_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(run_dir)
    assert model.config.num_labels == 1
    wins = [_score(model, tokenizer, r["prompt"] + r["chosen"]) > _score(model, tokenizer, r["prompt"] + r["rejected"])
            for r in held_out]
    assert sum(wins) / len(wins) >= 0.9, wins


def test_reward_on_conversations_without_a_valid_split(llm_config, tmp_path):
    run_dir = train_with_cli(llm_config("llm-reward", "preference-chat", valid=False, max_steps=2), tmp_path)
    assert_trained(run_dir, eval_loss=False)
    assert not any("eval_loss" in r for r in read_metrics(run_dir))


def test_reward_pairs_are_truncated_not_dropped(llm_config, tmp_path):
    """TRL drops pairs longer than max_length; here the prompt end and the answer start are kept."""
    from tunewidgets.tasks.llm_reward.train import build

    config = llm_config("llm-reward", block_size=12, max_prompt_length=6, valid=False)
    job = build(task_context(config, tmp_path))
    data = job.trainer.train_dataset
    assert len(data) == 180  # every training row kept
    assert max(len(ids) for ids in list(data["chosen_ids"]) + list(data["rejected_ids"])) <= 12
