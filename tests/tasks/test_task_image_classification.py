"""image_classification and image_regression: class folders, path tables, the model's image processor."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.tasks.task_helpers import config, duration, last_eval, read_metrics, tiny_model, train_cli, write_config
from tunewidgets import tiny
from tunewidgets.cli import main

MAPPING = {"image_column": "image", "target_column": "label"}


@pytest.mark.slow
def test_learns_digits_from_class_folders_within_two_minutes(tmp_path):
    data = tiny.make_task_demo("image-classification", tmp_path / "data", n=None, splits=("train",))
    cfg = config("image_classification", tiny_model("vit"), data, MAPPING, epochs=4, batch_size=32, lr=2e-3)
    run = train_cli(cfg, tmp_path)
    final = last_eval(run)
    assert final["eval_accuracy"] >= 0.5, read_metrics(run)  # chance is 0.1
    # The time (14 s on an idle 2-core machine) is measured, not asserted: tests carry no timing limits.
    held_out = re.search(r"held out (\d+) of 1797", (run / "train.log").read_text())
    assert held_out and 350 <= int(held_out[1]) <= 370  # 20%, rounded per digit (stratified)
    print(f"digits: eval_accuracy {final['eval_accuracy']:.3f} in {duration(run):.0f} s")

    from PIL import Image
    from transformers import AutoConfig, pipeline

    assert AutoConfig.from_pretrained(run).id2label[3] == "3"
    classify = pipeline("image-classification", model=str(run))
    image = next((tmp_path / "data" / "train" / "7").iterdir())
    assert classify(Image.open(image))[0]["label"] in {str(d) for d in range(10)}


def test_a_table_of_relative_image_paths_trains_a_few_steps(tmp_path):
    tiny.make_task_demo("image-classification", tmp_path / "data", n=40, splits=("train",))
    rows = [{"file": str(p.relative_to(tmp_path / "data")), "digit": int(p.parent.name)}
            for p in sorted((tmp_path / "data" / "train").rglob("*.png"))]
    pd.DataFrame(rows).to_csv(tmp_path / "data" / "images.csv", index=False)
    cfg = config("image_classification", tiny_model("vit"), str(tmp_path / "data" / "images.csv"),
                 {"image_column": "file", "target_column": "digit"}, max_steps=2, batch_size=8)
    run = train_cli(cfg, tmp_path)
    assert "eval_accuracy" in last_eval(run)

    from PIL import Image
    from transformers import pipeline

    classify = pipeline("image-classification", model=str(run))
    assert classify(Image.open(tmp_path / "data" / rows[0]["file"]))[0]["label"] in {str(d) for d in range(10)}


def test_an_image_column_of_bytes_in_parquet(tmp_path):
    tiny.make_task_demo("image-classification", tmp_path / "pngs", n=24, splits=("train",))
    rows = [{"picture": {"bytes": p.read_bytes(), "path": None}, "digit": p.parent.name}
            for p in sorted((tmp_path / "pngs" / "train").rglob("*.png"))]
    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame(rows).to_parquet(data / "train.parquet")
    cfg = config("image_classification", tiny_model("vit"), str(data),
                 {"image_column": "picture", "target_column": "digit"}, max_steps=2, batch_size=8)
    run = train_cli(cfg, tmp_path)
    assert "eval_accuracy" in last_eval(run)


def test_image_regression_from_a_metadata_folder(tmp_path):
    data = tiny.make_task_demo("image-regression", tmp_path / "data", n=40)
    cfg = config("image_regression", tiny_model("vit"), data, {"image_column": "image", "target_column": "target"},
                 valid="valid", max_steps=2, batch_size=8)
    run = train_cli(cfg, tmp_path)
    assert {"eval_mse", "eval_r2"} <= set(last_eval(run))

    import torch
    from PIL import Image
    from transformers import AutoImageProcessor, AutoModelForImageClassification

    model = AutoModelForImageClassification.from_pretrained(run)
    pixels = AutoImageProcessor.from_pretrained(run)(Image.new("RGB", (8, 8)), return_tensors="pt")
    with torch.no_grad():
        assert model(**pixels).logits.shape == (1, 1)


def test_a_missing_image_file_is_a_clear_error(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame({"image": ["nope.png"] * 6, "label": ["a", "b"] * 3}).to_csv(data / "train.csv", index=False)
    cfg = config("image_classification", tiny_model("vit"), str(data), MAPPING, max_steps=1)
    assert main(["train", str(write_config(cfg, tmp_path)), "--workdir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "nope.png" in err and "does not exist" in err
