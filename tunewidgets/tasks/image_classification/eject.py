"""Eject image_classification / image_regression to a standalone transformers Trainer script (see train.py)."""

from __future__ import annotations

from pathlib import Path

from ...config.run_config import RunConfig
from ..shared import eject_trainer as common
from ..shared.eject_data import read_splits
from ..shared.eject_source import Raw, Script, header
from ..shared.images import data_root, open_image, resolve
from ..text_classification.eject import head_lines, metrics_lines, target_lines


def script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None, device=None,
           regression: bool = False) -> str:
    """A script that trains like a run of ``config``: an image-classification head, transformers' Trainer."""
    device, notes = common.device_or_cpu(device), []
    out = common.output_dir(config, workdir)
    args = common.trainer_kwargs(config, device, out, auto_valid=True, notes=notes, remove_unused_columns=False)
    s = Script(header(config, "transformers' Trainer (image " + ("regression)" if regression else
                                                                 "classification)"), device, notes))
    s.imports("import numpy as np", "import torch",
              "from transformers import AutoImageProcessor, AutoModelForImageClassification, Trainer, "
              "TrainingArguments")
    s.setting("MODEL", config.base_model).setting("OUTPUT_DIR", out)
    s.section("data")
    read_splits(s, config, stratify=None if regression else "target")
    s.add(*image_path_lines(s, config))
    s.add(*target_lines(s, regression))
    s.embed(open_image)
    s.section("model", *common.seed_lines(s), "processor = AutoImageProcessor.from_pretrained(MODEL)")
    s.add(*head_lines(regression, "AutoModelForImageClassification"))
    s.add("",
          "",
          "def transform(batch):",
          '    """Images through the model\'s image processor on the fly (nothing big held in memory)."""',
          "    out = processor(images=[open_image(v) for v in batch['image']], return_tensors='pt')",
          "    return {'pixel_values': out['pixel_values'], 'labels': batch['labels']}",
          "",
          "",
          "train = train.select_columns(['image', 'labels'])",
          "train.set_transform(transform)",
          "if valid is not None:",
          "    valid = valid.select_columns(['image', 'labels'])",
          "    valid.set_transform(transform)",
          "",
          "",
          "def collate(rows):",
          "    return {'pixel_values': torch.stack([r['pixel_values'] for r in rows]),",
          "            'labels': torch.tensor([r['labels'] for r in rows], dtype=torch.%s)}"
          % ("float32" if regression else "long"))
    s.section("training", *metrics_lines(s, regression), "", "")
    s.add(*common.arguments_lines(s, config, "TrainingArguments", args))
    s.add("trainer = Trainer(",
          "    model=model, args=args, train_dataset=train, eval_dataset=valid, processing_class=processor,",
          "    data_collator=collate, compute_metrics=compute_metrics,",
          f"    callbacks={common.early_stopping(s, config)},",
          ")",
          "trainer.train()")
    s.section("save", *common.save_lines("processor"))
    return s.text()


def image_path_lines(s: Script, config: RunConfig) -> list[str]:
    """Relative image paths resolved against the data folder, as the run resolves them."""
    root = data_root(config)
    s.embed(resolve)
    s.imports("from pathlib import Path")
    s.setting("IMAGE_ROOT", Raw(f"Path({str(root)!r})") if root is not None else None,
              "relative image paths are read from here")
    s.code("with_image_paths", '''
        def with_image_paths(dataset):
            """The image column with relative paths made absolute (other image values as they are)."""
            values = [resolve(v, IMAGE_ROOT) for v in dataset["image"]]
            if all(isinstance(v, str) for v in values):
                dataset = dataset.remove_columns("image").add_column("image", values)
            return dataset
        ''')
    return ["train = with_image_paths(train)", "if valid is not None:", "    valid = with_image_paths(valid)"]
