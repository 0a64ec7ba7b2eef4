"""text_classification and text_regression: a transformers sequence-classification head.

Labels may be strings, integers or booleans (no ClassLabel needed); their names go into the
model config, so the saved model's pipeline answers with them. Regression predicts one number.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError
from .base import TaskContext, TrainJob
from .labels import check_known, classlabel_names, labels_from_values, numeric_targets
from .metrics import classification_metrics, regression_metrics
from .splits import load_train_valid
from .supervised import (
    check_text_column,
    early_stopping,
    ensure_pad_token,
    load_head,
    load_processor,
    max_length,
    trainer_arguments,
    trainer_job,
    write_confusion,
)


def prepare_targets(ctx: TaskContext, train, valid, regression: bool, column: str = "target"):
    """(train, valid, labels): a ``labels`` column of ids (classification) or floats (regression)."""
    if regression:
        train = train.add_column("labels", numeric_targets(train[column], "train", column))
        if valid is not None:
            valid = valid.add_column("labels", numeric_targets(valid[column], "valid", column))
        return train, valid, None
    labels = labels_from_values(train[column], names=classlabel_names(train, column))
    if len(labels) < 2:
        raise DataError(f"classification needs at least two classes; the train split has only {labels.names[0]!r}")
    if valid is not None:
        check_known(labels, valid[column], "valid")
    train = train.add_column("labels", [labels.encode(v) for v in train[column]])
    if valid is not None:
        valid = valid.add_column("labels", [labels.encode(v) for v in valid[column]])
    return train, valid, labels


def classification_compute_metrics(ctx: TaskContext, labels):
    """compute_metrics for a classifier (also writes the confusion matrix for the app)."""

    def compute(eval_pred):
        logits = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions
        preds = np.asarray(logits).argmax(-1)
        write_confusion(ctx.run_dir, labels.names, eval_pred.label_ids, preds)
        return classification_metrics(eval_pred.label_ids, preds, len(labels))

    return compute


def regression_compute_metrics(eval_pred):
    preds = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions
    return regression_metrics(eval_pred.label_ids, np.asarray(preds).reshape(-1))


def build(ctx: TaskContext) -> TrainJob:
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
    )

    config, p = ctx.config, ctx.config.params
    regression = config.task == "text_regression"
    train, valid, _ = load_train_valid(ctx, stratify=None if regression else "target")
    for name, split in (("train", train), ("valid", valid)):
        if split is not None:
            check_text_column(split, "text", name)
    train, valid, labels = prepare_targets(ctx, train, valid, regression)

    tokenizer = load_processor(AutoTokenizer, ctx, "a tokenizer")
    head = dict(num_labels=1, problem_type="regression") if regression else dict(
        num_labels=len(labels), id2label=labels.id2label, label2id=labels.label2id,
        problem_type="single_label_classification")
    model = load_head(AutoModelForSequenceClassification, ctx, "a sequence classifier", ignore_mismatched_sizes=True,
                      **head)
    ensure_pad_token(tokenizer, model)
    length = max_length(ctx, tokenizer, model, p.max_seq_length)

    def tokenize(batch):
        return tokenizer(batch["text"], truncation=True, max_length=length)

    columns = [c for c in train.column_names if c != "labels"]
    train = train.map(tokenize, batched=True, remove_columns=columns)
    if valid is not None:
        valid = valid.map(tokenize, batched=True, remove_columns=columns)

    has_eval = valid is not None
    args = TrainingArguments(**trainer_arguments(ctx, has_eval=has_eval, num_examples=len(train)))
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train,
        eval_dataset=valid,
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=regression_compute_metrics if regression else classification_compute_metrics(ctx, labels),
        callbacks=[*ctx.callbacks, *early_stopping(ctx, has_eval)],
    )

    return trainer_job(trainer, model, tokenizer, train, valid, notes=[] if regression else [f"{len(labels)} classes: {', '.join(labels.names[:10])}"])
