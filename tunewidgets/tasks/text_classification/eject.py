"""Eject text_classification / text_regression to a standalone transformers Trainer script (see train.py)."""

from __future__ import annotations

from pathlib import Path

from ...config.run_config import RunConfig
from ..shared import eject_trainer as common
from ..shared.eject_data import read_splits
from ..shared.eject_source import Script, header
from ..shared.labels import classlabel_names, labels_from_values, numeric_targets
from ..shared.metrics import classification_metrics, regression_metrics
from ..shared.supervised import ensure_pad_token


def script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None, device=None,
           regression: bool = False) -> str:
    """A script that trains like a run of ``config``: transformers' Trainer on a sequence-classification head."""
    p, device, notes = config.params, common.device_or_cpu(device), []
    out = common.output_dir(config, workdir)
    args = common.trainer_kwargs(config, device, out, auto_valid=True, notes=notes)
    s = Script(header(config, "transformers' Trainer (sequence " + ("regression)" if regression else
                                                                    "classification)"), device, notes))
    s.imports("import numpy as np", "from transformers import AutoModelForSequenceClassification, AutoTokenizer",
              "from transformers import DataCollatorWithPadding, Trainer, TrainingArguments")
    s.setting("MODEL", config.base_model).setting("OUTPUT_DIR", out)
    s.section("data")
    read_splits(s, config, stratify=None if regression else "target")
    s.add(*target_lines(s, regression))
    s.section("model", *common.seed_lines(s), "tokenizer = AutoTokenizer.from_pretrained(MODEL)")
    s.add(*head_lines(regression, "AutoModelForSequenceClassification"))
    s.embed(ensure_pad_token)
    s.setting("MAX_SEQ_LENGTH", p.max_seq_length)
    s.add("ensure_pad_token(tokenizer, model)",
          "length = min(MAX_SEQ_LENGTH, getattr(model.config, 'max_position_embeddings', None) or MAX_SEQ_LENGTH)",
          "",
          "",
          "def tokenize(batch):",
          "    return tokenizer(batch['text'], truncation=True, max_length=length)",
          "",
          "",
          "columns = [c for c in train.column_names if c != 'labels']",
          "train = train.map(tokenize, batched=True, remove_columns=columns)",
          "if valid is not None:",
          "    valid = valid.map(tokenize, batched=True, remove_columns=columns)")
    s.section("training", *metrics_lines(s, regression), "", "")
    s.add(*common.arguments_lines(s, config, "TrainingArguments", args))
    s.add("trainer = Trainer(",
          "    model=model, args=args, train_dataset=train, eval_dataset=valid, processing_class=tokenizer,",
          "    data_collator=DataCollatorWithPadding(tokenizer), compute_metrics=compute_metrics,",
          f"    callbacks={common.early_stopping(s, config)},",
          ")",
          "trainer.train()")
    s.section("save", *common.save_lines("tokenizer"))
    return s.text()


def target_lines(s: Script, regression: bool, column: str = "target") -> list[str]:
    """A ``labels`` column: the run's label ids (classes in its order) or floats (regression)."""
    if regression:
        s.embed(numeric_targets)
        return ["train = train.add_column('labels', numeric_targets(train[%r], 'train'))" % column,
                "if valid is not None:",
                "    valid = valid.add_column('labels', numeric_targets(valid[%r], 'valid'))" % column]
    s.embed(labels_from_values, classlabel_names)
    return [f"labels = labels_from_values(train[{column!r}], names=classlabel_names(train, {column!r}))",
            f"train = train.add_column('labels', [labels.encode(v) for v in train[{column!r}]])",
            "if valid is not None:",
            f"    valid = valid.add_column('labels', [labels.encode(v) for v in valid[{column!r}]])"]


def head_lines(regression: bool, auto_class: str) -> list[str]:
    """The model with a new head: one output (regression) or the run's classes, names in its config."""
    head = ("num_labels=1, problem_type='regression'" if regression else
            "num_labels=len(labels), id2label=labels.id2label, label2id=labels.label2id,\n"
            "    problem_type='single_label_classification'")
    return [f"model = {auto_class}.from_pretrained(", f"    MODEL, ignore_mismatched_sizes=True, {head})"]


def metrics_lines(s: Script, regression: bool) -> list[str]:
    """compute_metrics as the run computes it (the metric functions are the run's, embedded)."""
    if regression:
        s.embed(regression_metrics)
        return ["def compute_metrics(eval_pred):",
                "    preds = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) "
                "else eval_pred.predictions",
                "    return regression_metrics(eval_pred.label_ids, np.asarray(preds).reshape(-1))"]
    s.embed(classification_metrics)
    return ["def compute_metrics(eval_pred):",
            "    logits = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) "
            "else eval_pred.predictions",
            "    return classification_metrics(eval_pred.label_ids, np.asarray(logits).argmax(-1), len(labels))"]
