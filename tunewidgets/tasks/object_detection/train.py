"""object_detection: a transformers detection model (DETR, YOLOS, conditional DETR ...) on COCO boxes.

Each row has an image and objects ``{bbox: [[x, y, w, h], ...], category: [...]}`` (COCO
layout, pixels; AutoTrain's format); a list of ``{bbox, category}`` dicts also works. Categories
may be integers (a ClassLabel's names are used when the data has them) or strings. Images are
resized to fit ``image_square_size`` and padded to that square by the model's image processor.
Evaluation reports COCO-style mAP (0.5:0.95), mAP@0.5 and mAP@0.75 beside the loss.
"""

from __future__ import annotations

import numpy as np

from ...errors import DataError
from ..base import TaskContext, TrainJob
from ..shared.images import check_images, data_root, open_image
from ..shared.labels import check_known, feature_class_names, labels_from_values
from ..shared.metrics import mean_average_precision
from ..shared.splits import load_train_valid
from ..shared.supervised import early_stopping, load_head, load_processor, trainer_arguments, trainer_job

# Model outputs the Trainer must not gather for compute_metrics (only logits and boxes are needed).
_IGNORE_AT_EVAL = ["loss_dict", "auxiliary_outputs", "last_hidden_state", "encoder_last_hidden_state",
                   "init_reference_points", "intermediate_hidden_states", "intermediate_reference_points",
                   "hidden_states", "attentions", "decoder_hidden_states", "encoder_hidden_states",
                   "past_key_values", "cross_attentions", "decoder_attentions", "encoder_attentions"]


def _objects(value, index: int, split: str) -> tuple[list[list[float]], list]:
    """(boxes, categories) of one row's objects; DataError for anything else."""
    if isinstance(value, list) and all(isinstance(o, dict) for o in value):  # [{bbox, category}, ...]
        value = {"bbox": [o.get("bbox") for o in value], "category": [o.get("category") for o in value]}
    if not isinstance(value, dict) or "bbox" not in value or "category" not in value:
        raise DataError(f"the {split} split's objects at row {index + 1} must be {{bbox: [[x, y, w, h], ...], "
                        f"category: [...]}}; got {value!r:.100}")
    boxes, categories = list(value["bbox"] or []), list(value["category"] or [])
    if len(boxes) != len(categories):
        raise DataError(f"the {split} split's row {index + 1} has {len(boxes)} boxes but {len(categories)} categories")
    for box in boxes:
        if not isinstance(box, (list, tuple)) or len(box) != 4 or box[2] < 0 or box[3] < 0:
            raise DataError(f"the {split} split's row {index + 1} has a box {box!r}: give [x, y, width, height]")
    return [[float(v) for v in b] for b in boxes], categories


def _category_names(dataset) -> list[str] | None:
    feature = getattr(dataset, "features", {}).get("objects")
    if feature is None:
        return None
    inner = feature.get("category") if isinstance(feature, dict) else None
    if inner is None and isinstance(getattr(feature, "feature", None), dict):
        inner = feature.feature.get("category")
    return feature_class_names(inner)


def _cxcywh_to_xyxy(boxes: np.ndarray, height: float, width: float) -> np.ndarray:
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    cx, cy, w, h = boxes[:, 0] * width, boxes[:, 1] * height, boxes[:, 2] * width, boxes[:, 3] * height
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def whole_batches(valid, batch_size: int) -> int:
    """An evaluation batch size that divides the validation images: the Trainer cuts a partial last batch row by
    row in every tensor, which would cut an image's boxes (and its size) along with the missing images."""
    rows = len(valid) if valid is not None else batch_size
    return max(size for size in range(1, batch_size + 1) if rows % size == 0)


def compute_map(eval_pred) -> dict[str, float]:
    """mAP from the Trainer's unconcatenated batches of (logits, pred_boxes) and label dicts."""
    predictions, targets = [], []
    for batch_preds, batch_labels in zip(eval_pred.predictions, eval_pred.label_ids):
        logits, boxes = batch_preds[0], batch_preds[1]
        for logit, box, label in zip(logits, boxes, batch_labels):
            height, width = (float(v) for v in np.asarray(label["size"]).reshape(-1)[:2])
            probs = _softmax(np.asarray(logit, float))[:, :-1]  # the last class is "no object"
            predictions.append({"boxes": _cxcywh_to_xyxy(box, height, width), "scores": probs.max(-1),
                                "labels": probs.argmax(-1)})
            targets.append({"boxes": _cxcywh_to_xyxy(label["boxes"], height, width),
                            "labels": np.asarray(label["class_labels"]).reshape(-1)})
    return mean_average_precision(predictions, targets)


def build(ctx: TaskContext) -> TrainJob:
    import torch
    from transformers import AutoImageProcessor, AutoModelForObjectDetection, Trainer, TrainingArguments

    config, p = ctx.config, ctx.config.params
    train, valid, _ = load_train_valid(ctx)
    root = data_root(config)
    parsed = {}
    for split, data in (("train", train), ("valid", valid)):
        if data is None:
            continue
        parsed[split] = [_objects(v, i, split) for i, v in enumerate(data["objects"])]
    labels = labels_from_values((c for _, cats in parsed["train"] for c in cats),
                                what="the train split's object categories", names=_category_names(train))
    if valid is not None:
        check_known(labels, (c for _, cats in parsed["valid"] for c in cats), "valid", "category")
    train = check_images(train, "image", "train", root)
    if valid is not None:
        valid = check_images(valid, "image", "valid", root)

    size = p.image_square_size
    processor = load_processor(AutoImageProcessor, ctx, "an image processor",
                               size={"shortest_edge": size, "longest_edge": size}, do_pad=True,
                               pad_size={"height": size, "width": size})
    model = load_head(AutoModelForObjectDetection, ctx, "an object detection model", ignore_mismatched_sizes=True,
                      id2label=labels.id2label, label2id=labels.label2id)
    model.config.keys_to_ignore_at_inference = _IGNORE_AT_EVAL

    def with_objects(data, rows):  # the transform finds a row's parsed objects by its index
        return data.select_columns(["image"]).add_column("row", list(range(len(rows))))

    def make_transform(rows):
        def transform(batch):
            images = [open_image(v) for v in batch["image"]]
            annotations = []
            for _, image_id in enumerate(batch["row"]):
                boxes, categories = rows[image_id]
                annotations.append({"image_id": image_id, "annotations": [
                    {"bbox": box, "category_id": labels.encode(cat), "area": box[2] * box[3], "iscrowd": 0}
                    for box, cat in zip(boxes, categories)]})
            out = processor(images=images, annotations=annotations, return_tensors="pt")
            result = {"pixel_values": out["pixel_values"], "labels": out["labels"]}
            if "pixel_mask" in out:
                result["pixel_mask"] = out["pixel_mask"]
            return result

        return transform

    train = with_objects(train, parsed["train"])
    train.set_transform(make_transform(parsed["train"]))
    if valid is not None:
        valid = with_objects(valid, parsed["valid"])
        valid.set_transform(make_transform(parsed["valid"]))

    def collate(rows):
        batch = {"pixel_values": torch.stack([r["pixel_values"] for r in rows]),
                 "labels": [r["labels"] for r in rows]}
        if "pixel_mask" in rows[0]:
            batch["pixel_mask"] = torch.stack([r["pixel_mask"] for r in rows])
        return batch

    has_eval = valid is not None
    args = TrainingArguments(**trainer_arguments(ctx, has_eval=has_eval, num_examples=len(train),
                                                 remove_unused_columns=False, eval_do_concat_batches=False,
                                                 per_device_eval_batch_size=whole_batches(valid, p.batch_size)))
    trainer = Trainer(
        model=model, args=args, train_dataset=train, eval_dataset=valid, processing_class=processor,
        data_collator=collate, compute_metrics=compute_map if has_eval else None,
        callbacks=[*ctx.callbacks, *early_stopping(ctx, has_eval)],
    )

    return trainer_job(trainer, model, processor, train, valid,
                       notes=[f"{len(labels)} categories: {', '.join(labels.names[:10])}"])
