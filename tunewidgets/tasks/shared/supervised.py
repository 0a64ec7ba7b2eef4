"""What the transformers-Trainer tasks share: a model head loaded with clear errors, AutoTrain's early
stopping, Trainer arguments, and a confusion matrix for the app."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ...errors import DataError
from ..base import TaskContext, TrainJob
from .arguments import fit_to_machine, training_arguments
from .pretrained import from_pretrained

CONFUSION_FILE = "confusion_matrix.json"


def load_head(auto_cls, ctx: TaskContext, what: str, **kwargs):
    """``auto_cls.from_pretrained(base_model)`` with the project's clear errors (see pretrained.py)."""
    return from_pretrained(auto_cls.from_pretrained, ctx.config.base_model, what, token=ctx.config.hub_token, **kwargs)


def load_processor(auto_cls, ctx: TaskContext, what: str = "an image processor", **kwargs):
    """The base model's tokenizer or image processor, with the same clear errors as the model."""
    return from_pretrained(auto_cls.from_pretrained, ctx.config.base_model, what, token=ctx.config.hub_token,
                           needs_tokenizer_files=auto_cls.__name__ == "AutoTokenizer", weights=False, **kwargs)


def trainer_arguments(ctx: TaskContext, *, has_eval: bool, num_examples: int, **extra: Any) -> dict[str, Any]:
    """training_arguments plus what a task adds, fitted to this machine."""
    args = training_arguments(ctx.config, ctx.device, ctx.run_dir, has_eval=has_eval, num_examples=num_examples,
                              quiet=ctx.quiet)
    args.update(extra)
    fit_to_machine(args, ctx.config.params, ctx.device, ctx.log)
    return args


def early_stopping(ctx: TaskContext, has_eval: bool) -> list:
    """AutoTrain's early stopping (patience, threshold) on the eval loss, when there is a validation split.

    Tracked here rather than with transformers' EarlyStoppingCallback, which needs
    ``metric_for_best_model``: that makes the Trainer remember a best checkpoint by path, and the
    run's atomic checkpoints move checkpoints after they are written.
    """
    if not has_eval:
        return []
    from transformers import TrainerCallback

    p = ctx.config.params

    class EarlyStopping(TrainerCallback):
        def __init__(self):
            self.best: float | None = None
            self.bad = 0

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            loss = (metrics or {}).get("eval_loss")
            if loss is None:
                return control
            if self.best is None or self.best - loss > p.early_stopping_threshold:
                self.best, self.bad = loss, 0
            else:
                self.bad += 1
                if self.bad >= p.early_stopping_patience:
                    ctx.log(f"early stopping: eval_loss has not improved by {p.early_stopping_threshold} for "
                            f"{self.bad} evaluations (best {self.best:.4g})")
                    control.should_training_stop = True
            return control

    return [EarlyStopping()]


def write_confusion(run_dir: Path, names: list[str], y_true, y_pred) -> None:
    """The latest evaluation's confusion matrix (rows true, columns predicted), for the app to draw."""
    from .metrics import confusion_matrix

    record = {"labels": list(names), "matrix": confusion_matrix(list(y_true), list(y_pred), len(names))}
    path = Path(run_dir) / CONFUSION_FILE
    if path.parent.is_dir():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # every rank may write it: one temp name each
        tmp.write_text(json.dumps(record), encoding="utf-8")
        os.replace(tmp, path)


def check_text_column(dataset, column: str, split: str) -> None:
    """Every value of a text column must be a string (its Arrow type says so; a Python look at one row only
    to name it)."""
    from .arrow_checks import is_text

    if is_text(dataset, column):
        for index in _null_rows(dataset, column):
            raise DataError(f"the {split} split's {column} column holds None at row {index + 1}: expected text")
        return
    value = dataset[0][column]
    raise DataError(f"the {split} split's {column} column holds {type(value).__name__} at row 1: expected text")


def _null_rows(dataset, column: str):
    import pyarrow.compute as pc

    index = pc.index(pc.is_null(dataset.with_format("arrow")[column]), True).as_py()
    return [index] if index >= 0 else []


def max_length(ctx: TaskContext, model, wanted: int) -> int:
    """``wanted`` capped at the positions the model has (BERT has 512)."""
    limit = getattr(model.config, "max_position_embeddings", None)
    if isinstance(limit, int) and 0 < limit < wanted:
        ctx.log(f"max_seq_length {wanted} is longer than the model's {limit} positions: using {limit}")
        return limit
    return wanted


def ensure_pad_token(tokenizer, model=None) -> None:
    """Batching needs a pad token: reuse EOS (or UNK) when the tokenizer has none."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    if model is not None and getattr(model.config, "pad_token_id", None) is None:
        model.config.pad_token_id = tokenizer.pad_token_id


def trainer_job(trainer, model, processor, train, valid, notes: list[str]) -> TrainJob:
    """The TrainJob of a transformers-Trainer task: the model saved with its tokenizer or image processor."""
    def save(run_dir):
        trainer.save_model(str(run_dir))
        processor.save_pretrained(str(run_dir))

    return TrainJob(trainer=trainer, model=model, tokenizer=processor, save=save, num_train_examples=len(train),
                    num_valid_examples=len(valid) if valid is not None else 0, notes=notes)
