"""llm-generic: a plain causal LM on block_size blocks of text (AutoTrain's default LLM trainer)."""

from __future__ import annotations

from ...config.task_spec import Demo, Hook
from ..shared import llm_rules, llm_spec, roles

TASKS = (
    llm_spec.llm_task(
        name="llm-generic",
        title="LLM causal LM on text blocks",
        roles=(roles.CONVERSATION,),
        build=Hook.to(f"{__name__}.train:build"),
        valid_prompts=Hook.to(f"{__name__}.prompts:valid_prompts"),
        demo=Demo(model="llama", data="sft-text", mapping={"text_column": "text"}, params=llm_spec.DEMO_PARAMS),
        aliases=("llm-default", "llm:generic", "llm:default", "llm_generic"),
        trainer_names=("default", "generic"),
        checks=llm_spec.checks("generic"),
        eject=llm_spec.eject(module="trl", config_class="SFTConfig", trainer_class="SFTTrainer", sft=True,
                             packs=True),
        validate=llm_rules.single_text,
        form_hides=(*llm_spec.DPO_ONLY, "dpo_beta", *llm_spec.PAIR_LIMITS, *llm_spec.SFT_ONLY),
    ),
)
