"""The Run: one training job, and the one way to watch it, whatever trains it.

Modes: ``thread`` (the app: a background thread in the kernel), ``foreground`` (the CLI),
``subprocess`` (a child ``tunewidgets train``, or an accelerate launch of several processes,
followed through its run directory) and ``attached`` (a run directory another process writes
or wrote: ``Run.attach``). Every mode emits the same events (``states.py``) on the run's bus,
so the app subscribes once whichever it is; every run writes the same run directory. Stop is
cooperative: the run stops at the next optimizer step and a checkpoint is saved.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable

from ..config.loader import dump_config, load_config
from ..config.run_config import RunConfig
from ..errors import TunewidgetsError, disk_full
from . import slots
from .events import Event, EventBus
from .rundir import RunDirectory
from .states import ACTIVE_STATES, FAILED, FINAL_STATES, FINISHED, PENDING, RUNNING, STOPPED, STOPPING, RunState


class Run:
    """A training run you can watch, stop, wait for, and take the model from.

    ``Run(config, data=df).start()`` trains in a background thread; ``.run()``
    trains in the calling thread. ``config`` is a RunConfig, a dict or a YAML path.
    """

    def __init__(
        self,
        config: RunConfig | dict | str | Path,
        *,
        data: Any = None,
        valid_data: Any = None,
        overrides: list[str] | dict | None = None,
        workdir: str | Path | None = None,
        overwrite: bool = False,
        resume: bool | str | None = None,
        mode: str = "thread",
        launched: bool = False,
        tied: bool = False,
    ):
        self.config: RunConfig = load_config(config, overrides)
        base = Path(workdir) if workdir else Path.cwd()
        if data is not None and mode != "attached":
            from ..data.snapshot import split_parts

            data, valid_data = split_parts(data, valid_data, self.config.data.train_split, self.config.data.valid_split)
            self.config = _with_snapshot(self.config, data, valid_data, base)
        if resume:
            self.config = self.config.model_copy(
                update={"params": self.config.params.model_copy(
                    update={"resume_from_checkpoint": resume if isinstance(resume, str) else "auto"})}
            )
        # a thread trains on the objects themselves; another process reads the copy config.yml names
        self.train_data = data if mode != "subprocess" else None
        self.valid_data = valid_data if mode != "subprocess" else None
        self.mode = mode
        self.tied = tied  # subprocess mode: the child stops when this process dies (a sweep's trial)
        self.overwrite = overwrite
        token = self.config.hub_token
        from .launch import is_main_process

        self.launched = launched  # a rank of an accelerate launch: the directory is already prepared
        self.rundir = RunDirectory(base / self.config.project_name, redact=[token] if token else None,
                                   writer=is_main_process())
        self.bus = EventBus(on_error=self._subscriber_failed)
        self.state: RunState = PENDING
        self.error: str | None = None
        self.traceback: str | None = None
        self.input_error = False  # True when bad input was found before training began
        self.model = None
        self.tokenizer = None
        self.trainer = None
        self._callback = None
        self._stop_requested = False
        self._thread: threading.Thread | None = None
        self._follower = None
        self._process = None
        self._done = threading.Event()
        self._metrics: list[dict] = []
        self.bus.subscribe(self._remember)

    # --- public API
    @property
    def run_dir(self) -> Path:
        return self.rundir.path

    @property
    def status(self) -> str:
        return self.state

    @property
    def metrics(self) -> list[dict]:
        """Logged metrics so far (one dict per log or eval event)."""
        return list(self._metrics)

    def metrics_frame(self):
        import pandas as pd

        return pd.DataFrame(self._metrics)

    def subscribe(self, fn: Callable[[Event], None], replay: bool = False) -> Callable[[], None]:
        """Call ``fn(event)`` for every event of this run (see states.py for the kinds and their payloads);
        ``replay`` first delivers what already happened, so a late subscriber sees the whole run."""
        return self.bus.subscribe(fn, replay=replay)

    @property
    def active(self) -> bool:
        """Training now (here, in a child process, or in the process an attached run follows)."""
        return self.state in ACTIVE_STATES and not self.done

    def start(self) -> "Run":
        """Train in a background thread (or a subprocess with mode="subprocess"); returns at once."""
        if self._thread is not None or self._follower is not None:
            raise RuntimeError("this run has already been started")
        if self.mode == "attached":
            raise RuntimeError("an attached run is trained by another process: Resume it with a new Run")
        if self.mode == "subprocess":
            return self._start_subprocess()
        self._thread = threading.Thread(target=self._execute, name=f"tunewidgets-{self.config.project_name}",
                                        daemon=True)
        self._thread.start()
        return self

    def run(self) -> "Run":
        """Train in the calling thread (the CLI's foreground mode)."""
        self._execute()
        return self

    def stop(self) -> None:
        """Ask the run to stop at the next optimizer step, saving a checkpoint (an attached run: its
        process on this machine is asked, as Ctrl-C would)."""
        if self.state in FINAL_STATES or self._stop_requested:
            return
        self._stop_requested = True
        if self._process is not None:
            from .follow import signal_stop

            signal_stop(self._process)
        elif self.mode == "attached":
            self._signal_writer()
        if self._callback is not None:
            self._callback.request_stop()
        if self.state == RUNNING:
            self.state = STOPPING
            if self.mode != "attached":
                self._write_status(STOPPING)
        self.bus.emit("message", text="stopping at the next step, saving a checkpoint")

    def wait(self, timeout: float | None = None) -> str:
        """Block until the run ends (or the timeout passes); returns the state."""
        self._done.wait(timeout)
        return self.state

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @classmethod
    def attach(cls, run_dir: str | Path) -> "Run":
        """A Run for an existing run directory: its curves and state, followed live while another process
        trains it (a writer whose process is gone reads as failed). Its story so far is on the bus at once:
        ``subscribe(fn, replay=True)`` sees it all."""
        from .follow import Follower

        run_dir = Path(run_dir)
        rundir = RunDirectory(run_dir, writer=False)
        if not rundir.config_path.is_file():
            raise TunewidgetsError(f"no run in '{run_dir}': a run directory holds config.yml, status.json and "
                                   "metrics.jsonl")
        run = cls(str(rundir.config_path), workdir=run_dir.parent, mode="attached")
        run.rundir = rundir
        status = rundir.status() or {}
        run.state = status.get("state", PENDING)
        run.error = status.get("error")
        run._follower = Follower(rundir, run.bus, on_end=run._on_followed_end)
        final = run._follower.poll()  # what is there now, before anyone subscribes
        if final is not None:
            run._follower.end(final)
        else:
            run._follower.start()
        return run

    def detach(self) -> None:
        """Stop following an attached or subprocess run (it goes on training where it is)."""
        if self._follower is not None:
            self._follower.detach()

    def load_model(self):
        """The trained model and tokenizer (or image processor) from the run directory, with the class the task
        trains (for subprocess or attached runs); tabular gives (pipeline, info)."""
        from .saved import load_saved

        if self.model is None or self.tokenizer is None:
            self.model, self.tokenizer = load_saved(self.rundir.path, self.config.task)
        return self.model, self.tokenizer

    # --- internals
    def _start_subprocess(self) -> "Run":
        """Train with ``tunewidgets train`` in a child process and follow its run directory."""
        from ..config.loader import dump_config
        from .follow import Follower, spawn_training

        workdir = self.rundir.path.parents[len(Path(self.config.project_name).parts) - 1]  # a/b: two up
        workdir.mkdir(parents=True, exist_ok=True)
        config_path = workdir / f".{self.config.project_name.replace('/', '_')}.yml"
        dump_config(self.config, config_path)
        env = dict(os.environ)
        if self.config.hub_token:
            env["HF_TOKEN"] = self.config.hub_token
        resume = bool(self.config.params.resume_from_checkpoint)
        from .launch import check_launchable, needs_launch
        from .lock import describe, holder

        if needs_launch(self.config):
            check_launchable(self.config)  # refused here, not in a child the app would only see fail
        owner = holder(self.rundir.path)
        if owner is not None:
            from ..errors import RunDirectoryError

            raise RunDirectoryError(f"run directory '{self.rundir.path}' is being written by a live run "
                                    f"({describe(owner)}): wait for it, stop it, or choose another project_name")
        if self.rundir.has_run() and not resume and not self.overwrite:
            from ..errors import RunDirectoryError

            raise RunDirectoryError(
                f"run directory '{self.rundir.path}' already holds a run: resume it, choose another project_name, "
                "or overwrite it"
            )
        # The follower reads the directory at once, before the child writes to it: an overwritten run's files
        # go now, and a fresh "pending" hides a resumed run's old final state, or the follower would report that
        # old state as this run's end (and stop() would then never reach the child).
        if self.rundir.has_run():
            if resume:
                self.rundir.write_status(PENDING, pid=os.getpid(), mode=self.mode, created=time.time())
            else:
                self.rundir.prepare(overwrite=True)
        self._process = spawn_training(config_path, workdir, resume=resume, overwrite=self.overwrite,
                                       num_processes=getattr(self.config.params, "num_processes", 1), env=env,
                                       tied=self.tied)
        self.state = RUNNING
        self._follower = Follower(self.rundir, self.bus, process=self._process, on_end=self._on_followed_end)
        self._follower.start()
        return self

    def _on_followed_end(self, status: dict) -> None:
        self.state = status.get("state", FAILED)
        self.error = status.get("error")
        summary = {k: status.get(k) for k in ("step", "max_steps", "duration") if k in status}
        if self.state == FAILED:
            self.bus.emit("failed", message=self.error, traceback=status.get("traceback"), **summary)
        else:
            self.bus.emit(self.state, **summary, path=str(self.rundir.path))
        self._done.set()

    def _remember(self, event: Event) -> None:
        if event.kind in ("log", "eval"):
            self._metrics.append(dict(event.data))

    def _subscriber_failed(self, text: str) -> None:
        """A subscriber's traceback goes to the run's log (the writer's; else Python's logging)."""
        if self.rundir.writer and self.mode != "attached" and self.rundir.log_path.parent.is_dir():
            self.rundir.log(text)
        else:
            logging.getLogger("tunewidgets").warning(text)

    def _signal_writer(self) -> None:
        """Ctrl-C for the process an attached run follows, when it runs on this machine."""
        import signal

        status = self.rundir.status() or {}
        pid = status.get("pid")
        if not pid or status.get("host") not in (None, socket.gethostname()) or int(pid) == os.getpid():
            self.bus.emit("message", text="this run is trained elsewhere: stop it where it runs", level="warning")
            return
        try:
            os.kill(int(pid), signal.SIGINT)
        except (ProcessLookupError, PermissionError) as exc:
            self.bus.emit("message", text=f"could not stop process {pid}: {exc}", level="warning")

    def _write_status(self, state: str, **fields: Any) -> None:
        if self.rundir.path.is_dir():
            self.rundir.write_status(state, **fields)

    def _execute(self) -> None:
        from .lock import RunLock

        started = time.time()
        trained = False
        log_handler = None
        lock = RunLock(self.rundir.path) if self.rundir.writer and not self.launched else None  # a launch locks once
        slot = None
        try:
            if lock is not None:
                lock.acquire()  # before anything touches the directory: one live run per run directory
            self._check_resume_target()
            self.rundir.prepare(resume=bool(self.config.params.resume_from_checkpoint) or self.launched,
                                overwrite=self.overwrite and not self.launched)
            self.rundir.write_config_text(dump_config(self.config))
            self._write_status(PENDING, pid=os.getpid(), host=socket.gethostname(), mode=self.mode, created=started,
                               task=self.config.task)
            if lock is not None and lock.note:
                self.rundir.log(f"note: {lock.note}")
                self.bus.emit("message", text=lock.note)
            if not self.launched:
                slot = self._take_slot()
                if slot is None and slots.limit() is not None:  # stopped while it waited for a slot
                    self.state = STOPPED
                    self._write_status(STOPPED, step=0, ended=time.time())
                    self.bus.emit("stopped", step=0, max_steps=0, duration=time.time() - started)
                    return
            log_handler = self._attach_log_file()
            job = self._build_job()
            examples = "streamed data" if self.config.data.streaming else f"{job.num_train_examples} training examples"
            self.rundir.log(f"device {self._device.describe()}; {examples}"
                            + (f", {job.num_valid_examples} validation examples" if job.num_valid_examples else ""))
            self.state = STOPPING if self._stop_requested else RUNNING
            self._write_status(self.state, started=time.time())
            trained = True
            resume = self._resume_checkpoint()
            job.trainer.train(resume_from_checkpoint=resume)
            self._finish(job, started)
        except BaseException as exc:  # noqa: BLE001 - every failure must be recorded, even KeyboardInterrupt
            self._fail(exc, started, trained)
            if not isinstance(exc, Exception):
                raise
        finally:
            if log_handler is not None:
                for name in ("transformers", "trl", "peft", "datasets"):
                    logging.getLogger(name).removeHandler(log_handler)
                log_handler.close()  # one open train.log per run would pile up in a long notebook session
            if slot is not None:
                slot.release()
            if lock is not None:
                lock.release()
            self._done.set()

    def _take_slot(self):
        """One of the server's training slots (a served dashboard limits concurrent runs), waiting with a
        message while they are all taken; None without a limit or when stopped while waiting."""
        def waiting(text: str) -> None:
            self.rundir.log(text)
            self.bus.emit("message", text=text, waiting=True)

        return slots.take(self.config.project_name, on_wait=waiting, should_stop=lambda: self._stop_requested)

    def _check_resume_target(self) -> None:
        target = self.config.params.resume_from_checkpoint
        if target and target != "auto" and not Path(target).is_dir():
            raise TunewidgetsError(f"params.resume_from_checkpoint: checkpoint '{target}' does not exist")

    def _resume_checkpoint(self) -> str | None:
        target = self.config.params.resume_from_checkpoint
        if not target:
            return None
        if target == "auto":
            last = self.rundir.last_checkpoint()
            if last is None:
                self.rundir.log("resume asked but no checkpoint found: starting from the beginning")
                return None
            self.rundir.log(f"resuming from {last.name}")
            return str(last)
        return target

    def _build_job(self):
        from ..device import apply_threads, resolve_device
        from ..tasks.base import TaskContext
        from .callbacks import RunCallback, remove_console_callbacks
        from .checkpoints import clean_staging, make_checkpoints_atomic
        from .data_cache import watch_reuse
        from .data_progress import reporting

        build = self.config.task_info.build
        _quiet_libraries()
        params = self.config.params
        self._device = resolve_device(getattr(params, "mixed_precision", None))
        apply_threads(self._device)
        for warning in self._device.warnings:
            self.rundir.log(f"warning: {warning}")
            self.bus.emit("message", text=warning, level="warning")
        self._callback = RunCallback(self.rundir, self.bus, stop_on_nan=getattr(params, "stop_on_nan", True))
        if self._stop_requested:
            self._callback.request_stop()
        ctx = TaskContext(
            config=self.config,
            run_dir=self.rundir.path,
            device=self._device,
            callbacks=[self._callback],
            train_data=self.train_data,
            valid_data=self.valid_data,
            log=self.rundir.log,
            quiet=True,
            threaded=self.mode == "thread",
        )
        def preparing(what: str, done: int, total: int) -> None:
            self.bus.emit("preparing", what=what, done=done, total=total)

        _seed(getattr(params, "seed", None))  # a new head or adapter starts the same every run of a config
        with watch_reuse() as reuse, reporting(preparing):
            job = build(ctx)
        if reuse.describe():
            self.rundir.log(reuse.describe())
            self.bus.emit("message", text=reuse.describe())
        remove_console_callbacks(job.trainer)
        if self.rundir.writer:  # rank 0 alone touches shared folders
            clean_staging(self.rundir.path)
        make_checkpoints_atomic(job.trainer, log=self.rundir.log, check_finite=getattr(params, "stop_on_nan", True))
        self.trainer, self.model, self.tokenizer = job.trainer, job.model, job.tokenizer
        return job

    def _finish(self, job, started: float) -> None:
        callback = self._callback
        state_obj = job.trainer.state
        summary = {"step": state_obj.global_step, "max_steps": state_obj.max_steps, "ended": time.time(),
                   "duration": time.time() - started, "model_step": _model_step(job.trainer), **callback.summary}
        if callback.nan_message:
            raise _NaNLossError(callback.nan_message)
        if self._stopped(job.trainer):
            self._ensure_checkpoint(job)
            self.state = STOPPED
            self._write_status(STOPPED, **summary)
            self.rundir.log(f"stopped at step {state_obj.global_step}; checkpoint kept for resume")
            self.bus.emit("stopped", **summary)
            _wait_for_every_rank(job.trainer)  # a stopped rank exits non-zero: the launcher then ends the others
            return
        from .checkpoints import gather_for_final_save, rank_barrier, save_final

        gather_for_final_save(job.trainer)
        save_final(job.save, self.rundir.path, writer=self.rundir.writer, barrier=rank_barrier(job.trainer))
        self.model = job.trainer.model
        from ..run.model_card import write_model_card

        if self.rundir.writer:
            write_model_card(self.rundir.path, self.config, self._metrics)
            if self.config.hub.push_to_hub:
                summary.update(self._push())
        self.state = FINISHED
        self._write_status(FINISHED, **summary)
        self.rundir.log(f"finished at step {state_obj.global_step}; model saved in {self.rundir.path}")
        self.bus.emit("finished", **summary, path=str(self.rundir.path))

    def _push(self) -> dict:
        """Push to the Hub; a failure is a warning (the model is saved locally), not a failed run."""
        from .hub import push_run

        try:
            url = push_run(self.config, self.rundir.path)
        except RuntimeError as exc:
            self.rundir.log(f"warning: {exc}")
            self.bus.emit("message", text=str(exc), level="warning")
            return {"push_error": str(exc)}
        self.rundir.log(f"pushed to {url}")
        self.bus.emit("message", text=f"pushed to {url}")
        return {"pushed_to": url}

    def _stopped(self, trainer) -> bool:
        """Whether the run was stopped, the same answer on every rank (a stop may reach one rank only, or
        arrive after the last step's check): the ranks then checkpoint, or save the model, together."""
        from .callbacks import any_rank

        asked = self._stop_requested or bool(self._callback and self._callback.stop_requested)
        if getattr(trainer.args, "world_size", 1) <= 1:
            return asked
        return any_rank(asked, trainer.args.device)

    def _ensure_checkpoint(self, job) -> None:
        """A stop always leaves a checkpoint of the last step."""
        step = job.trainer.state.global_step
        if step > 0 and not (self.rundir.path / f"checkpoint-{step}").is_dir():
            job.trainer._save_checkpoint(job.trainer.model, trial=None)

    def _fail(self, exc: BaseException, started: float, trained: bool) -> None:
        self.state = FAILED
        if isinstance(exc, KeyboardInterrupt):
            self.error = "interrupted"
        elif isinstance(exc, TunewidgetsError):
            self.error = str(exc)
        elif disk_full(exc, self.rundir.path if self.rundir.path.is_dir() else None):
            where = getattr(exc, "filename", None) or self.rundir.path
            self.error = (f"the disk is full: writing {where} failed; free space there, then resume (--resume) to "
                          "continue from the last checkpoint")
        else:
            self.error = f"{type(exc).__name__}: {exc}"
        self.traceback = None if isinstance(exc, TunewidgetsError) else traceback.format_exc()
        if self.launched:  # the launcher reports the rank that failed first, whichever it is
            from .launch import record_rank_failure

            record_rank_failure(self.error)
        if not trained and isinstance(exc, TunewidgetsError) and not isinstance(exc, _NaNLossError):
            # Found before training: leave no half-written run directory behind.
            self.input_error = True
            self.rundir.discard()
        elif self.rundir.path.is_dir():
            step = self.trainer.state.global_step if self.trainer is not None else 0
            try:
                self.rundir.write_status(FAILED, error=self.error, traceback=self.traceback, step=step,
                                         ended=time.time(), duration=time.time() - started)
                self.rundir.log(f"failed: {self.error}")
                if self.traceback:
                    self.rundir.log(self.traceback)
            except OSError as write_error:  # a disk so full that not even status.json fits: say it here
                print(f"tunewidgets: {self.error} (and status.json could not be written: {write_error})",
                      file=sys.stderr)
        self.bus.emit("failed", message=self.error, traceback=self.traceback)

    def _attach_log_file(self):
        handler = logging.FileHandler(self.rundir.log_path, encoding="utf-8")
        handler.setLevel(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
        redact = self.rundir.redact

        class _Redact(logging.Filter):
            def filter(self, record: logging.LogRecord) -> bool:
                record.msg = redact(str(record.getMessage()))
                record.args = ()
                return True

        handler.addFilter(_Redact())
        for name in ("transformers", "trl", "peft", "datasets"):
            logging.getLogger(name).addHandler(handler)
        return handler


def _quiet_libraries() -> None:
    """No library progress bars: in a thread they would print into the notebook."""
    try:
        import datasets

        datasets.disable_progress_bars()
    except ImportError:  # pragma: no cover
        pass
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    # DeepSpeed, when installed, prints an accelerator warning on import: no printing into the notebook.
    logging.getLogger("DeepSpeed").setLevel(logging.ERROR)
    import torch

    if not torch.cuda.is_available():
        os.environ.setdefault("DS_ACCELERATOR", "cpu")


class _NaNLossError(TunewidgetsError):
    """The loss became NaN or infinite (raised after training stopped, so the checkpoint stays)."""

    exit_code = 1


def train(config: RunConfig | dict | str | Path, **kwargs: Any) -> Run:
    """Train in the foreground and return the finished Run (raises nothing: check ``run.status``)."""
    kwargs.setdefault("mode", "foreground")
    return Run(config, **kwargs).run()


def _seed(seed: int | None) -> None:
    """Seed Python, NumPy and torch before the model loads (the Trainer seeds only after): a run is then
    repeatable, and its ejected script trains the same."""
    if seed is None:
        return
    from transformers import set_seed

    set_seed(int(seed))


def _model_step(trainer) -> int:
    """The step whose model is the run's model: the last, unless the trainer keeps its best (a search that keeps
    its best pipeline, or ``load_best_model_at_end``). A sweep scores a trial by the metric at this step."""
    kept = getattr(trainer, "model_step", None)
    if kept:
        return int(kept)
    state = trainer.state
    if getattr(trainer.args, "load_best_model_at_end", False) and getattr(state, "best_global_step", None):
        return int(state.best_global_step)
    return int(state.global_step)


def _wait_for_every_rank(trainer) -> None:
    """Under a launch, no rank leaves before rank 0 has written the run's end (one process: no wait)."""
    from .checkpoints import rank_barrier

    barrier = rank_barrier(trainer)
    if barrier is not None:
        barrier()


def _with_snapshot(config: RunConfig, data: Any, valid_data: Any, workdir: Path) -> RunConfig:
    """In-memory data is written once under ``<workdir>/data`` (the app's Export names the same file), and
    the config points at it, so config.yml reruns headless in every mode; a thread run still trains on the
    objects themselves."""
    from ..data.snapshot import snapshot

    where = snapshot(data, workdir / "data", config.project_name.replace("/", "_"), valid=valid_data)
    return config.model_copy(update={"data": config.data.model_copy(update=where)})
