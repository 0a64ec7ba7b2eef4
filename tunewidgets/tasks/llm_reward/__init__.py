"""llm-reward: a reward model (one-output sequence classifier) on chosen/rejected pairs, TRL's RewardTrainer."""

from __future__ import annotations

from ...config.task_spec import Footprint, Hook, Predict
from ..shared import llm_rules, llm_spec

TASKS = (
    llm_spec.llm_task(
        name="llm-reward",
        footprint=Footprint("AutoModelForSequenceClassification", sequences=2, head={"num_labels": 1}),
        title="LLM reward model",
        roles=llm_spec.PREFERENCE_ROLES,
        build=Hook.to(f"{__name__}.train:build"),
        load_saved=Hook.to("tunewidgets.tasks.shared.saved:load_transformers",
                           model="AutoModelForSequenceClassification",
                           adapter="AutoPeftModelForSequenceClassification"),
        demo=llm_spec.PREFERENCE_DEMO,
        aliases=("llm:reward", "llm_reward"),
        trainer_names=("reward",),
        scores=("accuracy",),
        predict=Predict(run=Hook.to(f"{__name__}.predict:score"), button="Score", options=("chat",),
                        placeholder="Answers to score, separated by a blank line (with the chat template: "
                                    "the first line of each is the prompt, the rest the answer)"),
        checks=llm_spec.checks("reward"),
        eject=llm_spec.eject(module="trl", config_class="RewardConfig", trainer_class="RewardTrainer",
                             reward_head=True),
        validate=llm_rules.scored_pairs,
        form_hides=(*llm_spec.DPO_ONLY, "dpo_beta", *llm_spec.SFT_ONLY, *llm_spec.TEXT_ONLY,
                    "eval_generate", "eval_generate_max_new_tokens"),
        generates=None,  # a scorer: it writes no text
    ),
)
