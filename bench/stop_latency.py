"""Stop latency in optimizer steps, and the time from Train (Run.start) to the first logged step.

Stop: a run of the bench model (batch 4, block 256, every step logged) is stopped from outside the training
thread once it passed step 10, as the Stop button does:
- thread mode (the app): the main thread calls ``run.stop()``; the step it had seen last is the step at the
  click; the run ends at ``final`` and the latency is ``final - step at click`` (target: <= 1, the next step);
- subprocess mode (``Run(mode="subprocess")``, the CLI under ``accelerate launch``): ``stop()`` sends SIGINT
  to the child; the step at the signal is the last step the child had logged (metrics.jsonl) before it.
Also: time from ``stop()`` to the run's final state (a checkpoint is written first).

Start: a fresh process per run, nothing of the training stack imported beforehand (as in a new kernel):
- tunewidgets, thread mode: ``Run.start()`` (what Train calls) to the first logged step, and a second Run in
  the same process (the stack already imported: a second Train click);
- tunewidgets train (CLI): process spawn to the first logged step;
- plain TRL script: process spawn to the first logged step.

    python bench/stop_latency.py [--rounds 3]
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
    run_plain,
    summarize,
    table,
    tw_config,
    work_dir,
)

STOP_AT = 10

THREAD_CHILD = r"""
import json, sys, time
config, workdir, stop_at, warm_config = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
from tunewidgets.run.engine import Run

def watch(run):
    seen = {"step": 0, "first_log": None}
    def on(event):
        if event.kind == "progress":
            seen["step"] = event.data["step"]
        elif event.kind == "log" and seen["first_log"] is None:
            seen["first_log"] = time.time()
    run.subscribe(on)
    return seen

run = Run(config, workdir=workdir, overwrite=True)
seen = watch(run)
t_click = time.time()
run.start()
while seen["step"] < stop_at and not run.done:
    time.sleep(0.002)
at_click = seen["step"]
t_stop = time.time()
run.stop()
state = run.wait(600)
t_end = time.time()
final = run.trainer.state.global_step
checkpoint = (run.run_dir / f"checkpoint-{final}").is_dir()
warm = Run(warm_config, workdir=workdir, overwrite=True)
seen_warm = watch(warm)
t_warm = time.time()
warm.start()
warm.wait(600)
print(json.dumps({"state": state, "at_click": at_click, "final": final, "checkpoint": checkpoint,
                  "stop_to_end": t_end - t_stop, "click_to_first": seen["first_log"] - t_click,
                  "warm_click_to_first": seen_warm["first_log"] - t_warm, "t_first_log": seen["first_log"]}))
"""

SUBPROCESS_CHILD = r"""
import json, sys, time
config, workdir, stop_at = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
from tunewidgets.run.engine import Run
run = Run(config, workdir=workdir, overwrite=True, mode="subprocess")
run.start()
while not run.done and max([m.get("step", 0) for m in run.metrics] or [0]) < stop_at:
    time.sleep(0.005)
t_stop = time.time()
run.stop()
state = run.wait(600)
t_end = time.time()
records = [json.loads(line) for line in open(run.run_dir / "metrics.jsonl")]
at_signal = max([r["step"] for r in records if r["time"] <= t_stop] or [0])
status = json.load(open(run.run_dir / "status.json"))
final = status["step"]
print(json.dumps({"state": state, "at_click": at_signal, "final": final,
                  "checkpoint": (run.run_dir / f"checkpoint-{final}").is_dir(), "stop_to_end": t_end - t_stop}))
"""


def _child(code: str, *argv: str) -> dict:
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, env=_env(None), cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out.get("t_first_log"):
        out["spawn_to_first"] = out["t_first_log"] - t0
    return out


def run_tw_cli_first_log(config: dict, work: Path) -> dict:
    import yaml

    path = work / f"{config['project_name']}.yml"
    path.write_text(yaml.safe_dump(config))
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-m", "tunewidgets", "train", str(path), "--workdir", str(work),
                           "--overwrite", "--quiet"], capture_output=True, text=True, env=_env(None))
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    first = json.loads((work / config["project_name"] / "metrics.jsonl").read_text().splitlines()[0])
    return {"spawn_to_first": first["time"] - t0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_args(parser, rounds=3)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    stop_at, steps, short = STOP_AT, 400, 5
    if args.smoke:
        args.rounds, stop_at, steps, short = 1, 2, 30, 2
    work = work_dir(args)
    model, data = bench_assets(work)
    stop_cfg = tw_config(model, data, "stop", steps=steps, logging_steps=1, save_strategy="no")
    warm_cfg = tw_config(model, data, "warm", steps=short, logging_steps=1)
    start_cfg = tw_config(model, data, "cli-start", steps=short, logging_steps=1)
    runners = {
        "thread": lambda: _child(THREAD_CHILD, json.dumps(stop_cfg), str(work), str(stop_at), json.dumps(warm_cfg)),
        "subprocess": lambda: _child(SUBPROCESS_CHILD, json.dumps({**stop_cfg, "project_name": "stop-sub"}),
                                     str(work), str(stop_at)),
        "cli": lambda: run_tw_cli_first_log(start_cfg, work),
        "plain": lambda: _plain_first(model, data, work, short),
    }
    results = interleave(args.rounds, runners)
    print(f"\nStop latency: stop asked after step {stop_at} of {steps}, batch 4, block 256, every step logged, "
          f"{args.rounds} rounds, {machine_note()}\n")
    rows = []
    ok = True
    for mode in ("thread", "subprocess"):
        runs = results[mode]
        lat = [r["final"] - r["at_click"] for r in runs]
        ok &= max(lat) <= 1 and all(r["state"] == "stopped" and r["checkpoint"] for r in runs)
        rows.append([f"{mode} mode", ", ".join(str(v) for v in lat), f"{max(lat)}",
                     ", ".join(f"{r['at_click']}->{r['final']}" for r in runs),
                     summarize([r["stop_to_end"] for r in runs], 2),
                     "yes" if all(r["state"] == "stopped" and r["checkpoint"] for r in runs) else "NO"])
    print(table(["mode", "steps after the click, per run", "max", "step at click -> final step",
                 "stop() to final state s", "state stopped + checkpoint"], rows))
    thread, plain = results["thread"], results["plain"]
    start_rows = [
        ["tunewidgets thread mode: Run.start() to first logged step (fresh process)",
         summarize([r["click_to_first"] for r in thread], 2)],
        ["tunewidgets thread mode: process spawn to first logged step",
         summarize([r["spawn_to_first"] for r in thread], 2)],
        ["tunewidgets thread mode: second Run in the same process (stack imported)",
         summarize([r["warm_click_to_first"] for r in thread], 2)],
        ["tunewidgets train (CLI): process spawn to first logged step",
         summarize([r["spawn_to_first"] for r in results["cli"]], 2)],
        ["plain TRL script: process spawn to first logged step", summarize([r["spawn_to_first"] for r in plain], 2)],
    ]
    print()
    print(table(["start", "seconds, median (range)"], start_rows))
    start_ratio = median([r["click_to_first"] for r in thread]) / median([r["spawn_to_first"] for r in plain])
    print(f"\nTrain click to first step / plain TRL script start to first step: {start_ratio:.2f}")
    print(f"\nverdict: {'PASS' if ok else 'MISS'}: stop took effect within one optimizer step in every run "
          f"(target: the next step); start {start_ratio:.2f}x a plain TRL script's")
    dump(args.json, {"results": results})
    return 0


def _plain_first(model: str, data: str, work: Path, steps: int) -> dict:
    r = run_plain(model, data, work / "plain-start", steps=steps, extra=["--logging-steps", "1"])
    return {"spawn_to_first": r["t_first_log"] - r["t_spawn"], "start_to_first": r["t_first_log"] - r["t_start"]}


if __name__ == "__main__":
    sys.exit(main())
