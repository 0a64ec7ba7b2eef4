"""The baseline: a plain TRL SFT script with the same model, data and arguments tunewidgets uses.

Prints one JSON line: train_runtime (s), num_tokens, tokens_per_s, t_start (process start, epoch seconds),
t_first_log (the first logged step, epoch seconds), wall.

    python bench/plain_trl.py --model M --data D --out O [--steps 60] [--trainer stock|lean] [--packing off|bfd|wrapped]
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
parser.add_argument("--steps", type=int, default=60, help="optimizer steps (-1: one epoch)")
parser.add_argument("--block", type=int, default=256)
parser.add_argument("--batch", type=int, default=4)
parser.add_argument("--logging-steps", type=int, default=10)
parser.add_argument("--trainer", choices=["stock", "lean"], default="stock",
                    help="lean: the SFTTrainer subclass tunewidgets uses (no per-step entropy/accuracy)")
parser.add_argument("--packing", choices=["off", "bfd", "wrapped"], default="off")
parser.add_argument("--checkpointing", action="store_true", help="gradient (activation) checkpointing on")
parser.add_argument("--bf16", action="store_true", help="bf16 autocast (on CPU too)")
parser.add_argument("--optim", default="adamw_torch", help="adamw_torch is tunewidgets' and AutoTrain's default")
args = parser.parse_args()

import torch  # noqa: E402
from datasets import load_dataset  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback  # noqa: E402
from trl import SFTConfig, SFTTrainer  # noqa: E402

if args.trainer == "lean":
    from tunewidgets.tasks.llm_sft.train import lean_sft_trainer_class

    SFTTrainer = lean_sft_trainer_class()  # noqa: F811

threads = int(os.environ.get("OMP_NUM_THREADS") or len(os.sched_getaffinity(0)))
torch.set_num_threads(threads)


class FirstLog(TrainerCallback):
    """The time of the first logged step, and (time, num_tokens) of every log for per-interval rates."""

    at = None
    log: list = []

    def on_log(self, args, state, control, logs=None, **kwargs):
        FirstLog.at = FirstLog.at or time.time()
        if logs and "num_tokens" in logs:
            FirstLog.log.append({"step": state.global_step, "time": time.time(), "num_tokens": logs["num_tokens"]})


tokenizer = AutoTokenizer.from_pretrained(args.model)
model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
train = load_dataset("json", data_files=os.path.join(args.data, "train.jsonl"), split="train")
config = SFTConfig(
    output_dir=args.out, max_steps=args.steps, num_train_epochs=1, per_device_train_batch_size=args.batch,
    gradient_accumulation_steps=1, learning_rate=3e-4, warmup_steps=0.1, logging_steps=args.logging_steps,
    save_strategy="no", report_to=[], use_cpu=not torch.cuda.is_available(), bf16=args.bf16, fp16=False,
    max_length=args.block, packing=args.packing != "off",
    packing_strategy=args.packing if args.packing != "off" else "bfd",
    activation_checkpointing=args.checkpointing, disable_tqdm=True, dataloader_pin_memory=False, seed=42,
    optim=args.optim,
)
trainer = SFTTrainer(model=model, args=config, train_dataset=train, processing_class=tokenizer, callbacks=[FirstLog()])
result = trainer.train()
tokens = next((h["num_tokens"] for h in reversed(trainer.state.log_history) if "num_tokens" in h), 0)
runtime = result.metrics["train_runtime"]
print(json.dumps({"train_runtime": runtime, "num_tokens": tokens, "tokens_per_s": tokens / runtime,
                  "steps": trainer.state.global_step, "threads": threads, "t_start": t_start,
                  "t_first_log": FirstLog.at, "wall": time.time() - t_start, "log": FirstLog.log}))
