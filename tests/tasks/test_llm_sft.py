"""llm-sft: text and conversations through the CLI, packing resolved per device, add_eos_token."""

from __future__ import annotations

import pytest

from tests.tasks.helpers import assert_trained, task_context, train_with_cli
from tunewidgets.config import load_config
from tunewidgets.device import DeviceInfo
from tunewidgets.tasks.shared.llm_common import resolve_packing


def test_sft_on_conversations_trains_from_yaml_and_loads_back(llm_config, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    run_dir = train_with_cli(llm_config("llm-sft", "sft-chat", assistant_only_loss=True), tmp_path)
    assert_trained(run_dir)
    model, tokenizer = AutoModelForCausalLM.from_pretrained(run_dir), AutoTokenizer.from_pretrained(run_dir)
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": "What is 2 plus 2?"}],
                                           add_generation_prompt=True, return_tensors="pt", return_dict=True)
    out = model.generate(**prompt, max_new_tokens=3, do_sample=False)
    assert out.shape[1] > prompt["input_ids"].shape[1]


@pytest.mark.parametrize("packing, device, expected", [(None, "cpu", False), (None, "mps", False),
                                                        (None, "cuda", True), (True, "cpu", True),
                                                        (False, "cuda", False)])
def test_packing_default_follows_the_device(sft_config, packing, device, expected):
    sft_config["params"]["packing"] = packing
    assert resolve_packing(load_config(sft_config), DeviceInfo(device=device)) is expected


def test_packing_null_trains_unpacked_on_cpu(llm_config, tmp_path):
    from tunewidgets.tasks.llm_sft.train import build

    job = build(task_context(llm_config("llm-sft", "sft-text", valid=False), tmp_path))
    assert job.trainer.args.packing is False and job.notes == ["packing off"]
    assert len(job.trainer.train_dataset) == 180  # one example per row


@pytest.mark.parametrize("add_eos", [True, False])
def test_add_eos_token_decides_whether_plain_text_ends_with_eos(llm_config, tmp_path, add_eos):
    from tunewidgets.tasks.llm_sft.train import build

    job = build(task_context(llm_config("llm-sft", "sft-text", valid=False, add_eos_token=add_eos), tmp_path))
    ends = {ids[-1] == job.tokenizer.eos_token_id for ids in job.trainer.train_dataset["input_ids"]}
    assert ends == {add_eos}


def test_block_size_is_capped_at_the_model_positions(sft_config):
    from types import SimpleNamespace

    from tunewidgets.tasks.shared.llm_common import resolve_max_length

    sft_config["params"].update(block_size=1024, model_max_length=2048)
    notes = []
    gpt2_like = SimpleNamespace(config=SimpleNamespace(n_positions=512))
    assert resolve_max_length(load_config(sft_config), gpt2_like, notes.append) == 512
    assert notes == ["block_size 1024 is longer than the model's 512 positions: using 512"]
    roomy = SimpleNamespace(config=SimpleNamespace(max_position_embeddings=4096))
    assert resolve_max_length(load_config(sft_config), roomy) == 1024
