"""Generations during training (``eval_generate``), a field pair every task that writes text declares.

At each evaluation the model answers a fixed handful of validation prompts greedily; the answers go to the run
directory's generations.jsonl and their scores against the references to the metrics (eval_gen_rougeL,
eval_gen_exact_match ...). A loss curve says the model fits the data; the answers say whether it got better at
the job. The task layer does the work (tasks/shared/generation_callback.py).
"""

from __future__ import annotations

from typing import Any

from .fields import ADVANCED, field


def eval_generate_field() -> Any:
    return field(0, "At each evaluation, answer this many fixed validation prompts greedily: the answers go to "
                 "generations.jsonl, their scores (eval_gen_rougeL, eval_gen_exact_match) to the metrics "
                 "(0: off).", ADVANCED, ge=0, le=256)


def eval_generate_max_new_tokens_field() -> Any:
    return field(64, "Longest answer eval_generate writes (new tokens).", ADVANCED, ge=1, le=8192)


def check_eval_generate(params) -> None:
    """Generations happen at evaluations: without any, asking for them is a mistake worth saying."""
    if getattr(params, "eval_generate", 0) and getattr(params, "eval_strategy", "epoch") == "no":
        raise ValueError(f"eval_generate {params.eval_generate} answers validation prompts at each evaluation, and "
                         "eval_strategy is 'no': set eval_strategy to epoch or steps (with a valid_split)")
