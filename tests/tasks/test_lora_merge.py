"""LoRA through PEFT: the adapter is saved and loads; merge_adapter saves a merged model equal to base + adapter."""

from __future__ import annotations

import pytest
import torch
import yaml

from tests.tasks.helpers import assert_trained, train_with_cli
from tunewidgets.run.engine import Run


def _logits(model, input_ids):
    with torch.no_grad():
        return model(input_ids=input_ids).logits


@pytest.fixture()
def fixed_input():
    return torch.tensor([[5, 17, 42, 99, 123, 7, 64, 250]])


def test_lora_adapter_is_saved_and_loads_with_peft(llm_config, tmp_path, tiny_llama, fixed_input):
    from peft import AutoPeftModelForCausalLM, PeftModel
    from transformers import AutoModelForCausalLM

    config = llm_config("llm-sft", "sft-text", peft=True, lora_r=4, lora_alpha=8, target_modules="q_proj,v_proj",
                        lr=5e-3)
    run_dir = train_with_cli(config, tmp_path)
    assert_trained(run_dir)
    assert (run_dir / "adapter_config.json").is_file() and not (run_dir / "model.safetensors").exists()
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_llama), run_dir)
    assert sorted({n.split(".")[-1] for n, _ in model.named_modules() if n.endswith(("q_proj", "v_proj"))}) == \
        ["q_proj", "v_proj"]
    assert model.peft_config["default"].r == 4
    base = AutoModelForCausalLM.from_pretrained(tiny_llama)
    assert not torch.allclose(_logits(model, fixed_input), _logits(base, fixed_input))  # the adapter learned
    AutoPeftModelForCausalLM.from_pretrained(run_dir)  # the adapter knows its base


@pytest.mark.parametrize("task, data", [("llm-sft", "sft-chat"), ("llm-dpo", "preference")])
def test_merged_model_equals_base_plus_adapter(llm_config, tmp_path, tiny_llama, fixed_input, task, data):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    config = llm_config(task, data, peft=True, lora_r=4, merge_adapter=True, lr=5e-3, max_steps=3, valid=False)
    run_dir = train_with_cli(config, tmp_path)
    assert_trained(run_dir, eval_loss=False)
    # the merged model is the run's model (as AutoTrain writes it); the adapter is kept beside it
    assert (run_dir / "model.safetensors").is_file() and not (run_dir / "adapter_config.json").exists()
    assert (run_dir / "adapter" / "adapter_config.json").is_file()
    merged = AutoModelForCausalLM.from_pretrained(run_dir)
    with_adapter = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_llama), run_dir / "adapter")
    base = AutoModelForCausalLM.from_pretrained(tiny_llama)
    expected = _logits(with_adapter, fixed_input)
    assert torch.allclose(_logits(merged, fixed_input), expected, atol=1e-4)
    assert not torch.allclose(_logits(base, fixed_input), expected, atol=1e-4)


def test_reward_model_with_merged_adapter_loads_as_a_classifier(llm_config, tmp_path, tiny_llama, fixed_input):
    from peft import PeftModel
    from transformers import AutoModelForSequenceClassification

    config = llm_config("llm-reward", peft=True, lora_r=4, merge_adapter=True, max_steps=2, valid=False)
    run_dir = train_with_cli(config, tmp_path)
    merged = AutoModelForSequenceClassification.from_pretrained(run_dir)
    base = AutoModelForSequenceClassification.from_pretrained(tiny_llama, num_labels=1)
    with_adapter = PeftModel.from_pretrained(base, run_dir / "adapter")  # the score head is saved with it
    assert torch.allclose(_logits(merged, fixed_input), _logits(with_adapter, fixed_input), atol=1e-4)


def test_a_failed_merge_fails_the_run(llm_config, tmp_path, monkeypatch):
    from peft.tuners.tuners_utils import BaseTuner

    def broken(self, *args, **kwargs):
        raise RuntimeError("no room left on device")

    monkeypatch.setattr(BaseTuner, "merge_and_unload", broken)
    config = llm_config("llm-sft", "sft-text", peft=True, lora_r=4, merge_adapter=True, max_steps=2, valid=False)
    run = Run(config, workdir=tmp_path, mode="foreground").run()
    assert run.status == "failed"
    assert "merging the adapter failed" in run.error and "no room left on device" in run.error
    assert (tmp_path / "run" / "adapter" / "adapter_config.json").is_file()  # the adapter is not lost


def test_qlora_without_cuda_is_one_clear_error(llm_config, tmp_path, capsys):
    from tunewidgets.cli import main

    path = tmp_path / "qlora.yml"
    path.write_text(yaml.safe_dump(llm_config("llm-dpo", peft=True, quantization="int4")))
    assert main(["train", str(path), "--workdir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "needs a CUDA GPU" in err[0] and "quantization: null" in err[0]
    assert not (tmp_path / "run").exists()
