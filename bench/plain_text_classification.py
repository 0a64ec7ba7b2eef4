"""The baseline for text classification at scale: a plain transformers script (load_dataset, a batched
tokenizing map, Trainer), with the arguments tunewidgets uses.

Prints one JSON line: t_start, t_first_log (epoch seconds), wall.

    python bench/plain_text_classification.py --model M --data D --out O [--steps 10]
"""

from __future__ import annotations

import time

t_start = time.time()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--steps", type=int, default=10)
parser.add_argument("--logging-steps", type=int, default=1)
args = parser.parse_args()

from datasets import load_dataset  # noqa: E402
from transformers import (  # noqa: E402
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)


class FirstLog(TrainerCallback):
    at = None

    def on_log(self, args, state, control, logs=None, **kwargs):
        FirstLog.at = FirstLog.at or time.time()


tokenizer = AutoTokenizer.from_pretrained(args.model)
train = load_dataset("json", data_files=os.path.join(args.data, "train.jsonl"), split="train")
labels = sorted(set(train.unique("label")))
train = train.map(lambda batch: {**tokenizer(batch["text"], truncation=True, max_length=256),
                                 "labels": [labels.index(v) for v in batch["label"]]},
                  batched=True, remove_columns=train.column_names)
model = AutoModelForSequenceClassification.from_pretrained(args.model, num_labels=len(labels))
config = TrainingArguments(output_dir=args.out, max_steps=args.steps, per_device_train_batch_size=4,
                           learning_rate=3e-4, logging_steps=args.logging_steps, save_strategy="no", report_to=[],
                           use_cpu=True, disable_tqdm=True, dataloader_pin_memory=False, seed=42)
trainer = Trainer(model=model, args=config, train_dataset=train, processing_class=tokenizer,
                  data_collator=DataCollatorWithPadding(tokenizer), callbacks=[FirstLog()])
trainer.train()
print(json.dumps({"t_start": t_start, "t_first_log": FirstLog.at, "wall": time.time() - t_start}))
