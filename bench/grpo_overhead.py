"""GRPO overhead: `tunewidgets train` (llm-grpo) against a plain TRL GRPO script, interleaved A/B runs.

Same ~3.4M-parameter Llama (bench/_common.py), the same 256 colour prompts and reward file (the llm-grpo demo's:
names_a_colour and right_colour), 16 completions a step (8 per prompt) of up to 32 tokens, lr 1e-3, fp32, all
cores. Each runner trains in a fresh process; the order rotates every round:

- plain TRL: TRL's stock GRPOTrainer (bench/plain_grpo.py);
- tunewidgets train: the CLI (the run directory, events, the reward checks and dry call, the completions written
  for the app), steps/s read from the run's status.json.

Target: tunewidgets/plain TRL steps/s >= 0.98.

    python bench/grpo_overhead.py [--rounds 5] [--steps 30] [--threads N] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    HERE,
    _env,
    build_bench_model,
    common_args,
    dump,
    interleave,
    machine_note,
    median,
    paired_ratios,
    summarize,
    table,
    work_dir,
)

TARGET = 0.98
BATCH, GENERATIONS, LR = 16, 8, 1e-3


def bench_prompts(out: Path, rows: int) -> str:
    from tunewidgets.tiny import make_grpo_demo

    if not (out / "train.jsonl").exists():
        make_grpo_demo("grpo-colours", out, n=rows, splits=("train",))
    return str(out)


def run_plain(model: str, data: str, out: Path, *, steps: int, length: int, logging: int,
              threads: int | None) -> dict:
    t0 = time.time()
    cmd = [sys.executable, str(HERE / "plain_grpo.py"), "--model", model, "--data", data, "--out", str(out),
           "--steps", str(steps), "--batch", str(BATCH), "--generations", str(GENERATIONS),
           "--completion-length", str(length), "--logging-steps", str(logging), "--lr", str(LR)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(threads))
    if proc.returncode != 0:
        raise RuntimeError(f"plain TRL GRPO failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = time.time() - t0
    result["interval_steps_per_s"] = interval_rate(result.pop("log"))
    return result


def tw_config(model: str, data: str, project: str, *, steps: int, length: int, logging: int) -> dict:
    rewards = f"{data}/rewards.py"
    return {"task": "llm-grpo", "base_model": model, "project_name": project,
            "data": {"path": data, "train_split": "train", "column_mapping": {"prompt_text_column": "prompt"}},
            "params": {"max_steps": steps, "batch_size": BATCH, "gradient_accumulation": 1, "lr": LR,
                       "num_generations": GENERATIONS, "max_completion_length": length, "temperature": 1.0,
                       "logging_steps": logging, "save_strategy": "no", "eval_strategy": "no",
                       "warmup_ratio": 0.1, "mixed_precision": "none", "model_max_length": 512,
                       "reward_functions": [f"{rewards}:names_a_colour", f"{rewards}:right_colour"]}}


def run_tw(config: dict, work: Path, *, threads: int | None) -> dict:
    path = work / f"{config['project_name']}.yml"
    path.write_text(yaml.safe_dump(config))
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-m", "tunewidgets", "train", str(path), "--workdir", str(work),
                           "--overwrite", "--quiet"], capture_output=True, text=True, env=_env(threads))
    wall = time.time() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"tunewidgets train failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    run_dir = work / config["project_name"]
    status = json.loads((run_dir / "status.json").read_text())
    log = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    log = [{"step": r["step"], "time": r["time"]} for r in log if "reward" in r]
    steps, runtime = status["step"], status["train_runtime"]
    return {"train_runtime": runtime, "steps": steps, "steps_per_s": steps / runtime, "wall": wall,
            "interval_steps_per_s": interval_rate(log)}


def interval_rate(log: list[dict]) -> float:
    """Median steps/s between logged steps, the first (warm-up) interval left out."""
    rates = [(b["step"] - a["step"]) / (b["time"] - a["time"]) for a, b in zip(log[1:], log[2:])
             if b["time"] > a["time"]]
    return statistics.median(rates) if rates else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_args(parser, rounds=5)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--completion-length", type=int, default=32)
    parser.add_argument("--logging-steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="default: all cores")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.steps, args.completion_length, args.logging_steps = 1, 2, 4, 1
    work = work_dir(args)
    model = build_bench_model(work / "model")
    data = bench_prompts(work / "prompts", rows=64 if args.smoke else 256)
    steps, length, logging, threads = args.steps, args.completion_length, args.logging_steps, args.threads
    runners = {
        "plain TRL GRPO": lambda: run_plain(model, data, work / "plain", steps=steps, length=length,
                                            logging=logging, threads=threads),
        "tunewidgets train": lambda: run_tw(tw_config(model, data, "tw", steps=steps, length=length,
                                                      logging=logging), work, threads=threads),
    }
    results = interleave(args.rounds, runners)
    print(f"\nGRPO overhead: {steps} steps of {BATCH} completions ({GENERATIONS} per prompt, up to {length} tokens), "
          f"two reward functions, fp32, {args.rounds} interleaved rounds, {machine_note()}\n")
    rows = [[name, summarize([r["steps_per_s"] for r in runs], 3),
             summarize([r["interval_steps_per_s"] for r in runs], 3), summarize([r["wall"] for r in runs], 1)]
            for name, runs in results.items()]
    print(table(["runner", "steps/s (steps / train_runtime), median (range)", "median over log intervals, steps/s",
                 "whole job s, median (range)"], rows))
    by_runtime = paired_ratios(results, "tunewidgets train", "plain TRL GRPO", "steps_per_s")
    by_interval = paired_ratios(results, "tunewidgets train", "plain TRL GRPO", "interval_steps_per_s")
    print()
    print(table(["ratio (paired per round, then median)", "steps/s", "rounds", "interval steps/s", "rounds"],
                [["tunewidgets / plain TRL GRPO", f"{median(by_runtime):.3f}",
                  ", ".join(f"{r:.3f}" for r in by_runtime), f"{median(by_interval):.3f}",
                  ", ".join(f"{r:.3f}" for r in by_interval)]]))
    ok = median(by_runtime) >= TARGET
    print(f"\nverdict: {'PASS' if ok else 'MISS'}: tunewidgets/plain TRL GRPO steps/s {median(by_runtime):.3f} "
          f"(target >= {TARGET})")
    dump(args.json, {"results": results, "ratios": by_runtime, "interval_ratios": by_interval})
    return 0


if __name__ == "__main__":
    sys.exit(main())
