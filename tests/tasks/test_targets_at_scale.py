"""Targets of the classification and regression heads read through Arrow: the same ids as before, rows named in
errors across batches, a cached map for the rerun, and no held-out split when evaluation is off."""

from __future__ import annotations

import datasets
import numpy as np
import pytest

from tunewidgets.config import load_config
from tunewidgets.device import guess_device
from tunewidgets.errors import DataError
from tunewidgets.tasks.base import TaskContext
from tunewidgets.tasks.shared.splits import auto_split, load_train_valid
from tunewidgets.tasks.shared.targets import prepare_targets


def _rows(n):
    return datasets.Dataset.from_dict({"text": [f"row {i}" for i in range(n)],
                                       "target": ["neg", "pos", "mid"] * (n // 3) + ["neg"] * (n % 3)})


def test_labels_from_a_selection_match_the_values():
    data = _rows(30_000)
    train, valid = auto_split(data, seed=1, stratify="target")  # both carry an indices mapping
    train, valid, labels = prepare_targets(train, valid, regression=False)
    assert labels.names == ["mid", "neg", "pos"]
    for split in (train, valid):
        ids = np.asarray(split["labels"])
        names = np.asarray(labels.names)[ids]
        assert names.tolist() == list(split["target"])


def test_integer_and_float_labels_are_one_class():
    data = datasets.Dataset.from_dict({"target": [1, 0, 1, 0]})
    floats = datasets.Dataset.from_dict({"target": [1.0, 0.0]})
    train, valid, labels = prepare_targets(data, floats, regression=False)
    assert labels.names == ["0", "1"] and valid["labels"] == [1, 0]


def test_a_missing_label_is_named_by_its_row():
    data = datasets.Dataset.from_dict({"target": ["a", "b"] * 10 + [None]})
    with pytest.raises(DataError, match="row 21 has no label"):
        prepare_targets(data, None, regression=False)


def test_a_valid_label_unknown_to_train_is_named():
    train = datasets.Dataset.from_dict({"target": ["a", "b"]})
    valid = datasets.Dataset.from_dict({"target": ["a", "c"]})
    with pytest.raises(DataError, match="'c'"):
        prepare_targets(train, valid, regression=False)


def test_regression_names_a_bad_row_beyond_the_first_batch():
    values = [0.5] * 25_000
    values[23_456] = "n/a"
    data = datasets.Dataset.from_dict({"target": [str(v) for v in values]})
    with pytest.raises(DataError, match="row 23457 holds 'n/a'"):
        prepare_targets(data, None, regression=True, shown="'score' column")
    good = datasets.Dataset.from_dict({"target": [1, 2.5]})
    train, _, _ = prepare_targets(good, None, regression=True)
    assert train["labels"] == [1.0, 2.5]


def test_label_ids_come_from_datasets_cache_on_a_rerun(tmp_path):
    path = tmp_path / "train.jsonl"
    _rows(3000).to_json(path)
    first = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "cache"))
    again = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "cache"))
    one, _, _ = prepare_targets(first, None, regression=False)
    two, _, _ = prepare_targets(again, None, regression=False)
    assert one.cache_files and one.cache_files[0]["filename"] == two.cache_files[0]["filename"]
    assert one._fingerprint == two._fingerprint


@pytest.mark.parametrize(("strategy", "held_out"), [("no", False), ("epoch", True)])
def test_no_split_is_held_out_when_evaluation_is_off(tmp_path, strategy, held_out):
    path = tmp_path / "train.jsonl"
    _rows(300).to_json(path)
    config = load_config({"task": "text_classification", "base_model": "m", "project_name": "p",
                          "data": {"path": str(tmp_path), "train_split": "train",
                                   "column_mapping": {"text_column": "text", "target_column": "target"}},
                          "params": {"eval_strategy": strategy}})
    said = []
    ctx = TaskContext(config=config, run_dir=tmp_path / "run", device=guess_device(None), log=said.append)
    train, valid, auto = load_train_valid(ctx, stratify="target")
    assert (valid is not None) == held_out == auto
    assert len(train) == (240 if held_out else 300)
    if not held_out:
        assert "evaluation off" in said[0]
