"""The validation split as llm-kto prepares it: prompt, completion and label (an undesirable completion is no
reference for what the model should say)."""

from __future__ import annotations

from ..base import TaskContext
from ..shared.splits import load_train_valid
from .data import prepare_kto


def valid_prompts(ctx: TaskContext, processor=None):
    """The prepared validation rows (not shuffled, as training leaves them), or None when the run has none."""
    _, valid_raw, _ = load_train_valid(ctx, auto_valid=False)
    return None if valid_raw is None else prepare_kto(valid_raw, "valid")
