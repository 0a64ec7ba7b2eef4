"""Engine overhead: `tunewidgets train` against a plain TRL script, interleaved A/B runs.

Same ~3.4M-parameter Llama, same 512 rows of ~150 tokens, block 256, batch 4, lr 3e-4, fp32, no packing,
all cores, same optimizer (adamw_torch). Three runners, each in a fresh process, rotating who goes first:

- plain TRL: TRL's stock SFTTrainer (bench/plain_trl.py);
- plain TRL + lean trainer: the same script with the SFTTrainer subclass tunewidgets uses, so the ratio
  against it is the engine's own overhead (run directory, events, callback, checkpoint wrapper);
- tunewidgets train: the CLI, tokens/s read from the run's status.json.

Target: tunewidgets/plain TRL train tokens/s >= 0.98.

    python bench/engine_overhead.py [--rounds 5] [--steps 60] [--threads N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    add_interval_rates,
    bench_assets,
    common_args,
    dump,
    interleave,
    machine_note,
    median,
    paired_ratios,
    run_plain,
    run_tw_cli,
    summarize,
    table,
    tw_config,
    work_dir,
)

TARGET = 0.98


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_args(parser, rounds=5)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--threads", type=int, default=None, help="default: all cores")
    parser.add_argument("--logging-steps", type=int, default=5, help="both sides log every N steps")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.steps = 1, 3
    work = work_dir(args)
    model, data = bench_assets(work)
    steps, threads, every = args.steps, args.threads, str(args.logging_steps)
    runners = {
        "plain TRL": lambda: run_plain(model, data, work / "plain", steps=steps, threads=threads,
                                       extra=["--logging-steps", every]),
        "plain TRL + lean trainer": lambda: run_plain(model, data, work / "lean", steps=steps, threads=threads,
                                                      extra=["--trainer", "lean", "--logging-steps", every]),
        "tunewidgets train": lambda: run_tw_cli(tw_config(model, data, "tw", steps=steps,
                                                          logging_steps=args.logging_steps), work, threads=threads),
    }
    results = interleave(args.rounds, runners)
    add_interval_rates(results)
    print(f"\nEngine overhead: {steps} steps, batch 4, block 256, fp32, {args.rounds} interleaved rounds, "
          f"{machine_note()}\n")
    rows = []
    for name, runs in results.items():
        rows.append([name, summarize([r["tokens_per_s"] for r in runs]),
                     summarize([r["interval_tokens_per_s"] for r in runs]),
                     summarize([r["wall"] for r in runs], 1)])
    print(table(["runner", "train tokens/s (num_tokens / train_runtime), median (range)",
                 "median over log intervals, tokens/s", "whole job s, median (range)"], rows))
    vs_plain = paired_ratios(results, "tunewidgets train", "plain TRL")
    vs_lean = paired_ratios(results, "tunewidgets train", "plain TRL + lean trainer")
    key = "interval_tokens_per_s"
    print()
    ratio_rows = []
    for label, a, b in (("tunewidgets / plain TRL", "tunewidgets train", "plain TRL"),
                        ("tunewidgets / plain TRL + lean trainer (engine overhead alone)", "tunewidgets train",
                         "plain TRL + lean trainer"),
                        ("lean trainer / stock SFTTrainer (plain scripts)", "plain TRL + lean trainer", "plain TRL")):
        by_runtime, by_interval = paired_ratios(results, a, b), paired_ratios(results, a, b, key)
        ratio_rows.append([label, f"{median(by_runtime):.3f}", ", ".join(f"{r:.3f}" for r in by_runtime),
                           f"{median(by_interval):.3f}", ", ".join(f"{r:.3f}" for r in by_interval)])
    print(table(["ratio (paired per round, then median)", "train tokens/s", "rounds", "interval tokens/s",
                 "rounds"], ratio_rows))
    ok = median(vs_plain) >= TARGET and median(vs_lean) >= TARGET
    print(f"\nverdict: {'PASS' if ok else 'MISS'}: tunewidgets/plain TRL tokens/s {median(vs_plain):.3f}, "
          f"engine overhead alone {median(vs_lean):.3f} (target >= {TARGET})")
    dump(args.json, {"results": results, "vs_plain": vs_plain, "vs_lean": vs_lean})
    return 0


if __name__ == "__main__":
    sys.exit(main())
