"""The validation prompts as llm-grpo prepares them, with the columns its reward functions read (a reference
answer among them)."""

from __future__ import annotations

from ..base import TaskContext
from .train import load_prompts


def valid_prompts(ctx: TaskContext, processor=None):
    """The prepared validation prompts, or None when the run has none (``processor`` is not needed)."""
    return load_prompts(ctx)[1]
