"""The validation split as llm-generic gives eval_generate its prompts: the texts as loaded, not the token
blocks (a prompt is a text's first half, or a conversation's turns before the answer)."""

from __future__ import annotations

from ..base import TaskContext
from ..shared.splits import load_train_valid


def valid_prompts(ctx: TaskContext, processor=None):
    """The mapped validation split, or None when the run has none (``processor`` is not needed)."""
    return load_train_valid(ctx, auto_valid=False)[1]
