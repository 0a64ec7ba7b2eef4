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
    """(train, valid, labels): a ``labels`` column of ids (classification) or floats (regression).

    Whole columns are read through Arrow and the ids written by a batched map, which datasets caches: a rerun on
    the same data reuses it instead of walking a million rows in Python again.
    """
    if regression:
        train = _with_numbers(train, column, "train", shown or column)
        if valid is not None:
            valid = _with_numbers(valid, column, "valid", shown or column)
        return train, valid, None
    labels = labels_from_values(_distinct(train, column), names=classlabel_names(train, column))
    if len(labels) < 2:
        raise DataError(f"classification needs at least two classes; the train split has only {labels.names[0]!r}")
    if valid is not None:
        check_known(labels, _distinct(valid, column), "valid")
    train = _with_labels(train, column, labels)
    if valid is not None:
        valid = _with_labels(valid, column, labels)
    return train, valid, labels


def _arrow(dataset, column: str):
    """The column as Arrow in the dataset's row order, or None for data that is not a datasets.Dataset."""
    if not hasattr(dataset, "with_format") or not hasattr(dataset, "cache_files"):
        return None
    return dataset.with_format("arrow")[column]


def _distinct(dataset, column: str) -> list:
    """Each value of ``column`` once, in first-seen order; a row without a label is named as it is found in full
    (only then is the column walked in Python)."""
    import pyarrow.compute as pc

    values = _arrow(dataset, column)
    if values is None:
        return list(dataset[column])
    if values.null_count:
        return values.to_pylist()  # labels_from_values names the empty row
    return pc.unique(values).to_pylist()


def _with_labels(dataset, column: str, labels):
    """``dataset`` with a ``labels`` column: ``labels``' id of each value of ``column``."""
    if not hasattr(dataset, "map") or not hasattr(dataset, "cache_files"):
        return dataset.add_column("labels", [labels.encode(v) for v in dataset[column]])
    return dataset.map(_encode_batch, batched=True, batch_size=10_000, fn_kwargs={"labels": labels, "column": column},
                       desc="encoding labels")


def _with_numbers(dataset, column: str, split: str, shown: str):
    """``dataset`` with a float ``labels`` column; a value that is not a number is named by its row."""
    if not hasattr(dataset, "map") or not hasattr(dataset, "cache_files"):
        return dataset.add_column("labels", numeric_targets(dataset[column], split, shown))
    return dataset.map(_numbers_batch, batched=True, batch_size=10_000, with_indices=True,
                       fn_kwargs={"column": column, "split": split, "shown": shown}, desc="reading targets")


def _numbers_batch(batch, indices, column, split, shown):
    return {"labels": numeric_targets(batch[column], split, shown, first_row=indices[0] + 1 if indices else 1)}


def _encode_batch(batch, labels, column):
    return {"labels": [labels.encode(value) for value in batch[column]]}


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
