"""What the transformers-Trainer task declarations share: the demo's settings, saved-model loaders, checks."""

from __future__ import annotations

from ...config.task_spec import Hook

SHARED = "tunewidgets.tasks.shared"
TEXT_GROUP = "Text (transformers)"
VISION_GROUP = "Vision (transformers)"

# Demo settings: each learns visibly in seconds on two CPU cores and evaluates every epoch.
TEXT_DEMO = {"epochs": 4, "batch_size": 16, "lr": 3e-3, "logging_steps": 5, "eval_strategy": "epoch",
             "save_strategy": "epoch", "max_seq_length": 64}
IMAGE_DEMO = {"epochs": 4, "batch_size": 32, "lr": 2e-3, "logging_steps": 5, "eval_strategy": "epoch",
              "save_strategy": "epoch"}
CLASSIFIER_SCORES = ("accuracy", "f1", "precision", "recall")
REGRESSION_SCORES = ("r2",)


def load_saved(model: str, adapter: str | None = None, processor: str = "tokenizer") -> Hook:
    """The run directory's model with ``transformers.<model>`` (``peft.<adapter>`` for an unmerged adapter)."""
    return Hook.to(f"{SHARED}.saved:load_transformers", model=model, adapter=adapter, processor=processor)


def label_checks(kind: str | None) -> Hook:
    """The checks of a task without tokens to show: labels (``kind``: classes, values or None), size, split."""
    return Hook.to(f"{SHARED}.checks:check_rows", labels=kind)
