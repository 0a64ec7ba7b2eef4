"""llm-grpo's cross-field rules, checked when a config loads (no heavy imports: the form checks them too)."""

from __future__ import annotations


def grpo_rules(config) -> None:
    """A prompt column, at least one reward function, and evaluation batches that hold whole groups of
    completions."""
    mapping = config.data.column_mapping
    if mapping and not mapping.get("prompt_text_column"):
        raise ValueError("data.column_mapping: llm-grpo needs prompt_text_column (the prompts the model completes)")
    p = config.params
    if not p.reward_functions:
        raise ValueError("params.reward_functions: give at least one reward function: a TRL built-in "
                         "(think_format_reward ...), path/to/file.py:function or package.module:function")
    # (a reward file is looked for when the run resolves its functions, before anything loads, as data.path is)
    evaluates = bool(config.data.valid_split) and p.eval_strategy != "no"
    per_device = p.batch_size * p.world_processes
    if evaluates and per_device % p.num_generations:
        raise ValueError(f"params.batch_size: evaluation generates num_generations {p.num_generations} completions "
                         f"per prompt within one batch of {per_device}: make batch_size a multiple of "
                         "num_generations, or set eval_strategy: no")
