"""The validation split as seq2seq prepares it: sources and targets before tokenization, the held-out 20%
when the run named no validation split (the same rows: the split is seeded)."""

from __future__ import annotations

from ..base import TaskContext
from ..shared.splits import load_train_valid
from ..shared.supervised import check_text_column


def valid_prompts(ctx: TaskContext, processor=None):
    """Columns ``text`` and ``target`` of the validation split, or None when the run has none."""
    _, valid, _ = load_train_valid(ctx)
    if valid is not None:
        check_text_column(valid, "text", "valid")
        check_text_column(valid, "target", "valid")
    return valid
