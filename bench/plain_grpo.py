"""The baseline: a plain TRL GRPO script with the same model, prompts, reward functions and arguments as the
tunewidgets run of bench/grpo_overhead.py.

Prints one JSON line: train_runtime (s), steps, steps_per_s, log (time of every logged step), wall.

    python bench/plain_grpo.py --model M --data D --out O [--steps 30] [--batch 16] [--generations 8]
"""

from __future__ import annotations

import time

t_start = time.time()

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--data", required=True, help="a folder with train.jsonl (prompt, answer) and rewards.py")
parser.add_argument("--out", required=True)
parser.add_argument("--steps", type=int, default=30)
parser.add_argument("--batch", type=int, default=16, help="completions per step")
parser.add_argument("--generations", type=int, default=8)
parser.add_argument("--completion-length", type=int, default=32)
parser.add_argument("--logging-steps", type=int, default=5)
parser.add_argument("--lr", type=float, default=1e-3)
args = parser.parse_args()

import torch  # noqa: E402
from datasets import load_dataset  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback, set_seed  # noqa: E402
from trl import GRPOConfig, GRPOTrainer  # noqa: E402

threads = int(os.environ.get("OMP_NUM_THREADS") or len(os.sched_getaffinity(0)))
torch.set_num_threads(threads)


def from_file(path: str, name: str):
    spec = importlib.util.spec_from_file_location("bench_rewards", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


class Logged(TrainerCallback):
    """(step, time) of every log, for per-interval rates."""

    log: list = []

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "reward" in logs:
            Logged.log.append({"step": state.global_step, "time": time.time(), "reward": logs["reward"]})


rewards = os.path.join(args.data, "rewards.py")
reward_funcs = [from_file(rewards, "names_a_colour"), from_file(rewards, "right_colour")]
tokenizer = AutoTokenizer.from_pretrained(args.model)
tokenizer.padding_side = "left"
set_seed(42)
model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
train = load_dataset("json", data_files=os.path.join(args.data, "train.jsonl"), split="train")
config = GRPOConfig(
    output_dir=args.out, max_steps=args.steps, num_train_epochs=1, per_device_train_batch_size=args.batch,
    per_device_eval_batch_size=args.batch, gradient_accumulation_steps=1, learning_rate=args.lr, warmup_steps=0.1,
    logging_steps=args.logging_steps, save_strategy="no", eval_strategy="no", report_to=[],
    use_cpu=not torch.cuda.is_available(), bf16=False, fp16=False, activation_checkpointing=False,
    disable_tqdm=True, dataloader_pin_memory=False, seed=42, optim="adamw_torch",
    num_generations=args.generations, max_completion_length=args.completion_length, temperature=1.0,
)
trainer = GRPOTrainer(model=model, reward_funcs=reward_funcs, args=config, train_dataset=train,
                      processing_class=tokenizer, callbacks=[Logged()])
result = trainer.train()
runtime = result.metrics["train_runtime"]
steps = trainer.state.global_step
print(json.dumps({"train_runtime": runtime, "steps": steps, "steps_per_s": steps / runtime, "threads": threads,
                  "t_start": t_start, "wall": time.time() - t_start, "log": Logged.log}))
