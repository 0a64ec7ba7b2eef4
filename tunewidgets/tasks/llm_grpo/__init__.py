"""llm-grpo: group relative policy optimisation with TRL's GRPOTrainer and reward functions.

Prompts in (plain text or conversations), completions sampled by the model, scored by the reward functions of
``params.reward_functions``; every other column of the data reaches the reward functions (a reference answer).
"""

from __future__ import annotations

from dataclasses import replace

from ...config.params_grpo import GRPOParams
from ...config.task_spec import Demo, Footprint, Hook
from ...tiny.llm_data import DEMO_PARAMS
from ..shared import llm_spec, roles
from .rules import grpo_rules

PROMPT = replace(roles.PROMPT, help="the prompt the model completes: text, or a conversation (a list of "
                                    "{role, content}) whose next turn the model writes",
                 required=True, names=("prompt", "question", "problem", "query", "instruction", "input", "messages"),
                 prefix_of=(), only_with={})
# The demo: colour questions, rewarded for naming a colour (and the right one); the mean reward climbs from
# about 0.03 to 1 within 40 steps on two CPU cores (tiny/grpo_data.py).
DEMO = Demo(model="llama", data="grpo-colours", mapping={"prompt_text_column": "prompt"}, rows=200,
            params={**DEMO_PARAMS, "epochs": 1, "max_steps": 40, "batch_size": 16, "gradient_accumulation": 1,
                    "lr": 1e-2, "num_generations": 8, "max_completion_length": 12, "model_max_length": 256,
                    "logging_steps": 2, "eval_strategy": "no", "save_strategy": "no",
                    "reward_functions": ["{data}/rewards.py:names_a_colour", "{data}/rewards.py:right_colour"]})

TASKS = (
    llm_spec.llm_task(
        name="llm-grpo",
        title="LLM GRPO (reward functions)",
        params=GRPOParams,
        roles=(PROMPT, roles.SYSTEM),
        build=Hook.to(f"{__name__}.train:build"),
        valid_prompts=Hook.to(f"{__name__}.prompts:valid_prompts"),
        demo=DEMO,
        aliases=("llm:grpo", "llm_grpo", "grpo"),
        trainer_names=("grpo",),
        checks=Hook.to(f"{__name__}.checks:check"),
        eject=Hook.to(f"{__name__}.eject:script", module="trl", config_class="GRPOConfig",
                      trainer_class="GRPOTrainer"),
        validate=grpo_rules,
        form_hides=(*llm_spec.PREFERENCE_HIDES, "dpo_beta", "max_prompt_length"),
        keeps_unmapped_columns=True,  # every other column goes to the reward functions
        # batch_size counts completions, each one sequence; the reference copy only counts with beta > 0
        footprint=Footprint("AutoModelForCausalLM", sequences=1, reference_model=True),
    ),
)
