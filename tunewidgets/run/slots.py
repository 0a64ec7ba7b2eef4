"""A server-wide limit on concurrent runs: the tabs of one dashboard (a kernel each) share N training slots.

``tunewidgets app --max-runs N`` (default: one per GPU, one on a machine without one) gives its kernels, and
the runs they start, ``TUNEWIDGETS_MAX_RUNS`` and ``TUNEWIDGETS_RUN_SLOTS`` (a folder). A run takes a slot
before it loads anything: an exclusive ``flock`` on ``slot-<i>``, which the operating system releases if the
process dies. When every slot is taken the run waits, saying which runs are ahead, and can be stopped while
it waits. Outside a served dashboard there is no limit.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Callable

MAX_ENV = "TUNEWIDGETS_MAX_RUNS"
DIR_ENV = "TUNEWIDGETS_RUN_SLOTS"


class Slot:
    """A held slot; release it when the run ends (the OS does if the process dies)."""

    def __init__(self, fd: int, path: Path):
        self.fd, self.path = fd, path

    def release(self) -> None:
        if self.fd < 0:
            return
        import fcntl

        try:
            self.path.with_suffix(".json").unlink(missing_ok=True)
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = -1


def limit() -> tuple[int, Path] | None:
    """(slots, folder) when runs on this server are limited, else None."""
    count, folder = os.environ.get(MAX_ENV, ""), os.environ.get(DIR_ENV, "")
    if not (count.isdigit() and int(count) > 0 and folder):
        return None
    return int(count), Path(folder)


def take(what: str, *, on_wait: Callable[[str], None], should_stop: Callable[[], bool],
         interval: float = 1.0, repeat: float = 30.0) -> Slot | None:
    """A slot for the run ``what`` (or None: no limit, or stopped while waiting). ``on_wait`` hears why it
    waits at once and every ``repeat`` seconds."""
    import fcntl

    configured = limit()
    if configured is None:
        return None
    count, folder = configured
    folder.mkdir(parents=True, exist_ok=True)
    said = 0.0
    while True:
        for index in range(count):
            path = folder / f"slot-{index}"
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            path.with_suffix(".json").write_text(json.dumps(
                {"run": what, "pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}))
            return Slot(fd, path)
        if should_stop():
            return None
        now = time.monotonic()
        if now - said >= repeat:
            said = now
            on_wait(f"waiting for a free training slot: this server trains {count} run{'s' * (count > 1)} at a "
                    f"time and {', '.join(holders(folder)) or 'another run'} {'is' if count == 1 else 'are'} "
                    "training; this run starts when one ends (Stop cancels it)")
        time.sleep(interval)


def holders(folder: Path) -> list[str]:
    """The runs that hold slots now, by name."""
    found = []
    for info in sorted(folder.glob("slot-*.json")):
        try:
            found.append(f"'{json.loads(info.read_text())['run']}'")
        except (OSError, ValueError, KeyError):
            continue
    return found
