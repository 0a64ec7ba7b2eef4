"""The baseline: a plain TRL SFT script with the same model, data and arguments tunewidgets uses.

Prints one JSON line: train_runtime (s), num_tokens, tokens_per_s.
"""

from __future__ import annotations

import argparse
import json
import os
import time

t0 = time.time()
parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--steps", type=int, default=60)
parser.add_argument("--block", type=int, default=256)
parser.add_argument("--batch", type=int, default=4)
args = parser.parse_args()

import torch  # noqa: E402
from datasets import load_dataset  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402
from trl import SFTConfig, SFTTrainer  # noqa: E402

torch.set_num_threads(len(os.sched_getaffinity(0)))
tokenizer = AutoTokenizer.from_pretrained(args.model)
model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
train = load_dataset("json", data_files=os.path.join(args.data, "train.jsonl"), split="train")
config = SFTConfig(
    output_dir=args.out, max_steps=args.steps, per_device_train_batch_size=args.batch, gradient_accumulation_steps=1,
    learning_rate=3e-4, warmup_steps=0.1, logging_steps=10, save_strategy="no", report_to=[], use_cpu=True,
    bf16=False, fp16=False, max_length=args.block, packing=False, activation_checkpointing=False, disable_tqdm=True,
    dataloader_pin_memory=False, seed=42,
)
trainer = SFTTrainer(model=model, args=config, train_dataset=train, processing_class=tokenizer)
result = trainer.train()
tokens = next((h["num_tokens"] for h in reversed(trainer.state.log_history) if "num_tokens" in h), 0)
runtime = result.metrics["train_runtime"]
print(json.dumps({"train_runtime": runtime, "num_tokens": tokens, "tokens_per_s": tokens / runtime,
                  "wall": time.time() - t0}))
