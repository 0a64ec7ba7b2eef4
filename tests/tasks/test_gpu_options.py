"""GPU-only options on a machine without one: a clear message before anything loads, never a crash mid-run; and
what they change in the memory estimate."""

from __future__ import annotations

import pytest

from tests.tasks.task_helpers import train_cli
from tunewidgets.config import load_config
from tunewidgets.memory.estimate import estimate


@pytest.mark.parametrize(("option", "says"), [
    ({"use_liger_kernel": True}, "use_liger_kernel needs a CUDA GPU"),
    ({"use_flash_attention_2": True}, "use_flash_attention_2 needs a CUDA GPU"),
    ({"peft": True, "quantization": "int4"}, "needs a CUDA GPU"),
])
def test_gpu_options_are_refused_on_the_cpu(llm_config, tmp_path, capsys, option, says):
    config = llm_config("llm-sft", "sft-text", **option)
    train_cli(config, tmp_path, expect=2)
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_liger_drops_the_logits_from_the_estimate():
    from transformers import LlamaConfig

    model = LlamaConfig(hidden_size=256, num_hidden_layers=2, intermediate_size=688, num_attention_heads=4,
                        num_key_value_heads=2, vocab_size=32000)

    def config(**params):
        return load_config({"task": "llm-sft", "base_model": "m", "project_name": "p", "data": {"path": "d"},
                            "params": {"peft": True, "block_size": 1024, **params}})

    plain, liger = (estimate(config(use_liger_kernel=flag), "A10G", model_config=model) for flag in (False, True))
    tokens = 2 * 1024
    assert plain.activations - liger.activations == pytest.approx(tokens * 32000 * (2 + 12))
    assert any("Liger" in note for note in liger.notes)
