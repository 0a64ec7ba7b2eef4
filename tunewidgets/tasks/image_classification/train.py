"""image_classification and image_regression: a transformers image-classification head.

Data: a folder with one subfolder per class, a table with image paths (relative to the data
folder) or an image column (bytes or images). Images go through the model's own image processor
on the fly, so nothing big is held in memory. Classification reports accuracy and F1 (and writes
a confusion matrix for the app); regression reports MSE, MAE, RMSE and R2.
"""

from __future__ import annotations

from ...errors import DataError
from ..base import TaskContext, TrainJob
from ..shared.images import check_images, data_root, open_image
from ..shared.splits import column_named, load_train_valid
from ..shared.supervised import early_stopping, load_head, load_processor, trainer_arguments, trainer_job
from ..shared.targets import classification_compute_metrics, prepare_targets, regression_compute_metrics


def build(ctx: TaskContext, regression: bool = False) -> TrainJob:
    import torch
    from transformers import AutoImageProcessor, AutoModelForImageClassification, Trainer, TrainingArguments

    config = ctx.config
    train, valid, _ = load_train_valid(ctx, stratify=None if regression else "target")
    root = data_root(config)
    train = check_images(train, "image", "train", root)
    if valid is not None:
        valid = check_images(valid, "image", "valid", root)
    train, valid, labels = prepare_targets(train, valid, regression,
                                           shown=column_named(ctx.config, "target_column", "target"))

    processor = load_processor(AutoImageProcessor, ctx, "an image processor")
    head = dict(num_labels=1, problem_type="regression") if regression else dict(
        num_labels=len(labels), id2label=labels.id2label, label2id=labels.label2id,
        problem_type="single_label_classification")
    model = load_head(AutoModelForImageClassification, ctx, "an image classifier", ignore_mismatched_sizes=True,
                      **head)

    def transform(batch):
        images = [open_image(v) for v in batch["image"]]
        out = processor(images=images, return_tensors="pt")
        return {"pixel_values": out["pixel_values"], "labels": batch["labels"]}

    train = train.select_columns(["image", "labels"])
    train.set_transform(transform)
    if valid is not None:
        valid = valid.select_columns(["image", "labels"])
        valid.set_transform(transform)

    dtype = torch.float32 if regression else torch.long

    def collate(rows):
        if not rows:
            raise DataError("an empty batch: the split has no rows")
        return {"pixel_values": torch.stack([r["pixel_values"] for r in rows]),
                "labels": torch.tensor([r["labels"] for r in rows], dtype=dtype)}

    has_eval = valid is not None
    args = TrainingArguments(**trainer_arguments(ctx, has_eval=has_eval, num_examples=len(train),
                                                 remove_unused_columns=False))
    trainer = Trainer(
        model=model, args=args, train_dataset=train, eval_dataset=valid, processing_class=processor,
        data_collator=collate,
        compute_metrics=regression_compute_metrics if regression else classification_compute_metrics(ctx, labels),
        callbacks=[*ctx.callbacks, *early_stopping(ctx, has_eval)],
    )

    return trainer_job(trainer, model, processor, train, valid,
                       notes=[] if regression else [f"{len(labels)} classes: {', '.join(labels.names[:10])}"])
