"""llm-generic: a plain causal LM on block_size blocks of text (AutoTrain's default LLM trainer)."""

from __future__ import annotations

from ...config.task_spec import Demo, Hook, TaskSpec
from ..shared import llm_rules, llm_spec, roles

TASKS = (
    TaskSpec(
        name="llm-generic",
        title="LLM causal LM on text blocks",
        group=llm_spec.GROUP,
        params=llm_spec.PARAMS,
        roles=(roles.CONVERSATION,),
        build=Hook.to(f"{__name__}.train:build"),
        load_saved=llm_spec.LOAD_CAUSAL,
        demo=Demo(model="llama", data="sft-text", mapping={"text_column": "text"}, params=llm_spec.DEMO_PARAMS),
        aliases=("llm-default", "llm:generic", "llm:default", "llm_generic"),
        trainer_names=("default", "generic"),
        predict=llm_spec.GENERATE,
        checks=llm_spec.checks("generic"),
        eject=llm_spec.eject(module="trl", config_class="SFTConfig", trainer_class="SFTTrainer", sft=True,
                             packs=True),
        chat_template=True,
        validate=llm_rules.single_text,
    ),
)
