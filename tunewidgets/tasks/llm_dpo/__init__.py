"""llm-dpo: direct preference optimisation with TRL's DPOTrainer and an explicit reference model."""

from __future__ import annotations

from ...config.task_spec import Footprint, Hook
from ..shared import llm_rules, llm_spec

TASKS = (
    llm_spec.llm_task(
        name="llm-dpo",
        footprint=Footprint("AutoModelForCausalLM", sequences=2, reference_model=True),
        title="LLM DPO",
        roles=llm_spec.PREFERENCE_ROLES,
        build=Hook.to(f"{__name__}.train:build"),
        valid_prompts=Hook.to(f"{__name__}.prompts:valid_prompts"),
        demo=llm_spec.PREFERENCE_DEMO,
        aliases=("llm:dpo", "llm_dpo"),
        trainer_names=("dpo",),
        checks=llm_spec.checks("preference"),
        eject=llm_spec.eject(module="trl", config_class="DPOConfig", trainer_class="DPOTrainer", reference=True,
                             fused_head=True, options=f"{__name__}.train:dpo_options"),
        validate=llm_rules.preference_pairs_with_reference,
        form_hides=(*llm_spec.SFT_ONLY, *llm_spec.TEXT_ONLY),
    ),
)
