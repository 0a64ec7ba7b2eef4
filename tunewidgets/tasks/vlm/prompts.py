"""The validation split as the vision-language tasks prepare it: image, prompt and completion, the prompt laid
out by the rule training used (the processor's chat template, or PaliGemma's prefixes)."""

from __future__ import annotations

from ..base import TaskContext
from ..shared.images import data_root
from ..shared.splits import load_train_valid
from .collate import has_chat_template
from .data import prepare_split
from .model import load_processor
from .train import shown_columns


def valid_prompts(ctx: TaskContext, processor=None, captioning: bool = False):
    """The prepared validation split, or None when the run has none; ``processor`` decides the layout (None:
    the base model's, as training loads it; the weights are not read)."""
    config = ctx.config
    _, valid_raw, _ = load_train_valid(ctx, auto_valid=False)
    if valid_raw is None:
        return None
    if processor is None:
        processor = load_processor(config.base_model, config.hub_token)
    return prepare_split(valid_raw, "valid", root=data_root(config), chat=has_chat_template(processor),
                         captioning=captioning, shown=shown_columns(config))
