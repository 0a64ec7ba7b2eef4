"""extractive-qa: a question-answering head that points at the answer's first and last token in the context.

Answers are read and checked against their context first (``data/qa.py``), before any split is held out,
so an error names the row of the user's file. Long contexts become overlapping windows (``features.py``);
each evaluation turns the predicted positions back into text (``postprocess.py``) and scores it as SQuAD
does: ``eval_exact_match`` and ``eval_f1`` beside ``eval_loss``.
"""

from __future__ import annotations

from ...config.run_config import RunConfig
from ...errors import ConfigError, ModelError
from ..base import TaskContext, TrainJob
from ..shared.arguments import data_workers
from ..shared.splits import MIN_ROWS_TO_SPLIT, auto_split, column_named, load_train_valid
from ..shared.supervised import (
    early_stopping,
    ensure_pad_token,
    load_head,
    load_processor,
    max_length,
    trainer_arguments,
    trainer_job,
)
from .features import check_questions, qa_features, with_answers
from .postprocess import best_answers, squad_scores

WINDOW_COLUMNS = ["example_index", "cls_index", "offset_mapping"]


def column_names(config: RunConfig) -> dict[str, str]:
    """How messages name the mapped columns: the user's names."""
    return {"context": column_named(config, "text_column", "context"),
            "question": column_named(config, "question_column", "question"),
            "answers": column_named(config, "answer_column", "answers"),
            "answer_start": column_named(config, "answer_start_column", "answer_start")}


def postprocess_settings(config: RunConfig, length: int, null_answers: bool) -> dict:
    """What Try the model needs to answer as the evaluation did; saved in the model's config.json."""
    p = config.params
    return {"max_seq_length": length, "max_doc_stride": p.max_doc_stride, "n_best_size": p.n_best_size,
            "max_answer_length": p.max_answer_length, "null_answers": null_answers}


def load_tokenizer(ctx: TaskContext):
    from transformers import AutoTokenizer

    tokenizer = load_processor(AutoTokenizer, ctx, "a tokenizer")
    if not tokenizer.is_fast:
        raise ModelError(f"extractive question answering needs a fast tokenizer (character offsets); "
                         f"'{ctx.config.base_model}' has a slow one only")
    return tokenizer


def build(ctx: TaskContext) -> TrainJob:
    from transformers import AutoModelForQuestionAnswering, DataCollatorWithPadding, Trainer, TrainingArguments

    p = ctx.config.params
    names = column_names(ctx.config)
    train, valid, _ = load_train_valid(ctx, auto_valid=False)
    train = with_answers(train, "train", names)
    valid = with_answers(valid, "valid", names) if valid is not None else None

    tokenizer = load_tokenizer(ctx)
    model = load_head(AutoModelForQuestionAnswering, ctx, "a question-answering model")
    ensure_pad_token(tokenizer, model)
    length = max_length(ctx, model, p.max_seq_length)
    if p.max_doc_stride >= length:
        raise ConfigError(f"params.max_doc_stride {p.max_doc_stride} must be smaller than the {length} tokens a "
                          "window holds here: lower it")
    for name, split in (("train", train), ("valid", valid)):
        if split is not None:
            check_questions(tokenizer, list(split["question"]), length, p.max_doc_stride, name)
    if valid is None:
        train, valid = _hold_out(ctx, train)
    null_answers = any(not answers["text"] for answers in train["answers"])
    model.config.qa_postprocess = postprocess_settings(ctx.config, length, null_answers)

    settings = dict(tokenizer=tokenizer, max_length=length, stride=p.max_doc_stride)
    workers = data_workers(p, len(train), ctx.threaded)
    train_features = train.map(qa_features, batched=True, with_indices=True, remove_columns=train.column_names,
                               fn_kwargs=settings, num_proc=workers)
    valid_features, compute_metrics = None, None
    if valid is not None:
        valid_features = valid.map(qa_features, batched=True, with_indices=True, remove_columns=valid.column_names,
                                   fn_kwargs={**settings, "windows": True}, num_proc=workers)
        windows = list(zip(*(valid_features[c] for c in WINDOW_COLUMNS)))
        valid_features = valid_features.remove_columns(WINDOW_COLUMNS)
        contexts, references = list(valid["context"]), [a["text"] for a in valid["answers"]]

        def compute_metrics(eval_pred):
            start_logits, end_logits = eval_pred.predictions[:2]
            predicted = best_answers(contexts, windows, start_logits, end_logits, n_best=p.n_best_size,
                                     max_answer_length=p.max_answer_length, null_answers=null_answers)
            return squad_scores(predicted, references)

    has_eval = valid is not None
    args = TrainingArguments(**trainer_arguments(ctx, has_eval=has_eval, num_examples=len(train_features)))
    trainer = Trainer(
        model=model, args=args, train_dataset=train_features, eval_dataset=valid_features, processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer), compute_metrics=compute_metrics,
        callbacks=[*ctx.callbacks, *early_stopping(ctx, has_eval)],
    )
    unanswered = sum(1 for answers in train["answers"] if not answers["text"])
    notes = [f"{len(train):,} questions in {len(train_features):,} windows of {length} tokens "
             f"(stride {p.max_doc_stride})"
             + (f"; {unanswered:,} without an answer: the null answer is predicted when it scores best"
                if null_answers else "")]
    for note in notes:
        ctx.log(note)
    return trainer_job(trainer, model, tokenizer, train_features, valid_features, notes=notes)


def _hold_out(ctx: TaskContext, train):
    """AutoTrain's automatic validation split (20%, seeded), held out after the rows were checked."""
    if len(train) < MIN_ROWS_TO_SPLIT:
        ctx.log(f"no valid split and only {len(train)} training rows: training on all of them without evaluation")
        return train, None
    seed = ctx.config.params.seed
    train, valid = auto_split(train, seed=seed)
    ctx.log(f"no valid split given: held out {len(valid)} of {len(train) + len(valid)} training rows for validation "
            f"(20%, seed {seed})")
    return train, valid
