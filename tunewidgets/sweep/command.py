"""``tunewidgets sweep CONFIG [--trials N] [--set ...] [--worker] [--isolate]``: the CLI's sweep command.

Exit codes (the CLI's): 0 when at least one trial of the study finished, 1 when none did, 2 bad input (one line
on stderr: an unknown key, a range that does not fit its field, a metric never logged, optuna missing), 130 when
interrupted (Ctrl-C ends the sweep after the current trial; twice stops that trial too, with a checkpoint).
"""

from __future__ import annotations

import signal
import sys

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class _Printer:
    """One line per trial on stderr (and the runs' notes unless quiet)."""

    def __init__(self, metric: str, quiet: bool):
        self.metric = metric
        self.quiet = quiet

    def __call__(self, kind: str, data: dict) -> None:
        if kind == "message":
            print(f"{'' if data.get('level') == 'error' else 'note: '}{data['text']}", file=sys.stderr, flush=True)
        elif kind == "trial-started":
            values = ", ".join(f"{k}={_fmt(v)}" for k, v in data["values"].items())
            print(f"trial {data['trial']}: {values} -> {data['run_dir']}", file=sys.stderr, flush=True)
        elif kind == "trial-event" and not self.quiet:
            event = data["event"]
            if event.kind == "message" and event.get("level") != "debug":
                print(f"  trial {data['trial']}: {event['text']}", file=sys.stderr, flush=True)
        elif kind == "trial-ended":
            o = data["outcome"]
            if o.state == "finished":
                what = f"{self.metric}={_fmt(o.value)}"
            elif o.state == "failed":
                what = f"error: {o.error}"
            elif o.state == "pruned":
                what = o.error or "pruned"
            else:
                what = o.state
            print(f"trial {o.number} {o.state}: {what} ({o.duration:.1f} s)", file=sys.stderr, flush=True)


def sweep_command(args) -> int:
    from ..errors import ConfigError
    from .runner import Sweep

    sweep = Sweep(args.config, workdir=args.workdir, trials=args.trials, overrides=args.overrides,
                  worker=args.worker, isolate=args.isolate)
    sweep.subscribe(_Printer(sweep.sweep.metric, args.quiet))
    presses = {"count": 0}

    def _on_sigint(signum, frame):
        presses["count"] += 1
        if presses["count"] == 1:
            print("\ninterrupted: the sweep ends after the current trial (Ctrl-C again to stop that trial now, "
                  "with a checkpoint)", file=sys.stderr)
            sweep.stop()
        elif presses["count"] == 2:
            print("\nstopping the current trial at its next step", file=sys.stderr)
            sweep.stop(now=True)
        else:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        sweep.run()
    finally:
        signal.signal(signal.SIGINT, previous)
    if sweep.rows:
        sys.stdout.write(sweep.table())
    if sweep.error:
        raise ConfigError(sweep.error)
    if not args.worker and sweep.rows:
        print(f"trials table: {sweep.project_dir / 'trials.md'} (and trials.csv)", file=sys.stderr)
    if sweep.best_path is not None:
        print(f"best config: {sweep.best_path}; retrain it: tunewidgets train {sweep.best_path}"
              + (f" --workdir {args.workdir}" if args.workdir else ""), file=sys.stderr)
    if sweep.interrupted or presses["count"]:
        return EXIT_INTERRUPTED
    if sweep.finished_trials == 0:
        print("error: no trial finished (their errors are in the table)", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
