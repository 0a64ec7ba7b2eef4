"""llm-dpo: an explicit reference model, dpo_beta, AutoTrain's length limits, a run through the CLI."""

from __future__ import annotations

import torch

from tests.tasks.helpers import assert_trained, task_context, train_with_cli


def _same_weights(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_dpo_trains_from_yaml_and_the_model_loads_back(llm_config, tmp_path):
    from transformers import AutoModelForCausalLM

    run_dir = train_with_cli(llm_config("llm-dpo", dpo_beta=0.2), tmp_path)
    records = assert_trained(run_dir)
    assert any("eval_rewards/accuracies" in r for r in records)
    AutoModelForCausalLM.from_pretrained(run_dir)


def test_dpo_on_conversations_splits_the_prompt_off(llm_config, tmp_path):
    run_dir = train_with_cli(llm_config("llm-dpo", "preference-chat", max_steps=2), tmp_path)
    assert_trained(run_dir)


def test_the_reference_is_a_frozen_copy_of_the_starting_model(llm_config, tmp_path):
    from tunewidgets.tasks.llm_dpo.train import build

    job = build(task_context(llm_config("llm-dpo", valid=False, dpo_beta=0.3), tmp_path))
    trainer = job.trainer
    assert trainer.beta == 0.3
    ref = trainer.ref_model
    assert ref is not None and ref is not job.model
    assert _same_weights(ref, job.model)
    assert not any(p.requires_grad for p in ref.parameters())
    job.trainer.train()
    assert not _same_weights(ref, job.model)  # the policy moved, the reference did not
    assert not any(p.requires_grad for p in ref.parameters())


def test_model_ref_is_loaded_from_its_path(llm_config, tmp_path):
    from transformers import AutoModelForCausalLM

    from tunewidgets.tasks.llm_dpo.train import build
    from tunewidgets.tiny import build_tiny_llama

    other = build_tiny_llama(tmp_path / "other", seed=1)
    job = build(task_context(llm_config("llm-dpo", valid=False, model_ref=other), tmp_path))
    assert _same_weights(job.trainer.ref_model, AutoModelForCausalLM.from_pretrained(other))
    assert not _same_weights(job.trainer.ref_model, job.model)


def test_with_peft_the_reference_is_the_base_without_the_adapter(llm_config, tmp_path):
    from peft import PeftModel

    from tunewidgets.tasks.llm_dpo.train import build

    job = build(task_context(llm_config("llm-dpo", valid=False, peft=True, lora_r=4), tmp_path))
    assert job.trainer.ref_model is None and isinstance(job.trainer.model, PeftModel)


def test_long_prompts_are_cut_to_max_prompt_length_not_dropped(llm_config, tmp_path):
    from tunewidgets.tasks.llm_dpo.train import build

    job = build(task_context(llm_config("llm-dpo", valid=False, block_size=12, max_prompt_length=5), tmp_path))
    data = job.trainer.train_dataset
    assert len(data) == 180
    assert max(len(p) for p in data["prompt_ids"]) == 5
    assert all(len(p) + max(len(c), len(r)) <= 12
               for p, c, r in zip(data["prompt_ids"], data["chosen_ids"], data["rejected_ids"]))
    # with room to spare nothing is cut
    roomy = build(task_context(llm_config("llm-dpo", valid=False, block_size=128, max_prompt_length=5), tmp_path))
    assert max(len(p) for p in roomy.trainer.train_dataset["prompt_ids"]) > 5
