"""The app in thread mode with the live plot on, against the same plain TRL run.

A fresh process builds ``TrainerApp`` from a config dict (the bench model and data, the same arguments as
bench/plain_trl.py), clicks Train and waits; tokens/s comes from the run's status.json. The training thread
handles every event itself: progress bar, step text, log lines, and the plot redrawn at most twice a second
(the app's default throttle). Every step is logged (logging_steps 1, in both runs), so the plot and the log get
the most work a run can give them. No kernel is attached, so widget updates are not sent anywhere: in a
notebook the comm messages add a little more.

Target: app tokens/s / plain TRL tokens/s >= 0.95.

    python bench/app_thread.py [--rounds 5] [--steps 60]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    ROOT,
    _env,
    bench_assets,
    common_args,
    dump,
    interleave,
    machine_note,
    median,
    paired_ratios,
    run_plain,
    status_numbers,
    summarize,
    table,
    tw_config,
    work_dir,
)

TARGET = 0.95

CHILD = r"""
import json, sys, time
config, workdir = json.loads(sys.argv[1]), sys.argv[2]
from tunewidgets import TrainerApp
app = TrainerApp(config=config, workdir=workdir, namespace={})
app.train_panel.overwrite.value = True
if not app.can_train:
    raise SystemExit("cannot train: " + "; ".join(app.problems))
t_click = time.time()
app.train_panel.train_button.click()
state = app.wait(1800)
panel = app.train_panel
print(json.dumps({"state": state, "error": app.run.error, "run_dir": str(app.run.run_dir), "t_click": t_click,
                  "redraws": panel.plot.draws, "log_lines": len(panel.log.outputs),
                  "event_errors": len(panel.event_errors)}))
"""


def run_app(config: dict, work: Path) -> dict:
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(config), str(work)], capture_output=True,
                          text=True, env=_env(None), cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"app run failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out["state"] != "finished":
        raise RuntimeError(f"app run ended {out['state']}: {out['error']}")
    return {**status_numbers(Path(out["run_dir"])), "wall": time.time() - t0, "redraws": out["redraws"],
            "event_errors": out["event_errors"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_args(parser, rounds=5)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--logging-steps", type=int, default=1)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if args.smoke:
        args.rounds, args.steps = 1, 3
    work = work_dir(args)
    model, data = bench_assets(work)
    config = tw_config(model, data, "app", steps=args.steps, logging_steps=args.logging_steps)
    runners = {
        "plain TRL (stock SFTTrainer)": lambda: run_plain(model, data, work / "plain", steps=args.steps,
                                                          extra=["--logging-steps", str(args.logging_steps)]),
        "plain TRL + lean trainer": lambda: run_plain(model, data, work / "lean", steps=args.steps,
                                                      extra=["--logging-steps", str(args.logging_steps),
                                                             "--trainer", "lean"]),
        "TrainerApp, thread mode, live plot": lambda: run_app(config, work),
    }
    results = interleave(args.rounds, runners)
    print(f"\nApp in thread mode: {args.steps} steps, batch 4, block 256, fp32, logging every "
          f"{args.logging_steps} step(s), {args.rounds} interleaved rounds, {machine_note()}\n")
    app_runs = results["TrainerApp, thread mode, live plot"]
    rows = [[name, summarize([r["tokens_per_s"] for r in runs]), summarize([r["wall"] for r in runs], 1)]
            for name, runs in results.items()]
    print(table(["runner", "train tokens/s, median (range)", "whole job s"], rows))
    ratios = paired_ratios(results, "TrainerApp, thread mode, live plot", "plain TRL (stock SFTTrainer)")
    alone = paired_ratios(results, "TrainerApp, thread mode, live plot", "plain TRL + lean trainer")
    print(f"\nplot redraws per run: {summarize([r['redraws'] for r in app_runs])}; "
          f"event-handler errors: {sum(r['event_errors'] for r in app_runs)}\n")
    print(table(["ratio (per round, then median)", "median", "rounds"], [
        ["app / plain TRL", f"{median(ratios):.3f}", ", ".join(f"{r:.3f}" for r in ratios)],
        ["app / plain TRL + lean trainer (the app's own cost alone)", f"{median(alone):.3f}",
         ", ".join(f"{r:.3f}" for r in alone)],
    ]))
    ok = median(ratios) >= TARGET
    print(f"\nverdict: {'PASS' if ok else 'MISS'}: app/plain TRL tokens/s {median(ratios):.3f} (target >= {TARGET}); "
          f"against the same lean trainer the app keeps {median(alone):.3f} (its own cost: events, log, plot redraws "
          "in the training thread)")
    dump(args.json, {"results": results, "ratios": ratios, "alone": alone})
    return 0


if __name__ == "__main__":
    sys.exit(main())
