"""Eject to code, proven for the vision-language tasks: the ejected script, run as written in a fresh Python that
cannot import tunewidgets, logs the same losses as the tunewidgets run of the same config and seed, with the chat
template (TRL's collator, LoRA merged) and without one (PaliGemma's prefix and suffix, collate.py embedded)."""

from __future__ import annotations

import json

import pytest

from tests.tasks.task_helpers import read_metrics, tiny_model
from tests.tasks.test_eject_equivalence import STEPS, TRAINER, _run_script, _train_ours
from tunewidgets import tiny
from tunewidgets.config import load_config

pytestmark = pytest.mark.slow

CASES = {
    "vqa-chat-lora-merged": ("vlm:vqa", "vlm", "vlm-vqa",
                             {"image_column": "image", "prompt_text_column": "question", "text_column": "answer"},
                             {"peft": True, "lora_r": 4, "lora_alpha": 8, "merge_adapter": True}),
    "captioning-paligemma": ("vlm:captioning", "paligemma", "vlm-captioning",
                             {"image_column": "image", "text_column": "caption"}, {"model_max_length": 40}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_ejected_vlm_script_logs_the_runs_losses(case, tmp_path):
    task, model, kind, mapping, params = CASES[case]
    config = load_config({
        "task": task, "base_model": tiny_model(model), "project_name": "run",
        "data": {"path": tiny.make_task_demo(kind, tmp_path / "data", n=30), "train_split": "train",
                 "valid_split": "valid", "column_mapping": mapping},
        "params": {**TRAINER, "gradient_accumulation": 1, **params}})
    ours_dir = _train_ours(config, tmp_path / "ours")
    theirs_dir = _run_script(config, tmp_path)
    history = json.loads((theirs_dir / "trainer_state.json").read_text())["log_history"]
    for key in ("loss", "eval_loss"):
        ours = [m[key] for m in read_metrics(ours_dir) if key in m]
        theirs = [h[key] for h in history if key in h]
        assert ours and theirs == pytest.approx(ours, rel=1e-3), key
    assert len([h for h in history if "loss" in h]) == STEPS
    assert (theirs_dir / "model.safetensors").is_file()
    if config.params.merge_adapter:
        assert (theirs_dir / "adapter" / "adapter_config.json").is_file()
