"""Units under the non-LLM tasks: metrics, label encoding, the automatic validation split, image folders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from datasets import ClassLabel, Dataset, Features, Value

from tunewidgets.data.loading import list_splits, load_split
from tunewidgets.errors import DataError
from tunewidgets.tasks.shared.labels import check_known, classlabel_names, labels_from_values, numeric_targets
from tunewidgets.tasks.shared.metrics import (
    classification_metrics,
    entity_metrics,
    entity_spans,
    mean_average_precision,
    regression_metrics,
    rouge,
)
from tunewidgets.tasks.shared.splits import auto_split, split_indices

# --------------------------------------------------------------------------- metrics


def test_classification_metrics_binary_and_macro():
    binary = classification_metrics([0, 1, 1, 0], [0, 1, 0, 0], 2)
    assert binary == pytest.approx({"accuracy": 0.75, "precision": 1.0, "recall": 0.5, "f1": 2 / 3})
    multi = classification_metrics([0, 1, 2, 2], [0, 1, 2, 1], 3)
    assert multi["accuracy"] == 0.75 and multi["f1_micro"] == 0.75
    assert multi["f1"] == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)


def test_regression_metrics():
    out = regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    assert out == pytest.approx({"mse": 1 / 3, "mae": 1 / 3, "rmse": (1 / 3) ** 0.5, "r2": 0.5})
    assert regression_metrics([[1, 2], [3, 4]], [[1, 2], [3, 4]])["r2"] == 1.0


@pytest.mark.parametrize("tags, spans", [
    (["B-PER", "I-PER", "O", "B-LOC"], {("PER", 0, 1), ("LOC", 3, 3)}),
    (["I-PER", "I-PER", "B-PER"], {("PER", 0, 1), ("PER", 2, 2)}),  # IOB1
    (["S-LOC", "B-ORG", "E-ORG", "O"], {("LOC", 0, 0), ("ORG", 1, 2)}),  # IOBES
    (["PER", "PER", "O", "LOC"], {("PER", 0, 1), ("LOC", 3, 3)}),  # plain tags
    (["B-PER", "I-LOC"], {("PER", 0, 0), ("LOC", 1, 1)}),
])
def test_entity_spans_read_the_usual_schemes(tags, spans):
    assert entity_spans(tags) == spans


def test_entity_metrics_count_whole_entities():
    out = entity_metrics([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "O", "O", "B-LOC"]])
    assert out == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "accuracy": 0.75})


def test_rouge():
    assert rouge(["the cat sat"], ["the cat sat"]) == pytest.approx({"rouge1": 1, "rouge2": 1, "rougeL": 1})
    out = rouge(["the cat sat on the mat"], ["the cat lay on the mat"])
    assert out["rouge1"] == pytest.approx(5 / 6) and out["rougeL"] == pytest.approx(5 / 6)
    assert rouge([""], ["x"])["rouge1"] == 0.0


def test_mean_average_precision():
    targets = [{"boxes": [[0, 0, 10, 10], [20, 20, 30, 30]], "labels": [0, 1]}]
    perfect = [{"boxes": [[0, 0, 10, 10], [20, 20, 30, 30]], "scores": [0.9, 0.8], "labels": [0, 1]}]
    assert mean_average_precision(perfect, targets) == pytest.approx({"map": 1.0, "map_50": 1.0, "map_75": 1.0})
    wrong_class = [{"boxes": [[0, 0, 10, 10]], "scores": [0.9], "labels": [1]}]
    assert mean_average_precision(wrong_class, targets)["map"] == 0.0
    # a false positive ranked above the true one halves the precision at that recall
    ranked = [{"boxes": [[50, 50, 60, 60], [0, 0, 10, 10]], "scores": [0.9, 0.5], "labels": [0, 0]}]
    assert mean_average_precision(ranked, targets[:1] and [{"boxes": [[0, 0, 10, 10]], "labels": [0]}])[
        "map_50"] == pytest.approx(0.5, abs=0.01)


# --------------------------------------------------------------------------- labels


def test_labels_from_strings_ints_and_floats():
    assert labels_from_values(["pos", "neg", "pos"]).names == ["neg", "pos"]
    assert labels_from_values([2, 10, 1]).names == ["1", "2", "10"]  # numeric order
    labels = labels_from_values([1.0, 0.0, np.int64(1)])
    assert labels.names == ["0", "1"] and labels.encode(1) == labels.encode(1.0) == 1
    assert labels_from_values(["B-PER", "O", "I-PER"]).names == ["O", "B-PER", "I-PER"]
    assert labels.id2label == {0: "0", 1: "1"} and labels.label2id == {"0": 0, "1": 1}


def test_missing_and_unknown_labels_are_named():
    with pytest.raises(DataError, match="row 2 has no label"):
        labels_from_values(["a", None])
    labels = labels_from_values(["a", "b"])
    with pytest.raises(DataError, match="the valid split has labels 'c', 'd' that the train split lacks"):
        check_known(labels, ["a", "c", "d", "c"], "valid")
    with pytest.raises(DataError, match="row 2 holds 'x'"):
        numeric_targets([1, "x"], "train")


def test_classlabel_names_are_used():
    data = Dataset.from_dict({"target": [0, 1]}, features=Features({"target": ClassLabel(names=["neg", "pos"])}))
    assert classlabel_names(data, "target") == ["neg", "pos"]
    assert labels_from_values(data["target"], names=classlabel_names(data, "target")).names == ["neg", "pos"]
    assert classlabel_names(Dataset.from_dict({"target": [0]}, features=Features({"target": Value("int64")})),
                            "target") is None


# --------------------------------------------------------------------------- splits


def test_auto_split_is_seeded_and_stratified():
    labels = ["a"] * 50 + ["b"] * 10 + ["c"]
    train, valid = split_indices(labels, seed=42)
    assert sorted(train + valid) == list(range(61))
    assert [labels[i] for i in valid].count("a") == 10 and [labels[i] for i in valid].count("b") == 2
    assert "c" not in [labels[i] for i in valid]  # a class of one stays in train
    assert split_indices(labels, seed=42) == (train, valid)
    assert split_indices(labels, seed=1) != (train, valid)
    data = Dataset.from_dict({"target": labels, "x": list(range(61))})
    tr, va = auto_split(data, seed=42, stratify="target")
    assert (len(tr), len(va)) == (49, 12)
    frame_tr, frame_va = auto_split(pd.DataFrame({"x": range(10)}), seed=0)
    assert (len(frame_tr), len(frame_va)) == (8, 2)


# --------------------------------------------------------------------------- image folders


def _png(path):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (4, 4)).save(path)


def test_image_folder_layouts(tmp_path):
    for name in ("cat/1.png", "cat/2.png", "dog/3.jpg"):
        _png(tmp_path / "train" / name)
    rows = load_split(tmp_path, "train").to_list()
    assert [(r["label"], r["image"].rsplit("/", 1)[1]) for r in rows] == [("cat", "1.png"), ("cat", "2.png"),
                                                                           ("dog", "3.jpg")]
    _png(tmp_path / "valid" / "a.png")
    _png(tmp_path / "valid" / "b.png")
    pd.DataFrame({"file_name": ["a.png", "b.png"], "target": [1.5, 2.5]}).to_csv(tmp_path / "valid" / "metadata.csv",
                                                                                 index=False)
    valid = load_split(tmp_path, "valid").to_list()
    assert [r["target"] for r in valid] == [1.5, 2.5] and valid[0]["image"] == str((tmp_path / "valid" / "a.png"))
    assert list_splits(tmp_path) == ["train", "valid"]


def test_image_folder_metadata_naming_a_missing_file(tmp_path):
    _png(tmp_path / "train" / "a.png")
    pd.DataFrame({"file_name": ["a.png", "gone.png"]}).to_json(tmp_path / "train" / "metadata.jsonl",
                                                                orient="records", lines=True)
    with pytest.raises(DataError, match="image 'gone.png' listed in .* \\(row 2\\) does not exist"):
        load_split(tmp_path, "train")


def test_a_data_file_wins_over_an_image_folder_of_the_same_split(tmp_path):
    _png(tmp_path / "train" / "cat" / "1.png")
    pd.DataFrame({"text": ["x"]}).to_csv(tmp_path / "train.csv", index=False)
    assert load_split(tmp_path, "train").to_list() == [{"text": "x"}]
