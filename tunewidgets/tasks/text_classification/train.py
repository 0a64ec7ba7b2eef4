"""text_classification and text_regression: a transformers sequence-classification head.

Labels may be strings, integers or booleans (no ClassLabel needed); their names go into the
model config, so the saved model's pipeline answers with them. Regression predicts one number.
"""

from __future__ import annotations

from ..base import TaskContext, TrainJob
from ..shared.arguments import data_workers
from ..shared.splits import column_named, load_train_valid
from ..shared.supervised import (
    check_text_column,
    early_stopping,
    ensure_pad_token,
    load_head,
    load_processor,
    max_length,
    trainer_arguments,
    trainer_job,
)
from ..shared.targets import classification_compute_metrics, prepare_targets, regression_compute_metrics


def build(ctx: TaskContext, regression: bool = False) -> TrainJob:
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
    )

    p = ctx.config.params
    train, valid, _ = load_train_valid(ctx, stratify=None if regression else "target")
    for name, split in (("train", train), ("valid", valid)):
        if split is not None:
            check_text_column(split, "text", name)
    train, valid, labels = prepare_targets(train, valid, regression,
                                           shown=column_named(ctx.config, "target_column", "target"))

    tokenizer = load_processor(AutoTokenizer, ctx, "a tokenizer")
    head = dict(num_labels=1, problem_type="regression") if regression else dict(
        num_labels=len(labels), id2label=labels.id2label, label2id=labels.label2id,
        problem_type="single_label_classification")
    model = load_head(AutoModelForSequenceClassification, ctx, "a sequence classifier", ignore_mismatched_sizes=True,
                      **head)
    ensure_pad_token(tokenizer, model)
    length = max_length(ctx, model, p.max_seq_length)

    def tokenize(batch):
        return tokenizer(batch["text"], truncation=True, max_length=length)

    columns = [c for c in train.column_names if c != "labels"]
    workers = data_workers(p, len(train), ctx.threaded)
    train = train.map(tokenize, batched=True, remove_columns=columns, num_proc=workers)
    if valid is not None:
        valid = valid.map(tokenize, batched=True, remove_columns=columns, num_proc=workers)

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

    notes = [] if regression else [f"{len(labels)} classes: {', '.join(labels.names[:10])}"]
    return trainer_job(trainer, model, tokenizer, train, valid, notes=notes)
