"""The run directory: the facts every reader (UI, CLI, a re-attached notebook) shares.

config.yml (secrets as ${VAR}), status.json (written atomically), metrics.jsonl
(one complete JSON object per line, flushed as written), train.log, checkpoints.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

from ..errors import RunDirectoryError
from .states import ACTIVE_STATES, STATES

_WRITES = itertools.count()
_CHECKPOINT_RE = re.compile(r"^checkpoint-(\d+)$")


def _clean(value: Any) -> Any:
    """JSON has no NaN: write it as a string so every line stays valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


class RunDirectory:
    """Read and write one run's directory."""

    def __init__(self, path: str | os.PathLike, redact: list[str] | None = None, writer: bool = True):
        self.path = Path(path)
        self._redact = [s for s in (redact or []) if s]
        self.created = False
        self.writer = writer  # False on every rank but 0: the facts are written once

    # --- paths
    @property
    def config_path(self) -> Path:
        return self.path / "config.yml"

    @property
    def status_path(self) -> Path:
        return self.path / "status.json"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.jsonl"

    @property
    def log_path(self) -> Path:
        return self.path / "train.log"

    # --- lifecycle
    def has_run(self) -> bool:
        return self.path.is_dir() and any(self.path.iterdir())

    def prepare(self, *, resume: bool = False, overwrite: bool = False) -> None:
        """Create the directory; refuse to write over an earlier run unless told."""
        if not self.writer:
            return
        if self.path.exists() and not self.path.is_dir():
            raise RunDirectoryError(f"run directory '{self.path}' is a file: choose another project_name")
        if self.has_run() and not resume:
            if not overwrite:
                raise RunDirectoryError(
                    f"run directory '{self.path}' already holds a run: resume it (--resume), "
                    "choose another project_name, or overwrite it (--overwrite)"
                )
            shutil.rmtree(self.path)
        self.created = not self.path.exists()
        self.path.mkdir(parents=True, exist_ok=True)

    def discard(self) -> None:
        """Remove a directory this run created but never trained in."""
        if self.created and self.path.is_dir():
            shutil.rmtree(self.path, ignore_errors=True)

    # --- writers
    def redact(self, text: str) -> str:
        for secret in self._redact:
            text = text.replace(secret, "***")
        return text

    def write_config_text(self, text: str) -> None:
        if not self.writer:
            return
        self._atomic_write(self.config_path, self.redact(text))

    def write_status(self, state: str, **fields: Any) -> dict:
        """Merge ``fields`` into status.json and set the state (atomic rename)."""
        if state not in STATES:
            raise ValueError(f"unknown state {state}")
        if not self.writer:
            return {}
        status = self.read_status() or {}
        status.update({k: _clean(v) for k, v in fields.items()})
        status["state"] = state
        status["updated"] = time.time()
        self._atomic_write(self.status_path, self.redact(json.dumps(status, indent=2)))
        return status

    def update_status(self, **fields: Any) -> None:
        """Merge progress fields into status.json, keeping the state."""
        if not self.writer:
            return
        status = self.read_status() or {}
        status.update({k: _clean(v) for k, v in fields.items()})
        self._atomic_write(self.status_path, self.redact(json.dumps(status, indent=2)))

    def append_metrics(self, record: dict) -> None:
        if not self.writer:
            return
        line = json.dumps({k: _clean(v) for k, v in record.items()})
        with open(self.metrics_path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()

    def log(self, line: str) -> None:
        if not self.writer:
            return
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(f"{stamp} {self.redact(line.rstrip())}\n")

    def _atomic_write(self, path: Path, text: str) -> None:
        # A unique name per write: a signal handler or another thread may write while this one does.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.{next(_WRITES)}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)

    # --- readers
    def read_status(self) -> dict | None:
        try:
            return json.loads(self.status_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def status(self) -> dict | None:
        """status.json as the reader should believe it.

        A run that says it is active but whose writer is gone from this machine
        (``kill -9``, a crash, a closed kernel) is reported as failed: every reader
        (the app, a re-attached run, a subprocess follower, Resume) asks here.
        """
        status = self.read_status()
        if not status or status.get("state") not in ACTIVE_STATES:
            return status
        pid, host = status.get("pid"), status.get("host")
        if pid and host in (None, socket.gethostname()) and not _alive(int(pid)):
            status = dict(status)
            status["state"] = "failed"
            status["error"] = (
                f"the training process (pid {pid}) ended without finishing (killed or crashed): "
                "resume from the last checkpoint"
            )
        return status

    def read_metrics(self) -> list[dict]:
        """Every complete line of metrics.jsonl (a torn last line is skipped)."""
        if not self.metrics_path.exists():
            return []
        records = []
        with open(self.metrics_path, encoding="utf-8") as fh:
            for line in fh:
                if not line.endswith("\n"):
                    break
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return records

    def checkpoints(self) -> list[Path]:
        """Checkpoint folders, oldest step first."""
        if not self.path.is_dir():
            return []
        found = []
        for child in self.path.iterdir():
            match = _CHECKPOINT_RE.match(child.name)
            if match and child.is_dir():
                found.append((int(match.group(1)), child))
        return [p for _, p in sorted(found)]

    def last_checkpoint(self) -> Path | None:
        found = self.checkpoints()
        return found[-1] if found else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
