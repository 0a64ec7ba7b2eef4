"""Engine overhead: `tunewidgets train` against a plain TRL script, interleaved A/B runs.

Same ~3.4M-parameter Llama, same 512 rows of ~150 tokens, block 256, batch 4,
fp32, all cores. Prints a table (median and range of train tokens/s and
whole-job wall time) and a verdict against the target ratio >= 0.98.

    python bench/engine_overhead.py [--rounds 3] [--steps 60]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import build_bench_data, build_bench_model, summarize  # noqa: E402

HERE = Path(__file__).resolve().parent


def run_plain(model: str, data: str, work: Path, steps: int) -> dict:
    t0 = time.time()
    out = subprocess.run([sys.executable, str(HERE / "plain_trl.py"), "--model", model, "--data", data, "--out",
                          str(work / "plain"), "--steps", str(steps)], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall"] = time.time() - t0
    return result


def run_tunewidgets(model: str, data: str, work: Path, steps: int) -> dict:
    config = {
        "task": "llm-sft", "base_model": model, "project_name": "tw",
        "data": {"path": data, "train_split": "train", "column_mapping": {"text_column": "text"}},
        "params": {"max_steps": steps, "batch_size": 4, "gradient_accumulation": 1, "lr": 3e-4, "block_size": 256,
                   "model_max_length": 512, "logging_steps": 10, "save_strategy": "no", "eval_strategy": "no",
                   "packing": False},
    }
    path = work / "tw.yml"
    path.write_text(yaml.safe_dump(config))
    t0 = time.time()
    subprocess.run([sys.executable, "-m", "tunewidgets", "train", str(path), "--workdir", str(work), "--overwrite",
                    "--quiet"], capture_output=True, text=True, check=True)
    wall = time.time() - t0
    status = json.loads((work / "tw" / "status.json").read_text())
    return {"train_runtime": status["train_runtime"], "num_tokens": status["num_tokens"],
            "tokens_per_s": status["num_tokens"] / status["train_runtime"], "wall": wall}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tw-bench-"))
    model = build_bench_model(work / "model")
    data = build_bench_data(work / "data")
    runs: dict[str, list[dict]] = {"plain TRL": [], "tunewidgets train": []}
    for i in range(args.rounds):  # interleaved, alternating who goes first
        order = [("plain TRL", run_plain), ("tunewidgets train", run_tunewidgets)]
        for name, fn in (order if i % 2 == 0 else order[::-1]):
            runs[name].append(fn(model, data, work, args.steps))
    print(f"\nEngine overhead: {args.steps} steps, batch 4, block 256, {args.rounds} interleaved rounds\n")
    print(f"| runner | train tokens/s | whole job wall s |")
    print(f"| --- | --- | --- |")
    for name, results in runs.items():
        print(f"| {name} | {summarize([r['tokens_per_s'] for r in results])} | "
              f"{statistics.median([r['wall'] for r in results]):.1f} |")
    ratios = [t["tokens_per_s"] / p["tokens_per_s"] for t, p in zip(runs["tunewidgets train"], runs["plain TRL"])]
    ratio = statistics.median(ratios)
    print(f"\nratio tunewidgets/plain TRL tokens/s: median {ratio:.3f} (per round: "
          + ", ".join(f"{r:.3f}" for r in ratios) + ")")
    print(f"verdict: {'PASS' if ratio >= 0.98 else 'MISS'} (target >= 0.98)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
