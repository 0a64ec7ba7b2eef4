"""llm-grpo hyperparameters: the LLM fields, and the GRPOConfig fields users tune (TRL's names and defaults).

``reward_functions`` lists the rewards, each a TRL built-in by name (``think_format_reward``; a factory with
literal arguments, ``get_soft_overlong_punishment(max_completion_len=256, soft_punish_cache=32)``), a function
in a file (``path/to/rewards.py:my_reward``) or in an importable module (``my_package.rewards:my_reward``).
The app adds functions defined in the notebook as a copy of their source in a file (``rewards/<name>.py``).
Only the form of each entry is checked here (no import): the task resolves and dry-calls them before training.

``batch_size`` counts completions, as in TRL: one optimizer step trains ``batch_size x gradient_accumulation``
completions, ``num_generations`` per prompt.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import field_validator, model_validator

from .fields import ADVANCED, BASIC, HIDDEN, field
from .params_llm import LLMParams

# trl.rewards' functions (trl 1.16), named without importing trl: rewards, then factories that take arguments.
BUILTIN_REWARDS = ("accuracy_reward", "reasoning_accuracy_reward", "think_format_reward")
BUILTIN_REWARD_FACTORIES = ("get_cosine_scaled_reward", "get_repetition_penalty_reward",
                            "get_soft_overlong_punishment")
_ENTRY = re.compile(r"^(?P<target>[^:()]+?)(?::(?P<function>[A-Za-z_]\w*))?(?P<call>\(.*\))?$", re.S)
_MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def reward_entry_kind(entry: str) -> str:
    """``builtin``, ``file`` or ``module``; ValueError with the forms that work when it is none of them."""
    text = str(entry).strip()
    match = _ENTRY.match(text)
    if match is None or not text:
        raise ValueError(_forms(f"'{entry}' is not a reward function"))
    target, function, call = match["target"].strip(), match["function"], match["call"]
    if function is None:
        if target.endswith(".py"):
            raise ValueError(f"'{entry}' names a file but not its function: write {target}:my_reward_function")
        if target in BUILTIN_REWARD_FACTORIES and call:
            return "builtin"
        if target in BUILTIN_REWARD_FACTORIES:
            raise ValueError(f"'{target}' makes a reward function from arguments: write it as a call, e.g. "
                             f"{target}({_FACTORY_EXAMPLES[target]})")
        if target in BUILTIN_REWARDS and not call:
            return "builtin"
        import difflib

        close = difflib.get_close_matches(target, [*BUILTIN_REWARDS, *BUILTIN_REWARD_FACTORIES], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ValueError(_forms(f"'{entry}' is not one of TRL's reward functions{hint}"))
    if call:
        raise ValueError(f"'{entry}': only TRL's reward factories take arguments here; a function of yours takes "
                         "none (give its defaults in the function itself)")
    if target.endswith(".py") or "/" in target or "\\" in target:
        return "file"
    if _MODULE.match(target):
        return "module"
    raise ValueError(_forms(f"'{entry}' names neither a .py file nor a module"))


_FACTORY_EXAMPLES = {"get_cosine_scaled_reward": "max_len=256",
                     "get_repetition_penalty_reward": "ngram_size=3, max_penalty=-1.0",
                     "get_soft_overlong_punishment": "max_completion_len=256, soft_punish_cache=32"}


def _forms(problem: str) -> str:
    joined = " G" if problem.endswith("?") else ": g"
    return (f"{problem}{joined}ive one of TRL's ({', '.join(BUILTIN_REWARDS)}, or a factory such as "
            "get_soft_overlong_punishment(max_completion_len=256, soft_punish_cache=32)), path/to/file.py:function "
            "or package.module:function")


class GRPOParams(LLMParams):
    """Hyperparameters of llm-grpo (TRL's GRPOTrainer): the LLM fields, the rewards and the generation."""

    lr: float = field(1e-6, "Learning rate (TRL's GRPO default: 1e-6).", BASIC, gt=0, le=1)
    batch_size: int = field(
        2, "Completions per device per step (TRL counts completions, not prompts).", BASIC, ge=1, le=4096)
    reward_functions: list[str] = field(
        [], "Reward functions, one or more: a TRL built-in (think_format_reward, accuracy_reward ...), "
        "path/to/file.py:function or package.module:function. Each gets prompts, completions and every other "
        "column of the data as keyword lists, and returns one number per completion (None: skip it).", BASIC,
    )
    reward_weights: list[float] | None = field(
        None, "A weight per reward function (null: all 1); the total reward is their weighted sum.", BASIC)
    num_generations: int = field(
        8, "Completions sampled per prompt (the group whose rewards are compared).", BASIC, ge=2, le=1024)
    max_completion_length: int = field(256, "Longest completion generated, in tokens.", BASIC, ge=1)
    temperature: float = field(1.0, "Sampling temperature of the completions.", BASIC, gt=0)
    beta: float = field(
        0.0, "KL penalty against the starting model (0, TRL's default, loads no reference model).", BASIC, ge=0)
    loss_type: Literal["dapo", "grpo", "dr_grpo", "bnpo", "cispo", "sapo", "luspo", "vespo"] = field(
        "dapo", "How token losses are aggregated (TRL's loss_type; dapo is TRL's default).", ADVANCED)
    scale_rewards: Literal["group", "batch", "none"] = field(
        "group", "Divide advantages by the reward std of the group, of the batch, or not at all.", ADVANCED)
    multi_objective_aggregation: Literal["sum_then_normalize", "normalize_then_sum"] = field(
        "sum_then_normalize", "Several rewards: weighted sum, then normalise; or normalise each, then sum.", ADVANCED)
    num_iterations: int = field(1, "Optimisation passes over each generated batch (GRPO's mu).", ADVANCED, ge=1)
    epsilon: float = field(0.2, "Clipping of the policy ratio (lower bound, and upper without epsilon_high).",
                           ADVANCED, gt=0)
    epsilon_high: float | None = field(None, "Upper clipping bound (DAPO's clip-higher; null: epsilon).", ADVANCED,
                                       gt=0)
    importance_sampling_level: Literal["token", "sequence"] = field(
        "token", "Importance ratios per token (GRPO) or per sequence (GSPO).", ADVANCED)
    mask_truncated_completions: bool = field(
        False, "Leave completions cut at max_completion_length out of the loss (DAPO's advice).", ADVANCED)
    top_p: float = field(1.0, "Nucleus sampling: keep the smallest set of tokens with this probability.", ADVANCED,
                         gt=0, le=1)
    top_k: int = field(0, "Sample among the k likeliest tokens (0: all).", ADVANCED, ge=0)
    min_p: float | None = field(None, "Drop tokens below this share of the likeliest one's probability.", ADVANCED,
                                ge=0, le=1)
    repetition_penalty: float = field(1.0, "Penalty on repeated tokens while sampling (1: none).", ADVANCED, gt=0)
    steps_per_generation: int | None = field(
        None, "Optimizer micro-steps served by one generation round (null: gradient_accumulation).", ADVANCED, ge=1)
    use_vllm: bool = field(False, "Generate with vLLM (a CUDA GPU with vllm installed).", ADVANCED)
    vllm_mode: Literal["colocate", "server"] = field(
        "colocate", "vLLM in the training process (colocate) or a separate trl vllm-serve (server).", ADVANCED)
    vllm_gpu_memory_utilization: float = field(
        0.3, "Share of GPU memory vLLM may take in colocate mode.", ADVANCED, gt=0, le=1)
    vllm_server_base_url: str | None = field(
        None, "Server mode: the vllm-serve URL (null: http://localhost:8000).", ADVANCED)

    # LLM fields GRPO has no use for: accepted (a shared YAML keeps them) but not shown.
    block_size: int | list[int] = field(-1, "Not used by llm-grpo (prompts are whole; see max_completion_length).",
                                        HIDDEN)
    model_max_length: int = field(
        2048, "Longest prompt + completion the model should see (checked against the prompts in Checks).",
        ADVANCED, ge=8)
    padding: Literal["left", "right"] | None = field("left", "GRPO pads prompts on the left itself.", HIDDEN)
    add_eos_token: bool = field(True, "Not used by llm-grpo.", HIDDEN)
    model_ref: str | None = field(None, "Not used by llm-grpo (beta > 0 compares with the starting model).", HIDDEN)
    dpo_beta: float = field(0.1, "Not used by llm-grpo (see beta).", HIDDEN, gt=0)
    max_prompt_length: int = field(128, "Not used by llm-grpo (TRL 1.16's GRPO keeps prompts whole).", HIDDEN, ge=1)
    completion_only_loss: bool | None = field(None, "Not used by llm-grpo.", HIDDEN)
    assistant_only_loss: bool = field(False, "Not used by llm-grpo.", HIDDEN)
    packing: bool | None = field(None, "Not used by llm-grpo.", HIDDEN)
    trainer: Literal["grpo"] | None = field(None, "AutoTrain-style trainer name; the task says it.", HIDDEN)

    @field_validator("reward_functions", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        if isinstance(value, str):  # one entry, or several comma-separated (a --set on the CLI)
            return [part.strip() for part in _split_entries(value) if part.strip()]
        if isinstance(value, (list, tuple)):  # a form's comma-separated text arrives split inside a factory's call
            return [part.strip() for part in _split_entries(", ".join(str(v) for v in value)) if part.strip()]
        return value

    @field_validator("reward_functions")
    @classmethod
    def _check_entries(cls, value: list[str]):
        entries = [str(v).strip() for v in value]
        for entry in entries:
            reward_entry_kind(entry)
        return entries

    @model_validator(mode="after")
    def _check_grpo_rules(self):
        if self.reward_weights is not None and self.reward_functions and \
                len(self.reward_weights) != len(self.reward_functions):
            raise ValueError(f"reward_weights has {len(self.reward_weights)} weights for "
                             f"{len(self.reward_functions)} reward functions: give one per function (or none)")
        if self.auto_find_batch_size:
            raise ValueError("auto_find_batch_size cannot work with GRPO (a batch must hold whole groups of "
                             "num_generations completions): lower batch_size instead")
        per_step = self.batch_size * self.world_processes
        generation = per_step * (self.steps_per_generation or self.gradient_accumulation)
        if generation % self.num_generations:
            what = "steps_per_generation" if self.steps_per_generation else "gradient_accumulation"
            raise ValueError(
                f"one generation round samples batch_size x {what}"
                + (" x processes" if self.world_processes > 1 else "")
                + f" = {generation} completions, not a multiple of num_generations {self.num_generations}: "
                "make it a multiple (each prompt gets a whole group)")
        if self.max_completion_length >= self.model_max_length:
            raise ValueError(f"max_completion_length {self.max_completion_length} leaves no room for the prompt in "
                             f"model_max_length {self.model_max_length}: raise model_max_length")
        return self

    @property
    def max_length(self) -> int:
        """The longest sequence training may see: model_max_length (prompt + completion)."""
        return self.model_max_length


def _split_entries(text: str) -> list[str]:
    """Comma-separated entries, keeping a factory's arguments (commas inside parentheses) together."""
    out, depth, current = [], 0, ""
    for char in text.strip().strip("[]"):
        if char == "," and depth == 0:
            out.append(current)
            current = ""
            continue
        depth += char == "("
        depth -= char == ")"
        current += char
    return [*out, current]
