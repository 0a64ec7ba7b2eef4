"""llm-orpo: odds-ratio preference optimisation (SFT and preference in one loss), TRL's experimental ORPO."""

from __future__ import annotations

from ...config.task_spec import Footprint, Hook
from ..shared import llm_rules, llm_spec

TASKS = (
    llm_spec.llm_task(
        name="llm-orpo",
        footprint=Footprint("AutoModelForCausalLM", sequences=2),
        title="LLM ORPO",
        roles=llm_spec.PREFERENCE_ROLES,
        build=Hook.to(f"{__name__}.train:build"),
        valid_prompts=Hook.to("tunewidgets.tasks.llm_dpo.prompts:valid_prompts"),  # the same pairs
        demo=llm_spec.PREFERENCE_DEMO,
        aliases=("llm:orpo", "llm_orpo"),
        trainer_names=("orpo",),
        checks=llm_spec.checks("preference"),
        eject=llm_spec.eject(module="trl.experimental.orpo", config_class="ORPOConfig",
                             trainer_class="ORPOTrainer", beta=True),
        validate=llm_rules.preference_pairs,
        form_hides=llm_spec.PREFERENCE_HIDES,
    ),
)
