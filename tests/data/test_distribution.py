"""Label distributions: class counts, tags, objects, numeric summaries; exact or over the head."""

from __future__ import annotations

import pandas as pd
import pytest
from PIL import Image

from tunewidgets.data.distribution import label_distribution, summarize


def test_string_and_integer_labels_are_counted_most_frequent_first():
    dist = summarize("label", ["b", "a", "b", None, "c", "b"], exact=True)
    assert dist.kind == "classes" and dist.counts == [("b", 3), ("a", 1), ("c", 1)]
    assert dist.rows == 6 and dist.total == 5  # a missing label is not a class
    ints = summarize("label", [1.0, 0.0, 1.0], exact=True)
    assert ints.counts == [("1", 2), ("0", 1)]  # 1.0 read from a CSV is the class "1"


def test_auto_tells_a_regression_target_from_classes():
    assert summarize("t", [0.5, 1.25, 3.0], exact=True).kind == "values"
    assert summarize("t", list(range(100)), exact=True).kind == "values"  # many whole numbers
    assert summarize("t", [0, 1, 1, 0, 2], exact=True).kind == "classes"
    values = summarize("t", [1.0, 2.0, 3.0, 10.0], kind="values", exact=True)
    assert values.summary == {"min": 1.0, "median": 2.5, "mean": 4.0, "max": 10.0}


def test_tags_and_objects_are_flattened():
    tags = summarize("tags", [["O", "B-PER"], ["O", "O"]], kind="tags", exact=True)
    assert tags.counts == [("O", 3), ("B-PER", 1)] and tags.unit == "tags" and tags.rows == 2
    objects = summarize("objects", [{"bbox": [[0, 0, 1, 1]] * 2, "category": [1, 0]}, {"bbox": [], "category": []}],
                        kind="objects", exact=True)
    assert objects.counts == [("0", 1), ("1", 1)] and objects.unit == "objects"


def test_a_file_is_counted_whole_when_small_and_over_the_head_when_not(tmp_path):
    path = tmp_path / "train.csv"
    pd.DataFrame({"text": ["x"] * 300, "label": ["a"] * 200 + ["b"] * 100}).to_csv(path, index=False)
    whole = label_distribution(path, "train", "label")
    assert whole.exact and whole.counts == [("a", 200), ("b", 100)]
    head = label_distribution(path, "train", "label", limit=250)
    assert not head.exact and head.rows == 250 and head.counts == [("a", 200), ("b", 50)]


def test_in_memory_data_and_image_class_folders_are_counted_exactly(tmp_path):
    frame = pd.DataFrame({"label": ["x", "y", "y"]})
    assert label_distribution(frame, "train", "label").counts == [("y", 2), ("x", 1)]
    for name, count in (("cat", 3), ("dog", 1)):
        (tmp_path / "train" / name).mkdir(parents=True)
        for i in range(count):
            Image.new("RGB", (4, 4)).save(tmp_path / "train" / name / f"{i}.png")
    dist = label_distribution(tmp_path, "train", "label", kind="classes")
    assert dist.exact and dist.counts == [("cat", 3), ("dog", 1)]


def test_a_missing_column_gives_an_empty_distribution(tmp_path):
    path = tmp_path / "train.csv"
    pd.DataFrame({"text": ["x"]}).to_csv(path, index=False)
    dist = label_distribution(path, "train", "label")
    assert dist.total == 0


@pytest.mark.parametrize("kind", ["classes", "values"])
def test_empty_values(kind):
    assert summarize("c", [], kind=kind, exact=True).rows == 0
