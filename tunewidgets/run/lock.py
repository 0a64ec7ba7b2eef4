"""One live run per run directory: a lock file beside it, naming the process that writes it.

A second ``tunewidgets train`` (even with ``--overwrite``), a Train click or a sweep trial aimed at a
directory a live run writes is refused, naming that run (pid, host). The lock lives next to the run
directory (``.<name>.lock``), so overwriting the directory cannot remove it; it is created atomically
(O_EXCL). A lock whose process is gone from this machine (killed, crashed) is stale and is taken over
with a note; one held on another host is only ever removed by hand.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from ..errors import RunDirectoryError


def lock_path(run_dir: str | Path) -> Path:
    run_dir = Path(run_dir)
    return run_dir.parent / f".{run_dir.name}.lock"


def holder(run_dir: str | Path) -> dict | None:
    """Who holds ``run_dir``'s lock (pid, host, started), or None when nobody live does."""
    path = lock_path(run_dir)
    try:
        owner = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return None if _stale(owner) else owner


def describe(owner: dict) -> str:
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(owner.get("started", 0)))
    return f"pid {owner.get('pid')} on {owner.get('host')}, since {started}"


class RunLock:
    """Held while a run writes its directory; a context manager, and safe to release twice."""

    def __init__(self, run_dir: str | Path):
        self.run_dir = Path(run_dir)
        self.path = lock_path(run_dir)
        self.note: str | None = None  # set when a stale lock was taken over
        self.held = False

    def acquire(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(),
                             "run_dir": str(self.run_dir)})
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    owner = json.loads(self.path.read_text(encoding="utf-8"))
                except (FileNotFoundError, ValueError):
                    owner = {}
                if owner and not _stale(owner):
                    raise RunDirectoryError(
                        f"run directory '{self.run_dir}' is being written by a live run ({describe(owner)}): wait "
                        "for it, stop it, or choose another project_name"
                        + ("" if owner.get("host") == socket.gethostname() else
                           f"; if that run is gone, remove {self.path}")) from None
                self.note = (f"took over a stale lock on '{self.run_dir}' left by {describe(owner)}"
                             if owner else f"took over an unreadable lock on '{self.run_dir}'")
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(record)
            self.held = True
            return self
        raise RunDirectoryError(f"could not lock run directory '{self.run_dir}': another run took it just now")

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        try:
            owner = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return
        if owner.get("pid") == os.getpid() and owner.get("host") == socket.gethostname():
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _stale(owner: dict) -> bool:
    """A lock from this machine whose process is gone."""
    if owner.get("host") != socket.gethostname():
        return False
    try:
        os.kill(int(owner.get("pid")), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, TypeError, ValueError):
        return False
    return False
