"""Eject to code for the preference family and the LoRA variants, proven as tests/tasks/test_eject_equivalence.py
proves it for every task: the script, run with no tunewidgets importable, logs the run's losses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tasks.task_helpers import read_metrics
from tests.tasks.test_eject_equivalence import _run_script, _train_ours
from tunewidgets.config import load_config

pytestmark = pytest.mark.slow

STEPS = 3
SHORT = {"max_steps": STEPS, "logging_steps": 1, "batch_size": 4, "lr": 1e-3, "save_strategy": "no",
         "eval_strategy": "steps", "eval_steps": STEPS, "block_size": 20, "model_max_length": 128,
         "max_prompt_length": 8}  # rows longer than that: the run's truncation
LORA = {"peft": True, "lora_r": 4, "lora_alpha": 8, "merge_adapter": True}
KTO_RENAMED = {"prompt_text_column": "question", "text_column": "answer", "target_column": "verdict"}
PAIRS_RENAMED = {"prompt_text_column": "question", "text_column": "good", "rejected_text_column": "bad"}

# id -> (task, data kind, chat template, column mapping, params)
CASES = {
    # labels as words in a renamed column, long rows cut, an explicit reference copy
    "llm-kto": ("llm-kto", "kto-renamed", None, KTO_RENAMED, {**SHORT, "dpo_beta": 0.3, "desirable_weight": 1.3}),
    # conversations through a new chat template; pissa changes the base, so the reference is a copy; DoRA, merged
    "llm-kto-chat-pissa-dora": ("llm-kto", "kto-facts-chat", "chatml",
                                {"prompt_text_column": "prompt", "text_column": "completion",
                                 "target_column": "label"},
                                {**SHORT, "block_size": 64, **LORA, "lora_init": "pissa", "use_dora": True}),
    "llm-cpo-simpo": ("llm-cpo", "preference-renamed", None, PAIRS_RENAMED,
                      {**SHORT, "cpo_loss_type": "simpo", "simpo_gamma": 0.7, "cpo_alpha": 0.5, "dpo_beta": 2.0}),
    "llm-dpo-robust-rslora-olora": ("llm-dpo", "preference-renamed", None, PAIRS_RENAMED,
                                    {**SHORT, **LORA, "dpo_loss_type": "robust", "dpo_label_smoothing": 0.1,
                                     "use_rslora": True, "lora_init": "olora"}),
}


def _data(kind: str, demo: dict, root: Path) -> str:
    from tunewidgets.tiny import make_task_demo

    folder = root / kind
    if kind == "kto-renamed":
        source = Path(make_task_demo("kto-facts", root / "kto-facts", n=60))
        folder.mkdir(parents=True, exist_ok=True)
        for split in ("train", "valid"):
            rows = [json.loads(line) for line in (source / f"{split}.jsonl").read_text().splitlines()]
            renamed = [{"question": r["prompt"], "answer": r["completion"], "verdict": "good" if r["label"] else "bad",
                        "unused": 1} for r in rows]
            (folder / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in renamed))
        return str(folder)
    if kind == "preference-renamed":
        folder.mkdir(parents=True, exist_ok=True)
        for split in ("train", "valid"):
            lines = Path(demo["data"]["preference"], f"{split}.jsonl").read_text().splitlines()[:60]
            renamed = [{"question": r["prompt"], "good": r["chosen"], "bad": r["rejected"]}
                       for r in map(json.loads, lines)]
            (folder / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in renamed))
        return str(folder)
    return make_task_demo(kind, folder, n=60)


@pytest.mark.parametrize("case", list(CASES))
def test_the_ejected_script_logs_the_runs_losses(case, demo, tmp_path):
    task, kind, template, mapping, params = CASES[case]
    config = load_config({
        "task": task, "base_model": demo["model"], "project_name": "run",
        "data": {"path": _data(kind, demo, tmp_path / "data"), "train_split": "train", "valid_split": "valid",
                 "chat_template": template, "column_mapping": mapping},
        "params": params})
    ours_dir = _train_ours(config, tmp_path / "ours")
    theirs_dir = _run_script(config, tmp_path)
    history = json.loads((theirs_dir / "trainer_state.json").read_text())["log_history"]
    for key in ("loss", "eval_loss"):
        ours = [m[key] for m in read_metrics(ours_dir) if key in m]
        theirs = [h[key] for h in history if key in h]
        assert ours and theirs == pytest.approx(ours, rel=1e-3), key
    assert len([h for h in history if "loss" in h]) == STEPS
    assert any(theirs_dir.glob("*.safetensors")), sorted(p.name for p in theirs_dir.iterdir())
    if params.get("merge_adapter"):
        saved = json.loads((theirs_dir / "adapter" / "adapter_config.json").read_text())
        assert saved["init_lora_weights"] == params["lora_init"]
