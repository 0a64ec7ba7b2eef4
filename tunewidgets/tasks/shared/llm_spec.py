"""What the five LLM task declarations share: params, hooks, the Try-the-model box, the demo's settings."""

from __future__ import annotations

from functools import partial

from ...config.params_llm import LLMParams
from ...config.task_spec import Demo, Footprint, Hook, Predict, TaskSpec
from ...tiny.llm_data import DEMO_PARAMS
from . import roles

PARAMS = LLMParams
GROUP = "Language models (TRL)"
SHARED = "tunewidgets.tasks.shared"

LOAD_CAUSAL = Hook.to(f"{SHARED}.saved:load_transformers", model="AutoModelForCausalLM",
                      adapter="AutoPeftModelForCausalLM")
GENERATE = Predict(run=Hook.to(f"{SHARED}.generation:generate"), button="Generate",
                   placeholder="Ask the trained model something, e.g. What is 2 plus 3?",
                   options=("max_new_tokens", "chat"))
PREFERENCE_ROLES = (roles.CHOSEN, roles.REJECTED, roles.PROMPT, roles.SYSTEM)
PREFERENCE_DEMO = Demo(model="llama", data="preference", params={**DEMO_PARAMS, "model_max_length": 256,
                                                                   "max_prompt_length": 64, "lr": 5e-4},
                       mapping={"prompt_text_column": "prompt", "text_column": "chosen",
                                "rejected_text_column": "rejected"})

# Fields of LLMParams only some LLM tasks read (TaskSpec.form_hides: each task's form leaves out what it ignores).
DPO_ONLY = ("model_ref", "dpo_loss_type", "dpo_label_smoothing")
PAIR_LIMITS = ("max_prompt_length", "max_completion_length")  # preference pairs cut to fit (DPO, ORPO, reward ...)
SFT_ONLY = ("completion_only_loss", "assistant_only_loss", "packing", "neftune_noise_alpha")
TEXT_ONLY = ("add_eos_token",)  # plain text SFT and llm-generic
PREFERENCE_HIDES = (*DPO_ONLY, *SFT_ONLY, *TEXT_ONLY)  # ORPO, CPO, KTO: beta and the pair limits stay

# A TaskSpec with what every LLM task shares filled in: each task names what differs.
llm_task = partial(TaskSpec, group=GROUP, params=PARAMS, load_saved=LOAD_CAUSAL, predict=GENERATE, chat_template=True,
                   footprint=Footprint("AutoModelForCausalLM"), generates="causal")


def checks(style: str) -> Hook:
    """The token checks: ``style`` says how the loss mask is read (sft, generic, preference, reward)."""
    return Hook.to(f"{SHARED}.llm_checks:check", style=style)


def eject(**options) -> Hook:
    """The plain-TRL script generator with this task's trainer and options."""
    return Hook.to(f"{SHARED}.llm_eject:script", **options)
