"""llm-kto: Kahneman-Tversky optimisation with TRL's KTOTrainer: completions marked desirable or not, no pairs."""

from __future__ import annotations

from dataclasses import replace

from ...config.params_kto import KTOParams
from ...config.task_spec import Demo, Footprint, Hook, Role
from ...tiny.llm_data import DEMO_PARAMS
from ..shared import llm_spec, roles
from .rules import kto_rules

COMPLETION = Role("text_column", "the completion to judge: text, or a conversation whose last turn (the assistant's) "
                  "is the completion", kind="chat_or_text",
                  names=("completion", "response", "answer", "output", "messages", "conversation", "chosen", "text"),
                  column="completion")
LABEL = Role("target_column", "whether the completion is desirable: true/false, 1/0 or good/bad", kind="label",
             names=("label", "labels", "desirable", "is_desirable", "kto_label", "is_good", "good", "thumbs_up",
                    "feedback", "target"),
             column="label")
PROMPT = replace(roles.PROMPT, help="the prompt; optional for conversations, where every turn but the last is the "
                                    "prompt", prefix_of=())
# The demo: the facts' right answers marked desirable, wrong ones undesirable; on two CPU cores the loss falls and
# rewards/chosen climbs above rewards/rejected within a minute (tests/tasks/test_llm_kto.py).
DEMO = Demo(model="llama", data="kto-facts",
            mapping={"prompt_text_column": "prompt", "text_column": "completion", "target_column": "label"},
            params={**DEMO_PARAMS, "model_max_length": 256, "max_prompt_length": 64, "dpo_beta": 0.5})

TASKS = (
    llm_spec.llm_task(
        name="llm-kto",
        title="LLM KTO (desirable / undesirable)",
        params=KTOParams,
        roles=(COMPLETION, LABEL, PROMPT, roles.SYSTEM),
        build=Hook.to(f"{__name__}.train:build"),
        valid_prompts=Hook.to(f"{__name__}.prompts:valid_prompts"),
        demo=DEMO,
        aliases=("llm:kto", "llm_kto", "kto"),
        trainer_names=("kto",),
        distribution=("target_column", "classes"),
        checks=llm_spec.checks("preference"),
        eject=llm_spec.eject(module="trl", config_class="KTOConfig", trainer_class="KTOTrainer", reference=True,
                             fused_head=True, options=f"{__name__}.train:kto_options",
                             subclass=f"{__name__}.train:_trainer_class", prepare=f"{__name__}.data:prepare_kto"),
        validate=kto_rules,
        form_hides=llm_spec.PREFERENCE_HIDES,
        # one sequence with gradients per example (the KL pass runs without them) and a frozen reference copy
        footprint=Footprint("AutoModelForCausalLM", sequences=1, reference_model=True),
    ),
)
