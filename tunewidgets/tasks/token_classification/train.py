"""token_classification: one tag per token (NER, POS), with entity-level precision, recall and F1.

Tokens and tags are lists per row; tags may be strings ("B-PER") or integers (with a
ClassLabel's names when the data set has them). Only the first sub-word of a token carries
its tag, as in transformers' examples; the others are ignored by the loss (-100).
"""

from __future__ import annotations

import numpy as np

from ...errors import DataError, ModelError
from ..base import TaskContext, TrainJob
from ..shared.labels import check_known, classlabel_names, labels_from_values
from ..shared.metrics import entity_metrics
from ..shared.splits import load_train_valid
from ..shared.supervised import (
    early_stopping,
    ensure_pad_token,
    load_head,
    load_processor,
    max_length,
    trainer_arguments,
    trainer_job,
)


def _check_rows(dataset, split: str) -> None:
    for index, (tokens, tags) in enumerate(zip(dataset["tokens"], dataset["tags"])):
        if not isinstance(tokens, (list, tuple)) or not all(isinstance(t, str) for t in tokens):
            raise DataError(f"the {split} split's tokens must be lists of strings; "
                            f"row {index + 1} holds {tokens!r:.80}")
        if not isinstance(tags, (list, tuple)):
            raise DataError(f"the {split} split's tags must be lists; row {index + 1} holds {tags!r:.80}")
        if len(tokens) != len(tags):
            raise DataError(f"the {split} split's row {index + 1} has {len(tokens)} tokens but {len(tags)} tags: "
                            "give one tag per token")


def _load_tokenizer(ctx: TaskContext):
    from transformers import AutoTokenizer

    tokenizer = load_processor(AutoTokenizer, ctx, "a tokenizer")
    if getattr(tokenizer, "add_prefix_space", None) is False:  # byte-level BPE (RoBERTa, GPT-2) needs it for words
        tokenizer = load_processor(AutoTokenizer, ctx, "a tokenizer", add_prefix_space=True)
    if not tokenizer.is_fast:
        raise ModelError(f"token classification needs a fast tokenizer (word ids); '{ctx.config.base_model}' has a "
                         "slow one only")
    return tokenizer


def build(ctx: TaskContext) -> TrainJob:
    from transformers import (
        AutoModelForTokenClassification,
        DataCollatorForTokenClassification,
        Trainer,
        TrainingArguments,
    )

    p = ctx.config.params
    train, valid, _ = load_train_valid(ctx)
    _check_rows(train, "train")
    if valid is not None:
        _check_rows(valid, "valid")
    labels = labels_from_values((t for row in train["tags"] for t in row), what="the train split's tags",
                                names=classlabel_names(train, "tags"))
    if valid is not None:
        check_known(labels, (t for row in valid["tags"] for t in row), "valid", "tag")

    tokenizer = _load_tokenizer(ctx)
    model = load_head(AutoModelForTokenClassification, ctx, "a token classifier", ignore_mismatched_sizes=True,
                      num_labels=len(labels), id2label=labels.id2label, label2id=labels.label2id)
    ensure_pad_token(tokenizer, model)
    length = max_length(ctx, model, p.max_seq_length)

    def tokenize(batch):
        enc = tokenizer(batch["tokens"], is_split_into_words=True, truncation=True, max_length=length)
        all_labels = []
        for i, tags in enumerate(batch["tags"]):
            previous, row = None, []
            for word in enc.word_ids(i):
                row.append(-100 if word is None or word == previous else labels.encode(tags[word]))
                previous = word
            all_labels.append(row)
        enc["labels"] = all_labels
        return enc

    train = train.map(tokenize, batched=True, remove_columns=train.column_names)
    if valid is not None:
        valid = valid.map(tokenize, batched=True, remove_columns=valid.column_names)

    def compute_metrics(eval_pred):
        logits = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions
        preds = np.asarray(logits).argmax(-1)
        truth, guess = [], []
        for pred_row, label_row in zip(preds, eval_pred.label_ids):
            keep = label_row != -100
            truth.append([labels.names[i] for i in label_row[keep]])
            guess.append([labels.names[i] for i in pred_row[keep]])
        return entity_metrics(truth, guess)

    has_eval = valid is not None
    args = TrainingArguments(**trainer_arguments(ctx, has_eval=has_eval, num_examples=len(train)))
    trainer = Trainer(
        model=model, args=args, train_dataset=train, eval_dataset=valid, processing_class=tokenizer,
        data_collator=DataCollatorForTokenClassification(tokenizer), compute_metrics=compute_metrics,
        callbacks=[*ctx.callbacks, *early_stopping(ctx, has_eval)],
    )

    return trainer_job(trainer, model, tokenizer, train, valid,
                       notes=[f"{len(labels)} tags: {', '.join(labels.names[:12])}"])
