"""The validation split as the preference tasks (llm-dpo, llm-orpo, llm-cpo) prepare it: TRL's prompt, chosen
and rejected, the chosen answer being the reference a compared model is read against."""

from __future__ import annotations

from ..base import TaskContext
from ..shared.llm_preference import prepare_preference
from ..shared.splits import load_train_valid


def valid_prompts(ctx: TaskContext, processor=None):
    """The prepared validation pairs, or None when the run has none (``processor`` is not needed)."""
    _, valid_raw, _ = load_train_valid(ctx, auto_valid=False)
    return None if valid_raw is None else prepare_preference(valid_raw, "valid", ctx.config.task)
