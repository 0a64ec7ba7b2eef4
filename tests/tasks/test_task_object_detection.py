"""object_detection: COCO boxes in a metadata folder, a tiny YOLOS, mAP on the valid split."""

from __future__ import annotations

import json

import numpy as np
import pytest
from transformers import EvalPrediction

from tests.tasks.task_helpers import config, last_eval, tiny_model, train_cli, write_config
from tunewidgets import tiny
from tunewidgets.cli import main
from tunewidgets.tasks.object_detection.train import compute_map

MAPPING = {"image_column": "image", "objects_column": "objects"}


def test_trains_reports_map_and_the_reloaded_model_detects(tmp_path):
    data = tiny.make_task_demo("object-detection", tmp_path / "data", n=40)
    cfg = config("object_detection", tiny_model("yolos"), data, MAPPING, valid="valid", epochs=2, batch_size=8,
                 lr=1e-3, image_square_size=64)
    run = train_cli(cfg, tmp_path)
    final = last_eval(run)
    assert {"eval_map", "eval_map_50", "eval_map_75"} <= set(final)
    assert 0.0 <= final["eval_map"] <= 1.0

    import torch
    from PIL import Image
    from transformers import AutoImageProcessor, AutoModelForObjectDetection

    model = AutoModelForObjectDetection.from_pretrained(run)
    assert model.config.id2label == {0: "0", 1: "1"}
    processor = AutoImageProcessor.from_pretrained(run)
    image = Image.open(next((tmp_path / "data" / "valid").glob("*.png"))).convert("RGB")
    with torch.no_grad():
        outputs = model(**processor(images=image, return_tensors="pt"))
    found = processor.post_process_object_detection(outputs, threshold=0.0, target_sizes=[image.size[::-1]])[0]
    assert found["boxes"].shape[1] == 4 and len(found["scores"]) == len(found["labels"]) > 0


def test_string_categories_and_a_list_of_objects(tmp_path):
    data = tiny.make_task_demo("object-detection", tmp_path / "data", n=12, splits=("train",))
    meta = tmp_path / "data" / "train" / "metadata.jsonl"
    rows = [json.loads(line) for line in meta.read_text().splitlines()]
    for row in rows:
        objects = row["objects"]
        row["objects"] = [{"bbox": b, "category": tiny.DETECTION_CATEGORIES[c]}
                          for b, c in zip(objects["bbox"], objects["category"])]
    meta.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = config("object_detection", tiny_model("yolos"), data, MAPPING, max_steps=1, batch_size=4,
                 image_square_size=64)
    run = train_cli(cfg, tmp_path)
    from transformers import AutoConfig

    assert set(AutoConfig.from_pretrained(run).id2label.values()) <= set(tiny.DETECTION_CATEGORIES)


def test_a_bad_box_is_a_clear_error(tmp_path, capsys):
    data = tiny.make_task_demo("object-detection", tmp_path / "data", n=6, splits=("train",))
    meta = tmp_path / "data" / "train" / "metadata.jsonl"
    rows = [json.loads(line) for line in meta.read_text().splitlines()]
    rows[2]["objects"] = {"bbox": [[1, 2, 3]], "category": [0]}
    meta.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = config("object_detection", tiny_model("yolos"), data, MAPPING, max_steps=1, image_square_size=64)
    assert main(["train", str(write_config(cfg, tmp_path)), "--workdir", str(tmp_path)]) == 2
    assert "give [x, y, width, height]" in capsys.readouterr().err


def _logits_for(classes: list[int], num_queries: int = 4, num_labels: int = 2) -> np.ndarray:
    logits = np.full((num_queries, num_labels + 1), -10.0)
    logits[:, -1] = 10.0  # unused queries predict "no object"
    for i, c in enumerate(classes):
        logits[i] = -10.0
        logits[i, c] = 10.0
    return logits


def test_compute_map_is_one_for_perfect_boxes_and_lower_for_shifted_ones():
    boxes = np.array([[0.25, 0.25, 0.2, 0.2], [0.7, 0.6, 0.2, 0.4]])
    label = {"size": np.array([64, 64]), "boxes": boxes, "class_labels": np.array([0, 1])}
    pred_boxes = np.zeros((4, 4))
    pred_boxes[:2] = boxes
    perfect = EvalPrediction(predictions=[(np.array([_logits_for([0, 1])]), np.array([pred_boxes]))],
                             label_ids=[[label]])
    assert compute_map(perfect) == pytest.approx({"map": 1.0, "map_50": 1.0, "map_75": 1.0})
    shifted = pred_boxes.copy()
    shifted[:2, 0] += 0.05
    worse = compute_map(EvalPrediction(predictions=[(np.array([_logits_for([0, 1])]), np.array([shifted]))],
                                       label_ids=[[label]]))
    assert worse["map_50"] == 1.0 and worse["map"] < 1.0


def test_a_partial_last_evaluation_batch_keeps_every_box_of_its_image(tmp_path, monkeypatch):
    """5 valid images in batches of 4: the last batch holds one image, whose labels must arrive whole (a tensor
    gather cut each label tensor to one row: one box, and half of the image's size)."""
    from tunewidgets.run.engine import Run
    from tunewidgets.tasks.object_detection import train as detection

    data = tiny.make_task_demo("object-detection", tmp_path / "data", n=25)
    rows = [json.loads(line) for line in open(data + "/valid/metadata.jsonl")]
    assert len(rows) == 5
    seen = []
    real = detection.compute_map

    def spy(eval_pred):
        seen.extend(label for batch in eval_pred.label_ids for label in batch)
        return real(eval_pred)

    monkeypatch.setattr(detection, "compute_map", spy)
    cfg = config("object_detection", tiny_model("yolos"), data, MAPPING, valid="valid", max_steps=2, batch_size=4,
                 image_square_size=64, eval_strategy="steps", eval_steps=2)
    run = Run(cfg, workdir=tmp_path / "runs", mode="foreground").run()
    assert run.state == "finished", run.error
    assert len(seen) == 5
    assert [len(np.asarray(label["boxes"])) for label in seen] == [len(r["objects"]["bbox"]) for r in rows]
    assert all(np.asarray(label["size"]).shape == (2,) for label in seen)
