"""Each tool's own defaults: tunewidgets against AutoTrain 0.8.36, per useful token and whole-job wall time.

The same job for both: llm-sft on the ~3.4M-parameter Llama and 512 rows of ~130 tokens, block_size 256,
batch_size 4, fp32, one epoch, everything else left at each tool's default:

- AutoTrain 0.8.36 (its own venv; TRL 0.13, transformers 4.48): packing on (256-token blocks), gradient
  checkpointing on, gradient_accumulation 4, `accelerate launch --cpu`, which pins one thread;
- tunewidgets: packing null (off on CPU), gradient checkpointing off on CPU, gradient_accumulation 4,
  all cores, the lean SFT trainer.

Useful tokens are non-padding tokens trained on: tunewidgets' num_tokens (attention-mask sum); for AutoTrain
every packed block is full, so steps x batch x gradient_accumulation x 256. Both tools also run at the other's
thread count (AutoTrain with OMP_NUM_THREADS=2, which accelerate passes on; tunewidgets with 1).

Targets: tunewidgets per useful token >= AutoTrain at the same thread count; tunewidgets' default whole job
<= 0.5 x AutoTrain's default whole job.

AutoTrain's venv (see BENCHMARKS.md): python -m venv /tmp/at-venv; pip install torch==2.13.0;
pip install autotrain-advanced==0.8.36; pip install --force-reinstall --no-deps torch==2.13.0 (CPU build back);
pip uninstall -y torchvision timm.

    python bench/autotrain_compare.py [--rounds 3] [--autotrain-venv /tmp/at-venv]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    BLOCK,
    bench_assets,
    common_args,
    dump,
    interleave,
    legacy_model_copy,
    machine_note,
    median,
    paired_ratios,
    run_tw_cli,
    summarize,
    table,
    work_dir,
)

BATCH = 4


def job_config(model: str, data: str, project: str) -> dict:
    """The job both tools run, in AutoTrain's YAML format (tunewidgets reads it unchanged)."""
    return {
        "task": "llm-sft", "base_model": model, "project_name": project, "log": "none", "backend": "local",
        "data": {"path": data, "train_split": "train", "valid_split": None, "chat_template": None,
                 "column_mapping": {"text_column": "text"}},
        "params": {"block_size": BLOCK, "model_max_length": 512, "epochs": 1, "batch_size": BATCH,
                   "mixed_precision": "none", "peft": False, "quantization": None},
    }


def run_autotrain(venv: Path, model: str, data: str, work: Path, threads: int | None, smoke: bool) -> dict:
    config = job_config(model, data, "at-run")
    if smoke:
        config["params"]["epochs"] = 1
    config["hub"] = {"username": "nobody", "token": "none", "push_to_hub": False}
    folder = work / "autotrain"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "at.yml").write_text(yaml.safe_dump(config))
    env = dict(os.environ, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}")
    env.pop("OMP_NUM_THREADS", None)
    env.pop("PYTHONPATH", None)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    t0 = time.time()
    proc = subprocess.run([str(venv / "bin" / "autotrain"), "--config", "at.yml"], cwd=folder, env=env,
                          capture_output=True, text=True)
    wall = time.time() - t0
    log = proc.stdout + proc.stderr
    (folder / "autotrain.log").write_text(log)
    if proc.returncode != 0 or "train has failed" in log:  # AutoTrain exits 0 when its trainer fails
        raise RuntimeError(f"AutoTrain failed (log in {folder / 'autotrain.log'}):\n{log[-3000:]}")
    runtime = float(re.findall(r"'train_runtime': ([0-9.]+)", log)[-1])
    steps = int(re.findall(r"(\d+)/\d+ \[", log)[-1])
    accum = 4  # AutoTrain's default gradient_accumulation
    tokens = steps * BATCH * accum * BLOCK
    return {"train_runtime": runtime, "num_tokens": tokens, "tokens_per_s": tokens / runtime, "steps": steps,
            "wall": wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_args(parser, rounds=3)
    parser.add_argument("--autotrain-venv", default=os.environ.get("AUTOTRAIN_VENV", "/tmp/at-venv"))
    parser.add_argument("--skip-autotrain", action="store_true", help="only tunewidgets (AutoTrain not installed)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds = 1
    work = work_dir(args)
    model, data = bench_assets(work, rows=32 if args.smoke else 512)
    cores = len(os.sched_getaffinity(0))
    venv = Path(args.autotrain_venv)
    have_autotrain = (venv / "bin" / "autotrain").exists() and not args.skip_autotrain
    runners = {
        f"tunewidgets defaults ({cores} threads, all cores)":
            lambda: run_tw_cli(job_config(model, data, "tw-defaults"), work),
        "tunewidgets defaults, 1 thread": lambda: run_tw_cli(job_config(model, data, "tw-1"), work, threads=1),
    }
    if have_autotrain:
        legacy = legacy_model_copy(model, work / "model-legacy")
        runners["AutoTrain 0.8.36 defaults (1 thread)"] = lambda: run_autotrain(venv, legacy, data, work, None,
                                                                                args.smoke)
        runners[f"AutoTrain 0.8.36, {cores} threads"] = lambda: run_autotrain(venv, legacy, data, work, cores,
                                                                              args.smoke)
    results = interleave(args.rounds, runners)
    print(f"\nEach tool's defaults: one epoch of 512 rows, block 256, batch 4, fp32, {args.rounds} interleaved "
          f"rounds, {machine_note()}\n")
    rows = []
    for name, runs in results.items():
        rows.append([name, summarize([r["tokens_per_s"] for r in runs]), summarize([r["wall"] for r in runs], 1),
                     summarize([r["train_runtime"] for r in runs], 1),
                     summarize([r["wall"] - r["train_runtime"] for r in runs], 1),
                     f"{median([r['num_tokens'] for r in runs]):,.0f}"])
    print(table(["runner", "useful tokens/s", "whole job s", "training s", "rest of the job s",
                 "useful tokens"], rows))
    if not have_autotrain:
        print(f"\nverdict: NOT RUN against AutoTrain: no AutoTrain venv at {venv} (see the docstring)")
        dump(args.json, {"results": results})
        return 0
    tw_all, tw_1 = list(results)[:2]
    at_1, at_all = list(results)[2:]
    same_1 = paired_ratios(results, tw_1, at_1)
    same_all = paired_ratios(results, tw_all, at_all)
    wall = paired_ratios(results, tw_all, at_1, key="wall")
    print()
    print(table(["ratio (per round, then median)", "median", "rounds", "target"], [
        ["tunewidgets / AutoTrain per useful token, 1 thread each", f"{median(same_1):.3f}",
         ", ".join(f"{r:.3f}" for r in same_1), ">= 1"],
        [f"tunewidgets / AutoTrain per useful token, {cores} threads each", f"{median(same_all):.3f}",
         ", ".join(f"{r:.3f}" for r in same_all), ">= 1"],
        ["whole job: tunewidgets defaults / AutoTrain defaults", f"{median(wall):.3f}",
         ", ".join(f"{r:.3f}" for r in wall), "<= 0.5"],
    ]))
    ok = median(same_1) >= 1 and median(same_all) >= 1 and median(wall) <= 0.5
    print(f"\nverdict: {'PASS' if ok else 'MISS'}: per useful token {median(same_1):.2f}x (1 thread), "
          f"{median(same_all):.2f}x ({cores} threads); whole job {median(wall):.2f}x AutoTrain's (target <= 0.5)")
    dump(args.json, {"results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
