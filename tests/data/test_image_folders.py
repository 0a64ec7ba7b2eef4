"""Image folder splits: one reading of the layout for loading and for the preview."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from tunewidgets.data.image_folders import find_image_folder
from tunewidgets.data.loading import load_split
from tunewidgets.data.preview import preview
from tunewidgets.errors import DataError


def _png(path, colour=(200, 10, 10)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), colour).save(path)


@pytest.fixture()
def classes(tmp_path):
    for name, count in (("cat", 5), ("dog", 3), ("owl", 1)):
        for i in range(count):
            _png(tmp_path / "train" / name / f"{name}{i}.png")
    return tmp_path


def test_class_folders_preview_takes_classes_in_turn_and_counts_exactly(classes):
    result = preview(classes, split="train", n=4)
    assert result.num_rows == 9 and not result.num_rows_estimated
    assert list(result.frame["label"]) == ["cat", "dog", "owl", "cat"]  # several classes, not four cats
    assert all(p.endswith(".png") for p in result.frame["image"])
    assert "3 classes" in result.source
    # the preview shows what training reads
    loaded = load_split(classes, "train")
    assert loaded.num_rows == 9 and set(loaded["label"]) == {"cat", "dog", "owl"}
    assert set(result.frame["image"]) <= set(loaded["image"])


def test_metadata_layout_preview_has_the_metadata_columns_and_image_paths(tmp_path):
    rows = []
    for i in range(6):
        _png(tmp_path / "train" / f"{i}.png")
        rows.append({"file_name": f"{i}.png", "objects": {"bbox": [[1, 1, 3, 3]], "category": [i % 2]}})
    (tmp_path / "train" / "metadata.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = preview(tmp_path, split="train", n=3)
    assert list(result.frame.columns) == ["objects", "image"]
    assert result.num_rows == 6
    assert result.frame["image"][0].endswith("/train/0.png")
    assert "metadata.jsonl" in result.source


def test_metadata_without_file_name_is_a_clear_error(tmp_path):
    _png(tmp_path / "train" / "a.png")
    (tmp_path / "train" / "metadata.csv").write_text("name,target\na.png,1\n")
    with pytest.raises(DataError, match="file_name"):
        preview(tmp_path, split="train")


def test_a_data_file_of_the_same_split_wins_over_the_image_folder(tmp_path):
    _png(tmp_path / "train" / "x" / "a.png")
    (tmp_path / "train.csv").write_text("text,label\nhi,1\n")
    assert find_image_folder(tmp_path, "train") is None
    assert list(preview(tmp_path, split="train").frame.columns) == ["text", "label"]


def test_bare_images_and_not_an_image_folder(tmp_path):
    _png(tmp_path / "train" / "a.png")
    _png(tmp_path / "train" / "b.png")
    layout = find_image_folder(tmp_path, "train")
    assert layout.num_images == 2 and not layout.classes
    assert preview(tmp_path, split="train").num_rows == 2
    (tmp_path / "valid").mkdir()
    (tmp_path / "valid" / "notes.txt").write_text("nothing here")
    assert find_image_folder(tmp_path, "valid") is None
