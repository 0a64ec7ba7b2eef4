"""LoRA on a base model with the chatml template: the tokens the template adds get trained rows.

Without this, <|im_start|> and <|im_end|> would keep their random initial rows under LoRA: the model
could not read a turn's start or learn to end one.
"""

from __future__ import annotations

import pytest
import torch

from tests.tasks.helpers import assert_trained, train_with_cli


@pytest.fixture(scope="module")
def base_llama(tmp_path_factory):
    from tunewidgets.tiny import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("base") / "tiny-base", chat=False)


def test_new_token_rows_name_the_embedding_and_an_untied_head(base_llama):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tunewidgets.data.chat import apply_chat_template_to_tokenizer
    from tunewidgets.tasks.shared.llm_common import new_token_rows

    tokenizer = AutoTokenizer.from_pretrained(base_llama)
    added = apply_chat_template_to_tokenizer(tokenizer, "chatml")
    assert added == ["<|im_start|>", "<|im_end|>"]
    model = AutoModelForCausalLM.from_pretrained(base_llama)
    model.resize_token_embeddings(len(tokenizer))
    ids = tokenizer.convert_tokens_to_ids(added)
    assert new_token_rows(model, tokenizer, added) == {"embed_tokens": ids, "lm_head": ids}
    model.lm_head.weight = model.get_input_embeddings().weight  # tied: the head needs no rows of its own
    assert new_token_rows(model, tokenizer, added) == {"embed_tokens": ids}
    assert new_token_rows(model, tokenizer, []) is None


def test_lora_sft_with_chatml_on_a_base_model_trains_the_added_rows_and_merges_them(
        llm_config, tmp_path, base_llama):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    config = llm_config("llm-sft", "sft-chat", chat_template="chatml", peft=True, lora_r=4, merge_adapter=True,
                        lr=5e-3, max_steps=4, valid=False)
    config["base_model"] = base_llama
    run_dir = train_with_cli(config, tmp_path)
    assert_trained(run_dir, eval_loss=False)
    tokenizer = AutoTokenizer.from_pretrained(run_dir)
    ids = tokenizer.convert_tokens_to_ids(["<|im_start|>", "<|im_end|>"])
    base_size = len(AutoTokenizer.from_pretrained(base_llama))
    assert min(ids) >= base_size  # they were added to the base vocabulary

    from peft import PeftModel

    merged = AutoModelForCausalLM.from_pretrained(run_dir)
    base = AutoModelForCausalLM.from_pretrained(base_llama)
    embeddings, head = merged.get_input_embeddings().weight, merged.get_output_embeddings().weight
    assert embeddings.shape[0] == len(tokenizer) and head.shape[0] == len(tokenizer)
    # every old row is still the base's: only LoRA and the new embedding rows trained (SFT leaves the head's
    # rows at their start: TRL's fused LM head reads the head directly)
    assert torch.allclose(embeddings[:base_size], base.get_input_embeddings().weight, atol=1e-6)
    assert torch.allclose(head[:base_size], base.get_output_embeddings().weight, atol=1e-6)
    # the new rows moved off where the resize started them (the adapter keeps that start and the learned rows)
    resized = AutoModelForCausalLM.from_pretrained(base_llama)
    resized.resize_token_embeddings(len(tokenizer))
    adapted = PeftModel.from_pretrained(resized, run_dir / "adapter")
    start = adapted.get_input_embeddings().original_module.weight[ids]  # PEFT's TrainableTokensWrapper
    assert (embeddings[ids] - start).abs().max() > 1e-4
    assert torch.allclose(adapted.merge_and_unload().get_input_embeddings().weight[ids], embeddings[ids], atol=1e-6)
    adapter = (run_dir / "adapter" / "adapter_config.json").read_text()
    assert "trainable_token_indices" in adapter and str(ids[0]) in adapter


@pytest.mark.parametrize("task", ["llm-dpo", "llm-orpo", "llm-reward", "llm-generic"])
def test_the_other_llm_trainers_train_the_added_rows_with_lora(llm_config, tmp_path, base_llama, task):
    data = "sft-chat" if task == "llm-generic" else "preference-chat"
    config = llm_config(task, data, chat_template="chatml", peft=True, lora_r=4, lr=5e-3, max_steps=2, valid=False)
    config["base_model"] = base_llama
    run_dir = train_with_cli(config, tmp_path)
    assert_trained(run_dir, eval_loss=False)
    adapter = next(run_dir.glob("**/adapter_config.json")).read_text()
    assert "trainable_token_indices" in adapter and "embed_tokens" in adapter
