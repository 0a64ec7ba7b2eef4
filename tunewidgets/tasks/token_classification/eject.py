"""Eject token_classification to a standalone transformers Trainer script (see train.py)."""

from __future__ import annotations

from pathlib import Path

from ...config.run_config import RunConfig
from ..shared import eject_trainer as common
from ..shared.eject_data import read_splits
from ..shared.eject_source import Script, header
from ..shared.labels import classlabel_names, labels_from_values
from ..shared.metrics import entity_metrics
from ..shared.supervised import ensure_pad_token


def script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None,
           device=None) -> str:
    """A script that trains like a run of ``config``: a tag per token, transformers' Trainer."""
    p, device, notes = config.params, common.device_or_cpu(device), []
    out = common.output_dir(config, workdir)
    args = common.trainer_kwargs(config, device, out, auto_valid=True, notes=notes)
    s = Script(header(config, "transformers' Trainer (token classification)", device, notes))
    s.imports("import numpy as np", "from transformers import AutoModelForTokenClassification, AutoTokenizer",
              "from transformers import DataCollatorForTokenClassification, Trainer, TrainingArguments")
    s.setting("MODEL", config.base_model).setting("OUTPUT_DIR", out).setting("MAX_SEQ_LENGTH", p.max_seq_length)
    s.section("data")
    read_splits(s, config)
    s.embed(labels_from_values, classlabel_names)
    s.add("labels = labels_from_values((t for row in train['tags'] for t in row), what=\"the train split's tags\",",
          "                            names=classlabel_names(train, 'tags'))")
    s.embed(ensure_pad_token, entity_metrics)
    s.section("model", *common.seed_lines(s),
              "tokenizer = AutoTokenizer.from_pretrained(MODEL)",
              "if getattr(tokenizer, 'add_prefix_space', None) is False:  # byte-level BPE needs it for words",
              "    tokenizer = AutoTokenizer.from_pretrained(MODEL, add_prefix_space=True)",
              "model = AutoModelForTokenClassification.from_pretrained(",
              "    MODEL, ignore_mismatched_sizes=True, num_labels=len(labels), id2label=labels.id2label,",
              "    label2id=labels.label2id)",
              "ensure_pad_token(tokenizer, model)",
              "length = min(MAX_SEQ_LENGTH, getattr(model.config, 'max_position_embeddings', None) or MAX_SEQ_LENGTH)",
              "",
              "",
              "def tokenize(batch):",
              '    """Only the first sub-word of a word carries its tag; the others are ignored by the loss (-100)."""',
              "    enc = tokenizer(batch['tokens'], is_split_into_words=True, truncation=True, max_length=length)",
              "    all_labels = []",
              "    for i, tags in enumerate(batch['tags']):",
              "        previous, row = None, []",
              "        for word in enc.word_ids(i):",
              "            row.append(-100 if word is None or word == previous else labels.encode(tags[word]))",
              "            previous = word",
              "        all_labels.append(row)",
              "    enc['labels'] = all_labels",
              "    return enc",
              "",
              "",
              "train = train.map(tokenize, batched=True, remove_columns=train.column_names)",
              "if valid is not None:",
              "    valid = valid.map(tokenize, batched=True, remove_columns=valid.column_names)")
    s.section("training",
              "def compute_metrics(eval_pred):",
              "    logits = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) "
              "else eval_pred.predictions",
              "    preds = np.asarray(logits).argmax(-1)",
              "    truth, guess = [], []",
              "    for pred_row, label_row in zip(preds, eval_pred.label_ids):",
              "        keep = label_row != -100",
              "        truth.append([labels.names[i] for i in label_row[keep]])",
              "        guess.append([labels.names[i] for i in pred_row[keep]])",
              "    return entity_metrics(truth, guess)",
              "",
              "")
    s.add(*common.arguments_lines(s, config, "TrainingArguments", args))
    s.add("trainer = Trainer(",
          "    model=model, args=args, train_dataset=train, eval_dataset=valid, processing_class=tokenizer,",
          "    data_collator=DataCollatorForTokenClassification(tokenizer), compute_metrics=compute_metrics,",
          f"    callbacks={common.early_stopping(s, config)},",
          ")",
          "trainer.train()")
    s.section("save", *common.save_lines("tokenizer"))
    return s.text()
