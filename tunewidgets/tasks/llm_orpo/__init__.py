"""llm-orpo: odds-ratio preference optimisation (SFT and preference in one loss), TRL's experimental ORPO."""

from __future__ import annotations

from ...config.task_spec import Demo, Hook, TaskSpec
from ..shared import llm_rules, llm_spec, roles

TASKS = (
    TaskSpec(
        name="llm-orpo",
        title="LLM ORPO",
        group=llm_spec.GROUP,
        params=llm_spec.PARAMS,
        roles=(roles.CHOSEN, roles.REJECTED, roles.PROMPT),
        build=Hook.to(f"{__name__}.train:build"),
        load_saved=llm_spec.LOAD_CAUSAL,
        demo=Demo(model="llama", data="preference", mapping=llm_spec.PREFERENCE_MAPPING,
                  params=llm_spec.PREFERENCE_DEMO_PARAMS),
        aliases=("llm:orpo", "llm_orpo"),
        trainer_names=("orpo",),
        predict=llm_spec.GENERATE,
        checks=llm_spec.checks("preference"),
        eject=llm_spec.eject(module="trl.experimental.orpo", config_class="ORPOConfig",
                             trainer_class="ORPOTrainer", beta=True),
        chat_template=True,
        validate=llm_rules.preference_pairs,
    ),
)
