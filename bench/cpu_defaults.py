"""CPU defaults justified: packing, gradient checkpointing, precision and the SFT trainer, per useful token.

Each variant is bench/plain_trl.py (a fresh process) on the ~3.4M-parameter Llama, 512 rows of ~130 tokens,
block 256, batch 4, changing one thing against tunewidgets' CPU default (the lean trainer, packing off,
gradient checkpointing off, fp32). Useful tokens are the non-padding tokens TRL counts (num_tokens): with
packing every token is a real one, without it the padding is left out. Variants run interleaved, rotating.

- packing bfd: TRL's default strategy (best-fit, keeps examples apart through position_ids, padding-free);
- packing wrapped: concatenate and cut into 256-token blocks (examples attend across their boundaries and are
  cut mid-way: AutoTrain 0.8.36's packing);
- gradient checkpointing on (TRL's default);
- bf16 autocast on CPU (TRL's default precision; fewer steps, it is slow);
- TRL's stock SFTTrainer (entropy and token accuracy of every token, every step).

Threads and OpenMP waiting (second table): all cores with libgomp's default spin-waiting, all cores with
OMP_WAIT_POLICY=PASSIVE (waiting threads sleep), and one thread; each on a quiet machine and with one busy
neighbour process spinning on a core (what a browser, another kernel or a test suite does to a notebook).

    python bench/cpu_defaults.py [--rounds 3] [--steps 40] [--threads N] [--skip-threads]
"""

from __future__ import annotations

import argparse
import os
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
    summarize,
    table,
    work_dir,
)

DEFAULT = "tunewidgets CPU default: lean trainer, packing off, no checkpointing, fp32"
VARIANTS = {
    DEFAULT: ["--trainer", "lean"],
    "packing bfd (TRL's default strategy)": ["--trainer", "lean", "--packing", "bfd"],
    "packing wrapped (AutoTrain's)": ["--trainer", "lean", "--packing", "wrapped"],
    "gradient checkpointing on": ["--trainer", "lean", "--checkpointing"],
    "bf16 autocast": ["--trainer", "lean", "--bf16"],
    "TRL's stock SFTTrainer (entropy + accuracy)": ["--trainer", "stock"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_args(parser, rounds=3)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--bf16-steps", type=int, default=6)
    parser.add_argument("--threads", type=int, default=None, help="default: all cores")
    parser.add_argument("--only", default=None, help="comma-separated variant numbers (1-based), default all")
    parser.add_argument("--skip-threads", action="store_true", help="leave out the threads / OpenMP table")
    parser.add_argument("--skip-variants", action="store_true", help="only the threads / OpenMP table")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.steps, args.bf16_steps = 1, 2, 1
    work = work_dir(args)
    model, data = bench_assets(work)
    payload = {}
    if not args.skip_variants:
        payload["variants"] = variants_table(args, work, model, data)
    if not args.skip_threads:
        payload["threads"] = threads_table(args, work, model, data)
    dump(args.json, payload)
    return 0


def variants_table(args, work: Path, model: str, data: str) -> dict:
    chosen = list(VARIANTS)
    if args.only:
        chosen = [chosen[int(i) - 1] for i in args.only.split(",")]
        if DEFAULT not in chosen:
            chosen.insert(0, DEFAULT)

    def runner(name):
        steps = args.bf16_steps if "bf16" in name else args.steps
        return lambda: run_plain(model, data, work / "variant", steps=steps, threads=args.threads,
                                 extra=VARIANTS[name])

    results = interleave(args.rounds, {name: runner(name) for name in chosen})
    threads = args.threads or len(os.sched_getaffinity(0))
    print(f"\nCPU defaults: {args.steps} steps ({args.bf16_steps} for bf16), batch 4, block 256, {threads} thread(s), "
          f"{args.rounds} interleaved rounds, {machine_note()}\n")
    rows = []
    for name in chosen:
        runs = results[name]
        ratio = paired_ratios(results, name, DEFAULT) if name != DEFAULT else [1.0]
        rows.append([name, summarize([r["tokens_per_s"] for r in runs]), f"{median(ratio):.2f}",
                     f"{median([r['num_tokens'] / r['steps'] for r in runs]):,.0f}"])
    print(table(["variant", "useful tokens/s, median (range)", "vs default (paired median)",
                 "useful tokens per step"], rows))
    # wrapped packing changes what is trained (cross-example attention, cut examples): not a default for SFT
    honest = [median(paired_ratios(results, name, DEFAULT)) for name in chosen
              if name not in (DEFAULT, "packing wrapped (AutoTrain's)")]
    ok = all(r <= 1.0 for r in honest)
    wrapped = "packing wrapped (AutoTrain's)"
    wrapped_note = (f"; wrapped packing, which lets examples attend across their boundaries, "
                    f"{median(paired_ratios(results, wrapped, DEFAULT)):.2f}x" if wrapped in chosen else "")
    print(f"\nverdict: {'PASS' if ok else 'MISS'}: the default is the fastest per useful token among the variants "
          f"that train the same thing (best other: {max(honest) if honest else 1.0:.2f}x){wrapped_note}")
    return results


def threads_table(args, work: Path, model: str, data: str) -> dict:
    cores = len(os.sched_getaffinity(0))
    lean = ["--trainer", "lean", "--logging-steps", "5"]
    steps = {False: args.steps, True: max(args.steps // 4, 2)}  # spin-waiting under contention is very slow
    cases = {}
    for busy in (False, True):
        where = "one busy neighbour" if busy else "quiet"
        for label, threads, env in ((f"{cores} threads (tunewidgets' default), libgomp's default spin-wait", cores, {}),
                                    (f"{cores} threads, GOMP_SPINCOUNT=3000", cores, {"GOMP_SPINCOUNT": "3000"}),
                                    (f"{cores} threads, OMP_WAIT_POLICY=PASSIVE", cores,
                                     {"OMP_WAIT_POLICY": "PASSIVE"}),
                                    ("1 thread (AutoTrain's on CPU)", 1, {})):
            env = {"OMP_WAIT_POLICY": None, "GOMP_SPINCOUNT": None, **env}
            cases[f"{label}, {where}"] = (lambda t=threads, e=env, b=busy: run_plain(
                model, data, work / "threads", steps=steps[b], threads=t, extra=lean, env=e, busy=b))
    results = interleave(args.rounds, cases)
    add_interval_rates(results)
    print(f"\nThreads and OpenMP waiting: {steps[False]} steps quiet, {steps[True]} with a busy neighbour, "
          f"{args.rounds} interleaved rounds, {machine_note()}\n")
    rows = [[name, summarize([r["tokens_per_s"] for r in runs]), summarize([r["interval_tokens_per_s"] for r in runs])]
            for name, runs in results.items()]
    print(table(["threads, machine", "train tokens/s, median (range)", "median over log intervals"], rows))
    names = list(results)
    print()
    print(table(["against 1 thread (paired median)", "quiet", "one busy neighbour"], [
        [names[i].split(", quiet")[0], f"{median(paired_ratios(results, names[i], names[3])):.2f}",
         f"{median(paired_ratios(results, names[i + 4], names[7])):.2f}"] for i in range(3)]))
    quiet = median(paired_ratios(results, names[0], names[3]))
    busy = median(paired_ratios(results, names[4], names[7]))
    print(f"\nverdict (threads): {'PASS' if quiet >= 1 else 'MISS'}: all cores trains {quiet:.2f}x one thread on a "
          f"quiet machine (the default); with a busy neighbour it falls to {busy:.2f}x (set OMP_NUM_THREADS=1 "
          "or GOMP_SPINCOUNT on a shared machine)")
    return results


if __name__ == "__main__":
    sys.exit(main())
