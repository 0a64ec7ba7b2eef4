"""Follow a run that another process trains, by reading its run directory.

Subprocess runs (one process or an accelerate launch) and re-attached runs
emit the same events as a thread run: new metrics.jsonl lines become log/eval
events, status.json becomes progress and the final event. A writer whose
process is gone (killed, crashed) ends the run as failed in every mode:
``RunDirectory.status`` says so for a process on this machine, and a child
process that exits without a final state is caught here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from .events import EventBus
from .rundir import RunDirectory
from .states import FAILED, FINAL_STATES, PENDING, STATES

POLL_SECONDS = 0.25
EXIT_GRACE = 60.0  # seconds a finished run's process may take to exit before its end is reported anyway


class Follower:
    """Tails metrics.jsonl and status.json and emits events until the run ends."""

    def __init__(self, rundir: RunDirectory, bus: EventBus, process: subprocess.Popen | None = None,
                 on_end: Callable[[dict], None] | None = None):
        self.rundir = rundir
        self.bus = bus
        self.process = process
        self.on_end = on_end
        self._offset = 0
        self._last_step = None
        self._started = False
        self._final_seen: float | None = None
        self._detached = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tunewidgets-follow", daemon=True)

    def start(self) -> "Follower":
        self._thread.start()
        return self

    def detach(self) -> None:
        """Stop following (the run goes on, unwatched)."""
        self._detached.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def read_new_metrics(self) -> list[dict]:
        """Complete lines appended since the last call."""
        path = self.rundir.metrics_path
        if not path.exists():
            return []
        with open(path, encoding="utf-8") as fh:
            fh.seek(self._offset)
            chunk = fh.read()
        complete = chunk[: chunk.rfind("\n") + 1] if "\n" in chunk else ""
        self._offset += len(complete.encode("utf-8"))
        records = []
        for line in complete.splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return records

    def poll(self) -> dict | None:
        """Emit what changed; returns the status when the run has ended, else None."""
        status = self.rundir.status() or {}
        if not self._started and status.get("state") in STATES and status.get("state") != PENDING:
            self._started = True
            self.bus.emit("started", max_steps=status.get("max_steps", 0), step=status.get("step", 0))
        self._emit_metrics()
        step = status.get("step")
        if step is not None and step != self._last_step and status.get("max_steps"):
            self._last_step = step
            self.bus.emit("progress", step=step, max_steps=status["max_steps"], epoch=status.get("epoch", 0.0),
                          elapsed=status.get("elapsed", 0.0), eta=status.get("eta"))
        exited = self.process is not None and self.process.poll() is not None
        if status.get("state") in FINAL_STATES:
            # the run's end is written before its process (a launch: every rank) has exited and let go of the
            # run directory: report it once the process is gone, so Resume right after it finds it free
            if self.process is None or exited:
                return status
            self._final_seen = self._final_seen or time.monotonic()
            return status if time.monotonic() - self._final_seen > EXIT_GRACE else None
        if exited:  # the process ended without writing a final state
            code = self.process.returncode
            return {**status, "state": FAILED,
                    "error": status.get("error") or f"the training process exited with code {code}"}
        return None

    def _loop(self) -> None:
        while not self._detached.is_set():
            final = self.poll()
            if final is not None:
                self.end(final)
                return
            self._detached.wait(POLL_SECONDS)

    def end(self, final: dict) -> None:
        """The last metrics lines, then the end."""
        self._emit_metrics()
        if self.on_end:
            self.on_end(final)

    def _emit_metrics(self) -> None:
        for record in self.read_new_metrics():
            kind = "eval" if any(k.startswith("eval_") for k in record) else "log"
            self.bus.emit(kind, **record)


def spawn_training(config_path: Path, workdir: Path, *, resume: bool, overwrite: bool, num_processes: int,
                   env: dict, tied: bool = False) -> subprocess.Popen:
    """Start ``tunewidgets train`` in its own process group (so Stop can signal every rank); ``tied``: it stops
    when this process dies (a sweep's trial; an app's run goes on, to be re-attached)."""
    if tied:
        from .tether import tie_env

        env = tie_env(env)
    command = [sys.executable, "-m", "tunewidgets", "train", str(config_path), "--workdir", str(workdir), "--quiet"]
    if resume:
        command.append("--resume")
    if overwrite:
        command.append("--overwrite")
    if num_processes > 1:
        command += ["--num-processes", str(num_processes)]
    log = open(Path(workdir) / f".{Path(config_path).stem}.out", "ab")
    return subprocess.Popen(command, cwd=str(workdir), env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def signal_stop(process: subprocess.Popen) -> None:
    """A graceful stop: SIGINT to the whole group; every rank checkpoints and ends as stopped."""
    try:
        os.killpg(os.getpgid(process.pid), signal.SIGINT)
    except ProcessLookupError:
        pass
