"""Re-attaching to a run directory: read it, follow it while another process writes it, load its model.

Only the run directory is read (status.json, metrics.jsonl, the saved model), so a run started by the
CLI, another notebook or an earlier session looks the same as one started here.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

from ..errors import TunewidgetsError
from ..run.rundir import RunDirectory

ACTIVE_STATES = ("pending", "running", "stopping")


def open_run(folder: Path) -> tuple[RunDirectory, dict, list[dict]]:
    """(the run directory, its status, its metrics), or a TunewidgetsError when ``folder`` holds no run."""
    rundir = RunDirectory(folder)
    status = rundir.read_status()
    if not folder.is_dir() or (status is None and not rundir.metrics_path.exists()):
        raise TunewidgetsError(f"no run in '{folder}': a run directory holds status.json and metrics.jsonl")
    return rundir, dict(status or {"state": "unknown"}), rundir.read_metrics()


def pid_alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, TypeError, ValueError):
        return False
    return True


def writer_gone(status: dict) -> bool:
    """An active state whose process no longer exists (a crash or a kill): nothing will update it."""
    pid = status.get("pid")
    return bool(status.get("state") in ACTIVE_STATES and pid and int(pid) != os.getpid() and not pid_alive(pid))


def follow(rundir: RunDirectory, *, on_records: Callable[[list[dict]], None], on_end: Callable[[dict, list], None],
           keep_going: Callable[[], bool], interval: Callable[[], float]) -> None:
    """Poll ``rundir`` until its state is final (or ``keep_going`` says stop); runs in a background thread."""
    seen = len(rundir.read_metrics())
    while keep_going():
        time.sleep(interval())
        records = rundir.read_metrics()
        status = rundir.read_status() or {}
        if len(records) > seen:
            on_records(records[seen:])
            seen = len(records)
        if status.get("state", "unknown") not in ACTIVE_STATES or writer_gone(status):
            on_end(status, records)
            return


def load_saved_model(folder: Path):
    """(model, tokenizer or processor) saved in a run directory for its task, or None when nothing was saved."""
    from ..run.saved import has_saved_model, load_saved

    if not has_saved_model(folder):
        return None
    return load_saved(folder)
