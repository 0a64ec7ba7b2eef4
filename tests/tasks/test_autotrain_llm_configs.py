"""The five AutoTrain LLM example configs train 2 steps here, unchanged but for what an offline CPU needs.

Only base_model, data.path and quantization are swapped (plus max_steps and block_size for size), on
generated data in the shape of each config's Hub dataset.

The configs are read from $TUNEWIDGETS_AUTOTRAIN_CONFIGS; without it this test skips.
"""

from __future__ import annotations

import json
import random

import pytest
import yaml

from tests.conftest import autotrain_config_params
from tests.tasks.helpers import assert_trained, read_metrics
from tunewidgets.cli import main

CONFIGS = autotrain_config_params("llm_finetuning__*.yml", ids=lambda p: p.stem.split("__")[1])


def _qa(rng: random.Random) -> tuple[str, str, str]:
    a, b = rng.randint(0, 9), rng.randint(0, 9)
    return f"What is {a} plus {b}?", f"{a} plus {b} is {a + b}.", f"It is {a + b + rng.choice([1, 2, 3])}."


def _guanaco(rng):
    """timdettmers/openassistant-guanaco and rishiraj/guanaco-style-metamath-40k: one ``text`` column."""
    q, a, _ = _qa(rng)
    return {"text": f"### Human: {q}### Assistant: {a}"}


def _no_robots(rng):
    """HuggingFaceH4/no_robots: prompt, prompt_id, a ``messages`` list and a category."""
    q, a, _ = _qa(rng)
    messages = [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    if rng.random() < 0.3:
        messages.insert(0, {"role": "system", "content": "You are a helpful assistant."})
    return {"prompt": q, "prompt_id": f"{rng.getrandbits(32):08x}", "messages": messages, "category": "Open QA"}


def _preference_chats(rng):
    """mlabonne/orpo-dpo-mix-40k and argilla/distilabel-capybara-dpo-7k-binarized: a prompt string beside
    chosen and rejected conversations that repeat it as the first user turn."""
    q, a, wrong = _qa(rng)
    return {"source": "generated", "prompt": q, "question": q,
            "chosen": [{"role": "user", "content": q}, {"role": "assistant", "content": a}],
            "rejected": [{"role": "user", "content": q}, {"role": "assistant", "content": wrong}]}


SHAPES = {"text": _guanaco, "messages": _no_robots, "chosen": _preference_chats}


@pytest.mark.parametrize("path", CONFIGS)
def test_autotrain_llm_config_trains_two_steps(path, tmp_path, tiny_llama):
    raw = yaml.safe_load(path.read_text())
    shape = SHAPES[raw["data"]["column_mapping"]["text_column"]]
    data = tmp_path / "data"
    data.mkdir()
    rng = random.Random(0)
    with open(data / f"{raw['data']['train_split']}.jsonl", "w") as f:
        for _ in range(32):
            f.write(json.dumps(shape(rng)) + "\n")

    code = main(["train", str(path), "--workdir", str(tmp_path), "--quiet",
                 "--set", f"base_model={tiny_llama}", "--set", f"data.path={data}",
                 "--set", "params.quantization=null",
                 "--set", "params.max_steps=2", "--set", "params.block_size=64"])
    run_dir = tmp_path / raw["project_name"]
    log = (run_dir / "train.log").read_text() if (run_dir / "train.log").exists() else ""
    assert code == 0, log[-3000:]
    assert_trained(run_dir, eval_loss=False)
    assert max(r["step"] for r in read_metrics(run_dir)) == 2
    params = raw["params"]
    if params.get("peft") and params.get("merge_adapter"):
        assert (run_dir / "adapter" / "adapter_config.json").is_file()
    expected_model = "adapter_config.json" if params.get("peft") and not params.get("merge_adapter") else "config.json"
    assert (run_dir / expected_model).is_file()
    if params.get("optimizer") == "paged_adamw_8bit":
        assert "using adamw_torch" in log
