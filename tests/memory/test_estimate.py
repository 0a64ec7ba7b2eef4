"""The estimate from config.json alone: exact parameter counts of known models, each part by the run's choices."""

from __future__ import annotations

import pytest

from tunewidgets.config import load_config
from tunewidgets.memory.estimate import JSON_KEYS, estimate
from tunewidgets.memory.gpus import gpu_named


def _config(task="llm-sft", **params):
    return load_config({"task": task, "base_model": "unused", "project_name": "p", "data": {"path": "d"},
                        "params": params})


@pytest.fixture(scope="module")
def llama3_8b():
    from transformers import LlamaConfig

    return LlamaConfig(hidden_size=4096, num_hidden_layers=32, intermediate_size=14336, num_attention_heads=32,
                       num_key_value_heads=8, vocab_size=128256, max_position_embeddings=8192)


def test_llama3_8b_parameters_and_lora_rank_16_all_linear(llama3_8b):
    result = estimate(_config(peft=True, lora_r=16, block_size=1024, mixed_precision="bf16"), "A100-80GB",
                      model_config=llama3_8b)
    assert result.params == 8_030_261_248  # Meta-Llama-3-8B's published count
    assert result.trainable_params == 41_943_040  # PEFT's print_trainable_parameters for r=16, all-linear
    assert result.gradients == result.trainable_params * 4  # fp32 adapters
    assert result.optimizer == result.trainable_params * 8  # AdamW: two fp32 states
    # bf16 base + fp32 adapters
    assert result.weights == result.params * 2 + result.trainable_params * 4


def test_qlora_quantizes_every_linear_but_the_lm_head(llama3_8b):
    bf16 = estimate(_config(peft=True, mixed_precision="bf16"), "A100-80GB", model_config=llama3_8b)
    int4 = estimate(_config(peft=True, quantization="int4", mixed_precision="bf16"), "A100-80GB",
                    model_config=llama3_8b)
    embeddings = 2 * 128256 * 4096  # input embeddings and the untied LM head stay in bf16
    linear = 8_030_261_248 - embeddings - (32 * 2 + 1) * 4096  # minus the RMSNorm weights
    assert int4.weights == pytest.approx(linear * 4.127 / 8 + (8_030_261_248 - linear) * 2 + 41_943_040 * 4)
    assert 5.5e9 < int4.weights < 6.2e9 < bf16.weights


def test_lora_on_named_targets():
    from transformers import LlamaConfig

    config = LlamaConfig(hidden_size=64, num_hidden_layers=2, intermediate_size=128, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=500)
    result = estimate(_config(peft=True, lora_r=8, target_modules="q_proj,v_proj"), model_config=config)
    # q: 64 -> 64, v: 64 -> 32 (two KV heads of 16), per layer: r * (in + out)
    assert result.trainable_params == 2 * (8 * (64 + 64) + 8 * (64 + 32))


@pytest.mark.parametrize(("make", "model_class_task", "expected"), [
    (lambda: __import__("transformers").GPT2Config(), "llm-sft", 124_439_808),
    (lambda: __import__("transformers").Qwen2Config(
        hidden_size=896, num_hidden_layers=24, intermediate_size=4864, num_attention_heads=14, num_key_value_heads=2,
        vocab_size=151936, tie_word_embeddings=True), "llm-sft", 494_032_768),
    (lambda: __import__("transformers").BertConfig(), "sentence-transformers:pair", 109_482_240),
    (lambda: __import__("transformers").BertConfig(num_labels=2), "text_classification", 109_483_778),
    (lambda: __import__("transformers").T5Config(), "seq2seq", 60_506_624),
    (lambda: __import__("transformers").ViTConfig(num_labels=10), "image_classification", 85_806_346),
])
def test_exact_parameter_counts_of_known_models(make, model_class_task, expected):
    """GPT-2 124M, Qwen2.5-0.5B (tied), bert-base (as AutoModel and with a 2-class head), t5-small, ViT-B/16 + 10
    classes: the counts their model cards and `num_parameters()` give."""
    result = estimate(_config(model_class_task), model_config=make())
    assert result.params == expected
    assert result.trainable_params == expected  # full training


def test_full_training_on_cpu_is_fp32_with_adam_states():
    from transformers import LlamaConfig

    config = LlamaConfig(hidden_size=64, num_hidden_layers=2, intermediate_size=128, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=500, tie_word_embeddings=False)
    result = estimate(_config(), model_config=config)
    assert result.target == "cpu"
    assert result.weights == result.gradients == result.params * 4
    assert result.optimizer == result.params * 8


def test_gradient_checkpointing_on_a_gpu_and_its_switch(llama3_8b):
    on = estimate(_config(peft=True, block_size=2048), "H100", model_config=llama3_8b)
    off = estimate(_config(peft=True, block_size=2048, disable_gradient_checkpointing=True), "H100",
                   model_config=llama3_8b)
    assert off.activations > 4 * on.activations
    assert any("checkpointing on" in note for note in on.notes)


def test_activations_grow_with_batch_and_the_preference_pair(llama3_8b):
    one = estimate(_config(peft=True, batch_size=1, block_size=512), "H100", model_config=llama3_8b)
    four = estimate(_config(peft=True, batch_size=4, block_size=512), "H100", model_config=llama3_8b)
    dpo = estimate(_config("llm-dpo", peft=True, batch_size=1, block_size=512), "H100", model_config=llama3_8b)
    assert four.activations == pytest.approx(4 * one.activations)
    assert dpo.activations == pytest.approx(2 * one.activations)  # chosen and rejected


def test_dpo_without_peft_keeps_a_reference_copy():
    from transformers import LlamaConfig

    config = LlamaConfig(hidden_size=64, num_hidden_layers=2, intermediate_size=128, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=500)
    sft, dpo = (estimate(_config(task), model_config=config) for task in ("llm-sft", "llm-dpo"))
    assert dpo.weights == 2 * sft.weights
    lora = estimate(_config("llm-dpo", peft=True), model_config=config)
    assert lora.weights < 1.5 * sft.weights  # the reference is the base without the adapter
    pissa = estimate(_config("llm-dpo", peft=True, lora_init="pissa"), model_config=config)
    assert pissa.weights == pytest.approx(lora.weights + sft.weights)  # a copy: the adapter rewrote the base
    assert any("lora_init pissa rewrites the base" in note for note in pissa.notes)


def test_fits_and_the_largest_batch(llama3_8b):
    t4, h100 = gpu_named("T4"), gpu_named("h-100")
    full = estimate(_config(batch_size=1, block_size=1024, mixed_precision="bf16"), "H100", model_config=llama3_8b)
    assert not full.fits(h100) and full.largest_batch(h100) == 0  # 8B in full: 16 bytes a parameter
    qlora = estimate(_config(peft=True, quantization="int4", batch_size=1, block_size=1024), "T4",
                     model_config=llama3_8b)
    assert qlora.fits(t4)
    largest = qlora.largest_batch(t4)
    assert largest >= 1
    bigger = estimate(_config(peft=True, quantization="int4", batch_size=largest, block_size=1024), "T4",
                      model_config=llama3_8b)
    too_big = estimate(_config(peft=True, quantization="int4", batch_size=largest + 1, block_size=1024), "T4",
                       model_config=llama3_8b)
    assert bigger.fits(t4) and not too_big.fits(t4)


def test_zero3_shards_weights_gradients_and_states(llama3_8b):
    one = estimate(_config(peft=False, block_size=512), "H100", model_config=llama3_8b)
    eight = estimate(_config(peft=False, block_size=512, num_processes=8, distributed_backend="deepspeed",
                             deepspeed_stage=3), "H100", model_config=llama3_8b)
    assert eight.weights == pytest.approx(one.weights / 8)
    assert eight.optimizer == pytest.approx(one.optimizer / 8)
    assert eight.activations == one.activations


def test_json_has_exactly_the_documented_keys(llama3_8b):
    data = estimate(_config(peft=True), "T4", model_config=llama3_8b).to_json()
    assert tuple(data) == JSON_KEYS == ("params", "weights_gb", "trainable_params", "gradients_gb", "optimizer_gb",
                                        "activations_gb", "total_gb")
    assert data["total_gb"] == pytest.approx(data["weights_gb"] + data["gradients_gb"] + data["optimizer_gb"]
                                             + data["activations_gb"], abs=1e-5)  # accumulation 4: all at once


def test_one_micro_batch_frees_gradients_before_the_next_forward():
    """gradient_accumulation 1: gradients grow as activations are freed, so the peak counts the larger one."""
    from transformers import LlamaConfig

    config = LlamaConfig(hidden_size=256, num_hidden_layers=4, intermediate_size=688, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=2000)
    one = estimate(_config(gradient_accumulation=1, block_size=256), model_config=config)
    four = estimate(_config(gradient_accumulation=4, block_size=256), model_config=config)
    assert one.total == one.weights + one.optimizer + max(one.gradients, one.activations)
    assert four.total == four.weights + four.gradients + four.optimizer + four.activations


def test_tabular_has_no_gpu_model():
    config = load_config({"task": "tabular", "base_model": "xgboost", "project_name": "p", "data": {"path": "d"},
                          "params": {}})
    result = estimate(config, "T4")
    assert result.total == 0 and result.params == 0
    assert "no GPU memory" in result.notes[0]


def test_unknown_gpu_names_the_known_ones():
    with pytest.raises(ValueError, match="T4, L4, A10G"):
        gpu_named("GTX 480")
