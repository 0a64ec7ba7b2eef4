"""The CLI: ``tunewidgets train | sweep | compare | validate | eject | estimate | app | demo``.

Exit codes: 0 done, 1 training failed, 2 bad config or input (one line on
stderr, no traceback), 130 interrupted after saving a checkpoint.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from .errors import TunewidgetsError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _add_config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="a YAML config (AutoTrain's format)")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a value, e.g. --set params.lr=1e-4 --set data.path=data/ (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tunewidgets", description="Fine-tune almost any model, AutoTrain style.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train from a config, in the foreground")
    _add_config_args(train)
    train.add_argument("--resume", action="store_true", help="continue from the run directory's last checkpoint")
    train.add_argument("--overwrite", action="store_true", help="replace an existing run directory")
    train.add_argument("--workdir", default=None, help="folder that holds the run directory (default: here)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--num-processes", type=int, default=None, metavar="N",
                       help="train with N processes under accelerate launch (sets params.num_processes)")
    train.add_argument("--launched", action="store_true", help=argparse.SUPPRESS)  # a rank of accelerate launch

    sweep = sub.add_parser("sweep", help="hyperparameter search over the config's sweep: section (Optuna)")
    _add_config_args(sweep)
    sweep.add_argument("--trials", type=int, default=None, metavar="N",
                       help="trials in total (default: sweep.trials); a rerun continues the study up to N")
    sweep.add_argument("--worker", action="store_true",
                       help="join the study as one more worker: train trials, leave the table and best.yml to "
                            "the main command")
    sweep.add_argument("--workdir", default=None, help="folder that holds the project folder (default: here)")
    sweep.add_argument("--isolate", action="store_true",
                       help="train each trial in its own process (a crash cannot end the sweep; slower)")
    sweep.add_argument("--quiet", action="store_true", help="only the trials' lines and the table")

    compare = sub.add_parser("compare", help="trained runs (and their base model) answer the same prompts side by side")
    compare.add_argument("runs", nargs="+", metavar="RUN", help="a run directory, or a project name under --workdir")
    compare.add_argument("--base", action="store_true", help="the base model answers too (its own column, first)")
    source = compare.add_mutually_exclusive_group()
    source.add_argument("--prompts", default=None, metavar="FILE",
                        help="prompts to ask: a .jsonl/.json of {prompt, reference, image} rows, or one per line")
    source.add_argument("--from-valid", type=int, default=None, metavar="N",
                        help="ask N rows of the first run's validation split, as training laid them out (default 5)")
    compare.add_argument("--out", default=None, metavar="FILE.jsonl", help="also write the answers as JSON lines")
    compare.add_argument("--max-new-tokens", type=int, default=64, metavar="K", help="longest answer (default 64)")
    compare.add_argument("--workdir", default=None, metavar="DIR",
                         help="folder that holds the run directories (default: here)")
    layout = compare.add_mutually_exclusive_group()
    layout.add_argument("--chat", action="store_true",
                        help="ask written prompts in a user turn (default: when the run trained with a chat template)")
    layout.add_argument("--raw", action="store_true",
                        help="ask written prompts as plain text (conversations keep their chat template)")

    validate = sub.add_parser("validate", help="check a config and print it resolved")
    _add_config_args(validate)

    eject = sub.add_parser("eject", help="write the run as a standalone Python script (the app's Eject to code)")
    _add_config_args(eject)
    eject.add_argument("-o", "--output", default=None, metavar="FILE", help="write the script here (default: print it)")
    eject.add_argument("--workdir", default=None,
                       help="folder the script writes the run directory into (default: here)")

    estimate = sub.add_parser("estimate", help="will it fit? the memory a training step needs, from config.json alone")
    _add_config_args(estimate)
    estimate.add_argument("--gpu", default=None, metavar="NAME",
                          help="estimate for this GPU and say whether it fits: T4, L4, A10G, A100-40GB, A100-80GB, "
                               "H100, H200 (default: this machine's GPU, else the CPU)")
    estimate.add_argument("--json", action="store_true", help="print the numbers as JSON (GB = 1e9 bytes)")

    app = sub.add_parser("app", help="serve the app as a Voila dashboard")
    app.add_argument("--port", type=int, default=8866)
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    app.add_argument("--workspace", default="tunewidgets-workspace",
                     help="the only folder the page reads and writes (default: ./tunewidgets-workspace)")
    app.add_argument("--no-demo", action="store_true", help="start with an empty form, not the offline demo")
    app.add_argument("--debug", action="store_true", help="show sources and tracebacks in the page")
    app.add_argument("--token", default=None, metavar="VALUE",
                     help="the token the page's URL must carry (off loopback one is generated when not given)")
    app.add_argument("--no-token", action="store_true",
                     help="serve off loopback without a token: anyone who reaches the port can train here")
    app.add_argument("--allow-env-token", action="store_true",
                     help="let page users push to the Hub with this server's HF_TOKEN (default: they type their own)")
    app.add_argument("--max-runs", type=int, default=None, metavar="N",
                     help="runs training at once across every tab (default: one per GPU, one without a GPU)")

    demo = sub.add_parser("demo", help="build the offline demo: a tiny model and sample datasets")
    demo.add_argument("args", nargs=argparse.REMAINDER,
                      help="make DIR [--kind llama] | train [DIR] [--task TASK] (the task's own tiny demo)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage line
        return EXIT_BAD_INPUT if exc.code else EXIT_OK
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "eject":
            return _eject(args)
        if args.command == "train":
            return _train(args)
        if args.command == "sweep":
            from .sweep.command import sweep_command

            return sweep_command(args)
        if args.command == "compare":
            from .compare.command import compare_command

            return compare_command(args)
        if args.command == "estimate":
            return _estimate(args)
        if args.command == "app":
            from .app_server import serve

            return serve(host=args.host, port=args.port, workspace=args.workspace, demo=not args.no_demo,
                         debug=args.debug, token=args.token, no_token=args.no_token,
                         allow_env_token=args.allow_env_token, max_runs=args.max_runs)
        if args.command == "demo":
            if args.args[:1] == ["train"]:
                return _demo_train(args.args[1:])
            from .tiny import demo_cli

            return demo_cli(args.args)
    except TunewidgetsError as exc:
        return _error(str(exc))
    return EXIT_BAD_INPUT


def _validate(args) -> int:
    from .config.loader import dump_config, load_config

    config = load_config(args.config, args.overrides)
    sys.stdout.write(dump_config(config))
    return EXIT_OK


def _estimate(args) -> int:
    """Weights, gradients, optimizer states and activations of one step, and whether they fit the GPU."""
    import json

    from .config.loader import load_config
    from .memory.estimate import estimate
    from .memory.gpus import gpu_named, local_gpu
    from .memory.report import text, verdict

    config = load_config(args.config, args.overrides)
    try:
        gpu = gpu_named(args.gpu) if args.gpu else local_gpu()
    except ValueError as exc:
        return _error(f"--gpu: {exc}")
    import contextlib

    with contextlib.redirect_stdout(sys.stderr):  # library banners (DeepSpeed's accelerator line) stay off the JSON
        result = estimate(config, gpu)
    if args.json:
        print(json.dumps(result.to_json()))
        if gpu is not None and result.params:
            print(verdict(result, gpu), file=sys.stderr)
        return EXIT_OK
    sys.stdout.write(text(result, config.base_model, [gpu] if gpu else []))
    return EXIT_OK


def _eject(args) -> int:
    """The script the app's Eject button gives, fitted to this machine as ``tunewidgets train`` would be."""
    from .config.loader import load_config
    from .device import resolve_device
    from .tasks.shared.eject_script import can_eject, python_script

    config = load_config(args.config, args.overrides)
    if not can_eject(config):
        return _error(f"task {config.task} has no Eject to code: rerun it with tunewidgets train")
    device = resolve_device(getattr(config.params, "mixed_precision", None))
    text = python_script(config, workdir=args.workdir, device=device)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        return _error(f"cannot write {args.output}: {exc.strerror or exc}")
    print(f"wrote {args.output}; run it with: python {args.output}", file=sys.stderr)
    return EXIT_OK


def _train(args) -> int:
    from .config.loader import load_config
    from .run.engine import Run
    from .run.launch import inside_launcher, needs_launch

    overrides = list(args.overrides)
    if getattr(args, "num_processes", None):
        if args.num_processes < 1:
            return _error("--num-processes must be 1 or more")
        overrides.append(f"params.num_processes={args.num_processes}")
    config = load_config(args.config, overrides)
    if config.sweep is not None:  # the run directory's config.yml is then a plain run
        print("note: train trains the config once; its sweep: section is for tunewidgets sweep", file=sys.stderr)
        config = config.model_copy(update={"sweep": None})
    launched = getattr(args, "launched", False)
    if not launched:
        from .run.tether import tie_to_parent

        tie_to_parent()  # a sweep's trial stops when the sweep dies
    if needs_launch(config) and not launched and not inside_launcher():
        return _train_launched(config, args)
    run = Run(config, workdir=args.workdir, overwrite=args.overwrite, resume=args.resume or None,
              mode="foreground", launched=launched)
    progress = (None if args.quiet or not sys.stderr.isatty() and os.environ.get("TUNEWIDGETS_PROGRESS") != "1"
                else _Progress())
    if progress:
        run.subscribe(progress)
    run.subscribe(_LinePrinter(verbose=progress is None and not args.quiet))
    interrupted = {"count": 0}

    def _on_sigint(signum, frame):
        interrupted["count"] += 1
        if interrupted["count"] > 1:
            raise KeyboardInterrupt
        print("\ninterrupted: stopping at the next step and saving a checkpoint (Ctrl-C again to abort)",
              file=sys.stderr)
        run.stop()

    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        run.run()
    finally:
        signal.signal(signal.SIGINT, previous)
        if progress:
            progress.close()
    if launched and run.state in ("finished", "stopped"):
        # the launching process reads status.json and reports; a rank exiting non-zero would make accelerate
        # print a crash report and end the other ranks for a stop that went as asked
        return EXIT_OK
    if run.state == "finished":
        print(f"finished: model saved in {run.run_dir}")
        return EXIT_OK
    if run.state == "stopped":
        print(f"stopped: checkpoint saved in {run.run_dir}; resume with --resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    if run.input_error:
        return _error(run.error or "failed")  # a bad input found before training
    print(f"error: training failed: {run.error} (details in {run.rundir.log_path})", file=sys.stderr)
    return EXIT_FAILED


def _train_launched(config, args) -> int:
    """Several processes: accelerate launch runs this same command on every rank."""
    from .run.launch import run_launched
    from .run.rundir import RunDirectory

    workdir = Path(args.workdir) if args.workdir else Path.cwd()
    previous = signal.signal(signal.SIGINT, lambda *_: print(
        "\ninterrupted: the ranks stop at the next step and save a checkpoint", file=sys.stderr))
    try:
        code = run_launched(config, workdir, overwrite=args.overwrite, resume=args.resume)
    finally:
        signal.signal(signal.SIGINT, previous)
    status = RunDirectory(workdir / config.project_name).status() or {}
    state = status.get("state")
    if state == "finished":  # rank 0 saved the model and said so; a rank that crashed in teardown changes nothing
        if code != 0:
            print(f"note: a rank exited with code {code} after the run finished", file=sys.stderr)
        print(f"finished: model saved in {workdir / config.project_name}")
        return EXIT_OK
    if state == "stopped":
        print(f"stopped: checkpoint saved in {workdir / config.project_name}; resume with --resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    error = status.get("error") or f"accelerate launch exited with code {code}"
    print(f"error: training failed: {error}", file=sys.stderr)
    return EXIT_FAILED if code != 2 else EXIT_BAD_INPUT


def _demo_train(argv: list[str]) -> int:
    """Build a task's offline demo (its tiny model and generated data) and train it headless."""
    from .config.loader import dump_config, load_config
    from .config.tasks import canonical_task, default_task, get_task
    from .tasks.shared.demo import demo_config

    parser = argparse.ArgumentParser(prog="tunewidgets demo train")
    parser.add_argument("dir", nargs="?", default="tunewidgets-demo")
    parser.add_argument("--task", default=default_task(), help="the task whose demo to train (default: %(default)s)")
    args = parser.parse_args(argv)
    if canonical_task(args.task) is None:
        return _error(f"--task: unknown task '{args.task}'")
    root = Path(args.dir)
    config = load_config(demo_config(get_task(args.task), root))
    config_path = root / f"{config.project_name}.yml"
    dump_config(config, config_path)
    print(f"demo model and data in {root}; config {config_path}")
    code = _train(argparse.Namespace(config=str(config_path), overrides=[], workdir=str(root / "runs"),
                                     overwrite=True, resume=False, quiet=False, num_processes=None, launched=False))
    if code == EXIT_OK:
        print(f"rerun it: tunewidgets train {config_path} --workdir {root / 'runs'} --overwrite")
    return code


class _Progress:
    """A tqdm bar driven by the run's events (stderr)."""

    def __init__(self):
        self.bar = None
        self.data = None  # the data preparation's bar (loading, tokenizing), until training starts

    def __call__(self, event) -> None:
        from tqdm.auto import tqdm

        if event.kind == "preparing":
            if self.data is None or self.data.desc != event["what"]:
                if self.data is not None:
                    self.data.close()
                self.data = tqdm(total=event["total"] or None, desc=event["what"], unit=" rows", file=sys.stderr)
            self.data.n = event["done"]
            self.data.refresh()
        elif event.kind == "started":
            if self.data is not None:
                self.data.close()
                self.data = None
            self.bar = tqdm(total=event["max_steps"], initial=event["step"], unit="step", file=sys.stderr)
        elif event.kind == "progress" and self.bar is not None:
            self.bar.n = event["step"]
            self.bar.refresh()
        elif event.kind in ("log", "eval") and self.bar is not None:
            shown = {k: f"{v:.4g}" for k, v in event.data.items() if k in ("loss", "eval_loss", "learning_rate")}
            self.bar.set_postfix(shown, refresh=True)

    def close(self) -> None:
        for bar in (self.data, self.bar):
            if bar is not None:
                bar.close()


class _LinePrinter:
    """Plain lines for logs and messages (used when there is no terminal for a bar)."""

    def __init__(self, verbose: bool):
        self.verbose = verbose

    def __call__(self, event) -> None:
        if event.kind == "message":
            print(f"note: {event['text']}", file=sys.stderr)
        elif self.verbose and event.kind in ("log", "eval"):
            items = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in event.data.items()
                             if k != "time")
            print(items, flush=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
