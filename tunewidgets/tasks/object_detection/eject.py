"""Eject object_detection to a standalone transformers Trainer script (see train.py)."""

from __future__ import annotations

from pathlib import Path

from ...config.run_config import RunConfig
from ..image_classification.eject import image_path_lines
from ..shared import eject_trainer as common
from ..shared.eject_data import read_splits
from ..shared.eject_source import Script, header
from ..shared.images import open_image
from ..shared.labels import labels_from_values
from .train import _IGNORE_AT_EVAL, _category_names, _objects, compute_map, whole_batches


def script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None,
           device=None) -> str:
    """A script that trains like a run of ``config``: a detection model on COCO boxes, transformers' Trainer."""
    p, device, notes = config.params, common.device_or_cpu(device), []
    out = common.output_dir(config, workdir)
    args = common.trainer_kwargs(config, device, out, auto_valid=True, notes=notes, remove_unused_columns=False,
                                 eval_do_concat_batches=False)
    s = Script(header(config, "transformers' Trainer (object detection)", device, notes))
    s.imports("import torch", "from transformers import AutoImageProcessor, AutoModelForObjectDetection, Trainer, "
                              "TrainingArguments")
    s.setting("MODEL", config.base_model).setting("OUTPUT_DIR", out).setting("IMAGE_SIZE", p.image_square_size)
    s.section("data")
    read_splits(s, config)
    s.embed(_objects, labels_from_values, _category_names)
    s.add("objects = {'train': [_objects(v, i, 'train') for i, v in enumerate(train['objects'])]}",
          "if valid is not None:",
          "    objects['valid'] = [_objects(v, i, 'valid') for i, v in enumerate(valid['objects'])]",
          "labels = labels_from_values((c for _, cats in objects['train'] for c in cats),",
          "                            what=\"the train split's object categories\", names=_category_names(train))")
    s.add(*image_path_lines(s, config))
    s.embed(open_image)
    s.section("model", *common.seed_lines(s),
              "processor = AutoImageProcessor.from_pretrained(",
              "    MODEL, size={'shortest_edge': IMAGE_SIZE, 'longest_edge': IMAGE_SIZE}, do_pad=True,",
              "    pad_size={'height': IMAGE_SIZE, 'width': IMAGE_SIZE})",
              "model = AutoModelForObjectDetection.from_pretrained(",
              "    MODEL, ignore_mismatched_sizes=True, id2label=labels.id2label, label2id=labels.label2id)",
              "# outputs the Trainer must not gather for compute_metrics (only logits and boxes are needed)",
              f"model.config.keys_to_ignore_at_inference = {_IGNORE_AT_EVAL!r}",
              "",
              "",
              "def make_transform(rows):",
              '    """Images and their boxes through the image processor; a row\'s objects are found by its index."""',
              "    def transform(batch):",
              "        images = [open_image(v) for v in batch['image']]",
              "        annotations = []",
              "        for image_id in batch['row']:",
              "            boxes, categories = rows[image_id]",
              "            annotations.append({'image_id': image_id, 'annotations': [",
              "                {'bbox': box, 'category_id': labels.encode(cat), 'area': box[2] * box[3], 'iscrowd': 0}",
              "                for box, cat in zip(boxes, categories)]})",
              "        out = processor(images=images, annotations=annotations, return_tensors='pt')",
              "        result = {'pixel_values': out['pixel_values'], 'labels': out['labels']}",
              "        if 'pixel_mask' in out:",
              "            result['pixel_mask'] = out['pixel_mask']",
              "        return result",
              "",
              "    return transform",
              "",
              "",
              "train = train.select_columns(['image']).add_column('row', list(range(len(train))))",
              "train.set_transform(make_transform(objects['train']))",
              "if valid is not None:",
              "    valid = valid.select_columns(['image']).add_column('row', list(range(len(valid))))",
              "    valid.set_transform(make_transform(objects['valid']))",
              "",
              "",
              "def collate(rows):",
              "    batch = {'pixel_values': torch.stack([r['pixel_values'] for r in rows]),",
              "             'labels': [r['labels'] for r in rows]}",
              "    if 'pixel_mask' in rows[0]:",
              "        batch['pixel_mask'] = torch.stack([r['pixel_mask'] for r in rows])",
              "    return batch")
    s.embed(compute_map, whole_batches)
    s.section("training", *common.arguments_lines(s, config, "TrainingArguments", args))
    s.add("args.per_device_eval_batch_size = whole_batches(valid, args.per_device_train_batch_size)",
          "trainer = Trainer(",
          "    model=model, args=args, train_dataset=train, eval_dataset=valid, processing_class=processor,",
          "    data_collator=collate, compute_metrics=compute_map if valid is not None else None,",
          f"    callbacks={common.early_stopping(s, config)},",
          ")",
          "trainer.train()")
    s.section("save", *common.save_lines("processor"))
    return s.text()
