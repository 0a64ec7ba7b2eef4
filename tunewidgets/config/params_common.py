"""Hyperparameters every Trainer-based task shares (AutoTrain's names).

Defaults are AutoTrain's text-task defaults; task models override what differs.
Fields past AutoTrain's (max_steps, save/eval steps, resume, stop_on_nan) are
ordinary fields documented in the README.
"""

from __future__ import annotations

from pydantic import AliasChoices, field_validator, model_validator

from .fields import ADVANCED, BASIC, OPTIMIZERS, PRECISIONS, SCHEDULERS, STRATEGIES, StrictModel, field
from .params_distributed import DistributedParams


class _CoreTrainingParams(StrictModel):
    """Trainer hyperparameters shared by the transformers-based tasks."""

    lr: float = field(5e-5, "Learning rate.", BASIC, gt=0, le=1)
    epochs: int = field(3, "Number of passes over the training data.", BASIC, ge=1, le=1000)
    batch_size: int = field(8, "Examples per device per step.", BASIC, ge=1, le=4096)
    max_steps: int = field(-1, "Stop after this many optimizer steps (-1: run all epochs).", BASIC, ge=-1)
    warmup_ratio: float = field(0.1, "Share of steps spent warming the learning rate up.", ADVANCED, ge=0, le=1)
    gradient_accumulation: int = field(1, "Steps whose gradients add up before an update.", ADVANCED, ge=1, le=1024)
    optimizer: OPTIMIZERS = field("adamw_torch", "Optimizer (transformers' names).", ADVANCED)
    scheduler: SCHEDULERS = field("linear", "Learning-rate schedule.", ADVANCED)
    weight_decay: float = field(0.0, "Weight decay.", ADVANCED, ge=0, le=1)
    max_grad_norm: float = field(1.0, "Clip gradients to this norm.", ADVANCED, gt=0)
    seed: int = field(42, "Random seed for a reproducible run.", ADVANCED, ge=0)
    logging_steps: int = field(-1, "Log every N steps (-1: about 50 points per run, 1 to 25 apart).", ADVANCED, ge=-1)
    auto_find_batch_size: bool = field(False, "Halve the batch size on out-of-memory and retry.", ADVANCED)
    dataset_num_proc: int | None = field(
        None, "Processes that prepare (tokenize) the data (null: every core from 50,000 rows in a training process; "
        "one in a notebook's thread).", ADVANCED, ge=1,
    )
    mixed_precision: PRECISIONS | None = field(
        None, "fp16 or bf16 on a GPU; ignored with a warning where the device cannot (CPU trains in fp32).", ADVANCED
    )
    eval_strategy: STRATEGIES = field(
        "epoch",
        "When to evaluate on the valid split.",
        ADVANCED,
        validation_alias=AliasChoices("eval_strategy", "evaluation_strategy"),
    )
    eval_steps: int | None = field(None, "Evaluate every N steps when eval_strategy is steps.", ADVANCED, ge=1)
    save_strategy: STRATEGIES = field("epoch", "When to save a checkpoint.", ADVANCED)
    save_steps: int = field(100, "Save every N steps when save_strategy is steps.", ADVANCED, ge=1)
    save_total_limit: int = field(1, "Checkpoints kept on disk (the newest ones).", ADVANCED, ge=1)
    resume_from_checkpoint: str | None = field(
        None, "Resume: 'auto' for the run directory's last checkpoint, or a checkpoint path.", ADVANCED
    )
    stop_on_nan: bool = field(
        True, "Stop the run with a clear message when the loss becomes NaN or infinite.", ADVANCED
    )

    @field_validator("mixed_precision", mode="before")
    @classmethod
    def _none_means_fp32(cls, value):
        if isinstance(value, str) and value.strip().lower() in ("none", "no", "fp32", ""):
            return None
        return value

    @model_validator(mode="after")
    def _check_strategies(self):
        if self.eval_strategy == "steps" and self.eval_steps is None:
            raise ValueError("eval_strategy 'steps' needs eval_steps (e.g. eval_steps: 50)")
        return self


class TrainingParams(DistributedParams, _CoreTrainingParams):
    """The core hyperparameters, then the distribution ones (in that order in the form)."""


class EarlyStoppingMixin(StrictModel):
    """AutoTrain's early stopping, used by the non-LLM tasks."""

    early_stopping_patience: int = field(5, "Evaluations without improvement before stopping.", ADVANCED, ge=1)
    early_stopping_threshold: float = field(0.01, "Smallest improvement that counts.", ADVANCED, ge=0)
