"""Targets of the classification and regression heads: label ids or numbers, and the metrics per evaluation.

Shared by the text and image heads: labels may be strings, integers or booleans (no ClassLabel needed),
a classifier writes its confusion matrix for the app at each evaluation.
"""

from __future__ import annotations

import numpy as np

from ...errors import DataError
from ..base import TaskContext
from .labels import check_known, classlabel_names, labels_from_values, numeric_targets
from .metrics import classification_metrics, regression_metrics
from .supervised import write_confusion


def prepare_targets(train, valid, regression: bool, column: str = "target", shown: str | None = None):
    """(train, valid, labels): a ``labels`` column of ids (classification) or floats (regression)."""
    if regression:
        train = train.add_column("labels", numeric_targets(train[column], "train", shown or column))
        if valid is not None:
            valid = valid.add_column("labels", numeric_targets(valid[column], "valid", shown or column))
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
