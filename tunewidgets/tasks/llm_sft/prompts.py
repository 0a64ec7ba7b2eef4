"""The validation split as llm-sft prepares it for training, without the model: what ``tunewidgets compare``
asks the trained models (the same rows eval_generate picks during training)."""

from __future__ import annotations

from ..base import TaskContext
from ..shared.llm_common import prepare_tokenizer
from ..shared.splits import load_train_valid
from .train import _prepare


def valid_prompts(ctx: TaskContext, processor=None):
    """The prepared validation split, or None when the run has none; ``processor``: the tokenizer whose chat
    template decides the layout (None: the base's with the config's template, as training loads it)."""
    _, valid_raw, _ = load_train_valid(ctx, auto_valid=False)
    if valid_raw is None:
        return None
    tokenizer = processor if processor is not None else prepare_tokenizer(ctx.config)[0]
    return _prepare(valid_raw, "valid", bool(getattr(tokenizer, "chat_template", None)))
