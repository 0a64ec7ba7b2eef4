"""Eject extractive-qa to a standalone transformers Trainer script (see train.py): the same answers read, the
same windows, the same post-processing and scores, copied in from features.py and postprocess.py."""

from __future__ import annotations

from pathlib import Path

from ...config.run_config import RunConfig
from ..shared import eject_trainer as common
from ..shared.eject_data import read_splits
from ..shared.eject_source import Script, header
from ..shared.splits import MIN_ROWS_TO_SPLIT, split_indices
from ..shared.supervised import ensure_pad_token
from .features import qa_features, with_answers
from .postprocess import best_answers, squad_scores
from .train import WINDOW_COLUMNS, column_names


def script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None,
           device=None) -> str:
    """A script that trains like a run of ``config``: windows of question and context, transformers' Trainer."""
    p, device, notes = config.params, common.device_or_cpu(device), []
    out = common.output_dir(config, workdir)
    args = common.trainer_kwargs(config, device, out, auto_valid=True, notes=notes)
    s = Script(header(config, "transformers' Trainer (extractive question answering)", device, notes))
    s.imports("from transformers import AutoModelForQuestionAnswering, AutoTokenizer",
              "from transformers import DataCollatorWithPadding, Trainer, TrainingArguments")
    s.setting("MODEL", config.base_model).setting("OUTPUT_DIR", out).setting("MAX_SEQ_LENGTH", p.max_seq_length)
    s.setting("DOC_STRIDE", p.max_doc_stride, "tokens two windows of a long context share")
    s.setting("N_BEST", p.n_best_size).setting("MAX_ANSWER_LENGTH", p.max_answer_length)
    s.section("data")
    read_splits(s, config, auto_valid=False)
    s.setting("NAMES", column_names(config), "how error messages name your columns")
    s.setting("WINDOW_COLUMNS", WINDOW_COLUMNS)
    s.embed(with_answers, split_indices, qa_features, ensure_pad_token, best_answers, squad_scores)
    s.add("train = with_answers(train, 'train', NAMES)  # SQuAD's {text, answer_start}, checked against the context",
          "valid = with_answers(valid, 'valid', NAMES) if valid is not None else None",
          f"if valid is None and len(train) >= {MIN_ROWS_TO_SPLIT}:  # no valid split: hold out 20% of train, as "
          "tunewidgets does (seeded)",
          "    train_rows, valid_rows = split_indices(len(train), seed=SEED)",
          "    train, valid = train.select(train_rows), train.select(valid_rows)",
          "null_answers = any(not answers['text'] for answers in train['answers'])  # SQuAD v2: unanswered questions")
    s.section("model", *common.seed_lines(s),
              "tokenizer = AutoTokenizer.from_pretrained(MODEL)",
              "model = AutoModelForQuestionAnswering.from_pretrained(MODEL)",
              "ensure_pad_token(tokenizer, model)",
              "length = min(MAX_SEQ_LENGTH, getattr(model.config, 'max_position_embeddings', None) or MAX_SEQ_LENGTH)",
              "model.config.qa_postprocess = {  # what tunewidgets' Try the model reads to answer as evaluated",
              "    'max_seq_length': length, 'max_doc_stride': DOC_STRIDE, 'n_best_size': N_BEST,",
              "    'max_answer_length': MAX_ANSWER_LENGTH, 'null_answers': null_answers}",
              "settings = dict(tokenizer=tokenizer, max_length=length, stride=DOC_STRIDE)",
              "train = train.map(qa_features, batched=True, with_indices=True, remove_columns=train.column_names,",
              "                  fn_kwargs=settings)",
              "windows = None",
              "if valid is not None:  # the windows' rows and offsets turn predicted positions back into text",
              "    contexts, references = list(valid['context']), [answers['text'] for answers in valid['answers']]",
              "    valid = valid.map(qa_features, batched=True, with_indices=True, remove_columns=valid.column_names,",
              "                      fn_kwargs={**settings, 'windows': True})",
              "    windows = list(zip(*(valid[column] for column in WINDOW_COLUMNS)))",
              "    valid = valid.remove_columns(WINDOW_COLUMNS)")
    s.section("training",
              "def compute_metrics(eval_pred):",
              "    start_logits, end_logits = eval_pred.predictions[:2]",
              "    predicted = best_answers(contexts, windows, start_logits, end_logits, n_best=N_BEST,",
              "                             max_answer_length=MAX_ANSWER_LENGTH, null_answers=null_answers)",
              "    return squad_scores(predicted, references)",
              "",
              "")
    s.add(*common.arguments_lines(s, config, "TrainingArguments", args))
    s.add("trainer = Trainer(",
          "    model=model, args=args, train_dataset=train, eval_dataset=valid, processing_class=tokenizer,",
          "    data_collator=DataCollatorWithPadding(tokenizer),",
          "    compute_metrics=compute_metrics if valid is not None else None,",
          f"    callbacks={common.early_stopping(s, config)},",
          ")",
          "trainer.train()")
    s.section("save", *common.save_lines("tokenizer"))
    return s.text()
