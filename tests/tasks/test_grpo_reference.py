"""GRPO's reference with a LoRA adapter whose initialisation rewrites the base (pissa, olora): a frozen copy of the
starting model, not TRL's adapter-disabled model (the residual base). At the first step the policy is the starting
model, so its KL to a right reference is zero (LoRA dropout off: with pissa and olora the adapter is not zero at
the start, so its dropout would move the policy's log-probabilities a little)."""

from __future__ import annotations

import json

import pytest

from tests.tasks.helpers import train_with_cli
from tests.tasks.test_llm_grpo import grpo_config, reward_file  # noqa: F401 - the fixture
from tunewidgets.tiny import make_grpo_demo


@pytest.mark.parametrize("init", ["default", "pissa", "olora"])
def test_the_first_step_has_no_kl_to_the_reference(demo, tmp_path, reward_file, init):  # noqa: F811
    data = make_grpo_demo("grpo-colours", tmp_path / "data", n=16)
    config = grpo_config(demo, data, [f"{reward_file}:length_reward"], max_steps=1, beta=0.1, peft=True,
                         lora_r=4, lora_alpha=8, lora_dropout=0.0, lora_init=init)
    run = train_with_cli(config, tmp_path)
    kl = [r["kl"] for r in map(json.loads, (run / "metrics.jsonl").read_text().splitlines()) if "kl" in r]
    assert kl and abs(kl[0]) < 1e-4, kl
    if init != "default":
        assert "lora_init" in (run / "config.yml").read_text()
