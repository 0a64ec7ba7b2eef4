"""Sweep overhead: a sweep's time per trial against the same trials trained as plain `tunewidgets train` runs.

Same ~3.4M-parameter Llama and ~150-token rows as the other benchmarks; a sweep of N trials over params.lr
(loguniform) and params.warmup_ratio, each trial a fixed number of steps. Sides, each in fresh processes,
rotating who goes first every round:

- sweep (in-process trials): ``tunewidgets sweep cfg --trials N``, one process; its trials train in it (the
  default);
- sweep --isolate: the same with each trial in its own ``tunewidgets train`` process;
- plain train x N: the sweep's own trial configs (read back from its trial-<n>/config.yml), each trained by
  ``tunewidgets train`` in its own process, one after the other: what a user does by hand;
- Run x N in one process: the same configs trained back to back by ``Run(...).run()`` in one process: the
  floor, so sweep/this is what Optuna, its storage and the bookkeeping cost.

The time of a side is wall-clock from its first process start to its last exit, divided by N; the table splits
it into the trainers' own train_runtime and the rest (process start-up, imports, model loading, saving,
Optuna). A first sweep, not counted, gives every side the same trial configs and warms the caches.
Target: sweep per trial / plain train per run <= 1.05.

    python bench/sweep_overhead.py [--trials 4] [--steps 30] [--rounds 2] [--smoke]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import _env, bench_assets, common_args, dump, machine_note, median, summarize, table, tw_config  # noqa: E402, I001

TARGET = 1.05

_IN_ONE_PROCESS = """
import sys, time
from tunewidgets.run.engine import Run
workdir = sys.argv[1]
for path in sys.argv[2:]:
    run = Run(path, workdir=workdir, overwrite=True, mode="foreground").run()
    if run.state != "finished":
        raise SystemExit(f"{path}: {run.state}: {run.error}")
"""


def sweep_config(model: str, data: str, project: str, steps: int, trials: int) -> dict:
    config = tw_config(model, data, project, steps=steps, logging_steps=max(1, steps // 3))
    config["data"]["valid_split"] = None
    config["sweep"] = {"trials": trials, "metric": "loss", "direction": "minimize", "pruner": "none", "seed": 0,
                       "params": {"params.lr": {"type": "loguniform", "low": 1e-4, "high": 1e-3},
                                  "params.warmup_ratio": {"type": "uniform", "low": 0.0, "high": 0.2}}}
    return config


def _run(cmd: list[str], threads) -> float:
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(threads))
    wall = time.time() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return wall


def _train_seconds(run_dirs: list[Path]) -> float:
    """The trainers' own train_runtime, summed (status.json): the part of the wall time that is training."""
    import json

    return sum(float(json.loads((d / "status.json").read_text()).get("train_runtime") or 0) for d in run_dirs)


def _result(wall: float, run_dirs: list[Path]) -> dict:
    train = _train_seconds(run_dirs)
    n = len(run_dirs)
    return {"wall": wall, "per_trial": wall / n, "train_per_trial": train / n, "other_per_trial": (wall - train) / n}


def run_sweep(config: dict, work: Path, trials: int, threads, isolate: bool = False) -> dict:
    project_dir = work / config["project_name"]
    if project_dir.exists():
        import shutil

        shutil.rmtree(project_dir)
    path = work / f"{config['project_name']}.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    cmd = [sys.executable, "-m", "tunewidgets", "sweep", str(path), "--workdir", str(work), "--quiet",
           "--trials", str(trials)] + (["--isolate"] if isolate else [])
    wall = _run(cmd, threads)
    return _result(wall, [project_dir / f"trial-{n}" for n in range(trials)])


def trial_configs(work: Path, project: str, trials: int, prefix: str) -> list[Path]:
    """The sweep's trial configs, renamed to train into their own folders."""
    paths = []
    for n in range(trials):
        data = yaml.safe_load((work / project / f"trial-{n}" / "config.yml").read_text())
        data["project_name"] = f"{prefix}-{n}"
        path = work / f"{prefix}-{n}.yml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        paths.append(path)
    return paths


def run_plain(paths: list[Path], work: Path, threads) -> dict:
    wall = sum(_run([sys.executable, "-m", "tunewidgets", "train", str(p), "--workdir", str(work), "--overwrite",
                     "--quiet"], threads) for p in paths)
    return _result(wall, [work / p.stem for p in paths])


def run_in_one_process(paths: list[Path], work: Path, threads) -> dict:
    renamed = []
    for p in paths:  # its own run directories
        data = yaml.safe_load(p.read_text())
        data["project_name"] = f"one-{p.stem}"
        q = work / f"one-{p.stem}.yml"
        q.write_text(yaml.safe_dump(data, sort_keys=False))
        renamed.append(q)
    wall = _run([sys.executable, "-c", _IN_ONE_PROCESS, str(work), *map(str, renamed)], threads)
    return _result(wall, [work / q.stem for q in renamed])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_args(parser, rounds=2)
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None, help="default: all cores")
    parser.add_argument("--no-isolate", action="store_true", help="leave out the --isolate side")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.trials, args.steps = 1, 2, 2
    from _common import work_dir

    work = work_dir(args)
    model, data = bench_assets(work, rows=64 if args.smoke else 512)
    n, threads = args.trials, args.threads
    config = sweep_config(model, data, "sweep", args.steps, n)
    results: dict[str, list[dict]] = {k: [] for k in ("sweep", "sweep --isolate", "plain train", "Run in one")}
    # a first sweep, not counted, gives the trial configs every side trains and warms the caches (datasets'
    # tokenized data, the OS's page cache) for all; then every round runs every side, rotating who goes first
    run_sweep({**config, "project_name": "warm-up"}, work, n, threads)
    paths = trial_configs(work, "warm-up", n, "plain")
    sides = {"sweep": lambda: run_sweep(config, work, n, threads),
             "plain train": lambda: run_plain(paths, work, threads),
             "Run in one": lambda: run_in_one_process(paths, work, threads)}
    if not args.no_isolate:
        sides["sweep --isolate"] = lambda: run_sweep({**config, "project_name": "sweep-isolated"}, work, n,
                                                     threads, isolate=True)
    names = list(sides)
    for r in range(args.rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            results[name].append(sides[name]())
        print(f"  round {r + 1}: " + ", ".join(f"{k} {v[-1]['per_trial']:.2f} s/trial" for k, v in results.items()
                                               if v), flush=True)
    plain = median([x["per_trial"] for x in results["plain train"]])
    rows = []
    for name, label in (("sweep", "tunewidgets sweep (trials in-process)"),
                        ("sweep --isolate", "tunewidgets sweep --isolate (a process a trial)"),
                        ("plain train", f"{n} x tunewidgets train"),
                        ("Run in one", f"{n} x Run(...).run() in one process")):
        if not results[name]:
            continue
        per = [x["per_trial"] for x in results[name]]
        rows.append([label, summarize(per, 2), summarize([x["train_per_trial"] for x in results[name]], 2),
                     summarize([x["other_per_trial"] for x in results[name]], 2), f"{median(per) / plain:.3f}"])
    print(f"\nSweep overhead: {n} trials of {args.steps} steps (llm-sft, ~3.4M-parameter Llama), "
          f"{args.rounds} round(s); {machine_note()}\n")
    print(table(["side", "wall s per trial, median (min-max)", "of which training (train_runtime)",
                 "the rest (start-up, loading, saving, bookkeeping)", "wall ratio to plain train"], rows))
    ratio = median([x["per_trial"] for x in results["sweep"]]) / plain
    floor = median([x["per_trial"] for x in results["Run in one"]])
    print(f"\nsweep per trial vs the same trials trained in one process without Optuna: "
          f"{median([x['per_trial'] for x in results['sweep']]) / floor:.3f}")
    rest = (median([x["other_per_trial"] for x in results["sweep"]])
            / median([x["other_per_trial"] for x in results["plain train"]]))
    print(f"time per trial outside training (start-up, loading, saving, Optuna): sweep / plain train {rest:.3f}")
    ok = ratio <= TARGET
    print(f"\nverdict: {'PASS' if ok else 'MISS'}: sweep per trial / plain train per run {ratio:.3f} "
          f"(target <= {TARGET})" + (" [smoke: numbers mean nothing]" if args.smoke else ""))
    dump(args.json, {"trials": n, "steps": args.steps, "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
