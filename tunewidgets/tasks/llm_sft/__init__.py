"""llm-sft: supervised fine-tuning with TRL's SFTTrainer on text or conversations, LoRA/QLoRA, merge."""

from __future__ import annotations

from ...config.task_spec import Demo, Hook
from ..shared import llm_rules, llm_spec, roles

TASKS = (
    llm_spec.llm_task(
        name="llm-sft",
        title="LLM supervised fine-tuning",
        roles=(roles.CONVERSATION, roles.INSTRUCTION, roles.CONTEXT, roles.SFT_SYSTEM),
        build=Hook.to(f"{__name__}.train:build"),
        valid_prompts=Hook.to(f"{__name__}.prompts:valid_prompts"),
        demo=Demo(model="llama", data="sft-chat", mapping={"text_column": "messages"}, chat_template="tokenizer",
                  params={**llm_spec.DEMO_PARAMS, "assistant_only_loss": True}, project="demo-sft-chat"),
        aliases=("llm", "llm:sft", "llm_sft"),
        trainer_names=("sft",),
        checks=llm_spec.checks("sft"),
        eject=llm_spec.eject(module="trl", config_class="SFTConfig", trainer_class="SFTTrainer", sft=True,
                             assistant_only=True, fused_head=True),
        streaming=True,
        validate=llm_rules.single_text,
        form_hides=(*llm_spec.DPO_ONLY, "dpo_beta", *llm_spec.PAIR_LIMITS),
    ),
)
