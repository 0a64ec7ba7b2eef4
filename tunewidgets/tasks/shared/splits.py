"""Train and validation splits with the column mapping applied, and AutoTrain's automatic validation split.

When no validation split is given, 20% of the training rows are held out, seeded, and
stratified by the label for classification (each class keeps its share), as AutoTrain does,
so every run reports validation metrics.
"""

from __future__ import annotations

import random
from typing import Any

from ...config.run_config import RunConfig
from ...errors import DataError
from ..base import TaskContext

VALID_FRACTION = 0.2
MIN_ROWS_TO_SPLIT = 5  # fewer rows than this: train on all of them and skip evaluation


def load_split_data(config: RunConfig, in_memory: Any, split: str | None, token: str | None = None):
    """One split as a datasets.Dataset: the in-memory object if given, else from data.path."""
    from ...data.loading import load_split

    if in_memory is not None:
        return load_split(in_memory, split or "train")
    if split is None:
        return None
    if not config.data.path:
        raise DataError("data.path is empty: give a file, a folder or a Hub dataset id")
    return load_split(config.data.path, split, token=token, streaming=config.data.streaming)


def map_columns(dataset, config: RunConfig):
    """Apply (or guess) the column mapping and rename to the canonical column names."""
    from ...data.columns import apply_column_mapping, guess_column_mapping
    from ...data.loading import is_stream

    mapping = dict(config.data.column_mapping)
    if not mapping:
        sample = list(dataset.take(5)) if is_stream(dataset) else [dataset[i] for i in range(min(5, len(dataset)))]
        columns = dataset.column_names or (list(sample[0]) if sample else [])
        mapping = guess_column_mapping(config.task, list(columns), sample)
    return apply_column_mapping(dataset, mapping, config.task)


def column_named(config: RunConfig, role: str, canonical: str) -> str:
    """How error messages name a mapped column: the user's own name for it."""
    name = (config.data.column_mapping or {}).get(role) or canonical
    return f"'{name if isinstance(name, str) else canonical}' column"


def _no_valid_for_generations(config) -> None:
    """eval_generate answers validation prompts: without a validation split, say so before the model loads."""
    count = getattr(config.params, "eval_generate", 0)
    if count:
        raise DataError(f"params.eval_generate {count} answers validation prompts: this run has no validation "
                        "data (set data.valid_split, or give valid_data)")


def load_train_valid(ctx: TaskContext, *, auto_valid: bool = True, stratify: str | None = None,
                     seed: int | None = None):
    """(train, valid, auto): the mapped splits; an empty split is an error.

    Without a valid split and with ``auto_valid``, 20% of train is held out (``auto`` is then True);
    ``stratify`` names the (canonical) column whose values keep their shares in both parts.
    """
    config = ctx.config
    token = config.hub_token
    train = map_columns(load_split_data(config, ctx.train_data, config.data.train_split, token), config)
    if _empty(train):
        raise DataError("the train split has no rows")
    valid_split = config.data.valid_split if ctx.valid_data is None else "valid"
    valid_raw = load_split_data(config, ctx.valid_data, valid_split, token)
    if valid_raw is not None:
        valid = map_columns(valid_raw, config)
        if _empty(valid):
            raise DataError("the valid split has no rows")
        return train, valid, False
    if not auto_valid:
        _no_valid_for_generations(config)
        return train, None, False
    if getattr(config.params, "eval_strategy", None) == "no":
        ctx.log("no valid split and evaluation off (eval_strategy: no): training on every row")
        return train, None, False
    if len(train) < MIN_ROWS_TO_SPLIT:
        _no_valid_for_generations(config)
        ctx.log(f"no valid split and only {len(train)} training rows: training on all of them without evaluation")
        return train, None, False
    seed = config.params.seed if seed is None else seed
    train, valid = auto_split(train, seed=seed, stratify=stratify)
    ctx.log(f"no valid split given: held out {len(valid)} of {len(train) + len(valid)} training rows for validation "
            f"(20%, seed {seed}{', stratified by ' + stratify if stratify else ''})")
    return train, valid, True


def _empty(dataset) -> bool:
    from ...data.loading import is_stream

    if is_stream(dataset):
        return next(iter(dataset.take(1)), None) is None
    return len(dataset) == 0


def auto_split(dataset, *, seed: int = 42, stratify: str | None = None, fraction: float = VALID_FRACTION):
    """Split a Dataset (or DataFrame) into (train, valid) reproducibly; valid gets about ``fraction`` of rows.

    With ``stratify`` every class with at least two rows gives ``round(count * fraction)`` rows (at
    least one) to valid; a class with one row stays in train.
    """
    train_idx, valid_idx = split_indices(_column(dataset, stratify) if stratify else len(dataset), seed=seed,
                                         fraction=fraction)
    if hasattr(dataset, "column_names"):  # a datasets.Dataset (pandas 3 frames have a select() too)
        import numpy as np

        # numpy indices: datasets fingerprints an array in one hash, a list of a million ints one by one
        return (dataset.select(np.asarray(train_idx, dtype=np.int64)),
                dataset.select(np.asarray(valid_idx, dtype=np.int64)))
    return dataset.iloc[train_idx].reset_index(drop=True), dataset.iloc[valid_idx].reset_index(drop=True)


def split_indices(labels_or_n: list | int, *, seed: int, fraction: float = VALID_FRACTION):
    """(train indices, valid indices), both sorted; stratified when given the labels."""
    rng = random.Random(seed)
    if isinstance(labels_or_n, int):
        order = list(range(labels_or_n))
        rng.shuffle(order)
        k = min(max(1, round(labels_or_n * fraction)), labels_or_n - 1)
        return sorted(order[k:]), sorted(order[:k])
    groups: dict[str, list[int]] = {}
    for index, value in enumerate(labels_or_n):
        groups.setdefault(_key(value), []).append(index)
    valid: list[int] = []
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        if len(members) >= 2:
            valid += members[: min(max(1, round(len(members) * fraction)), len(members) - 1)]
    if not valid:  # every class has one row: fall back to a plain split
        return split_indices(len(labels_or_n), seed=seed, fraction=fraction)
    chosen = set(valid)
    return [i for i in range(len(labels_or_n)) if i not in chosen], sorted(valid)


def _column(dataset, name: str) -> list:
    if hasattr(dataset, "column_names"):  # through Arrow: datasets' Column reads a million rows one by one
        return dataset.with_format("arrow")[name].to_pylist()
    if name in dataset.columns:
        return dataset[name].tolist()
    raise DataError(f"column '{name}' not found")


def _key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return repr(value) if not isinstance(value, str) else value
