"""llm-dpo: direct preference optimisation with TRL's DPOTrainer and an explicit reference model."""

from __future__ import annotations

from ...config.task_spec import Demo, Hook, TaskSpec
from ..shared import llm_rules, llm_spec, roles

TASKS = (
    TaskSpec(
        name="llm-dpo",
        title="LLM DPO",
        group=llm_spec.GROUP,
        params=llm_spec.PARAMS,
        roles=(roles.CHOSEN, roles.REJECTED, roles.PROMPT),
        build=Hook.to(f"{__name__}.train:build"),
        load_saved=llm_spec.LOAD_CAUSAL,
        demo=Demo(model="llama", data="preference", mapping=llm_spec.PREFERENCE_MAPPING,
                  params=llm_spec.PREFERENCE_DEMO_PARAMS),
        aliases=("llm:dpo", "llm_dpo"),
        trainer_names=("dpo",),
        predict=llm_spec.GENERATE,
        checks=llm_spec.checks("preference"),
        eject=llm_spec.eject(module="trl", config_class="DPOConfig", trainer_class="DPOTrainer", beta=True,
                             reference=True, fused_head=True),
        chat_template=True,
        validate=llm_rules.preference_pairs_with_reference,
    ),
)
