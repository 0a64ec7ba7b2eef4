"""Progress of a long data preparation (loading, tokenizing), for the app and the CLI instead of a silent wait.

datasets reports its work through its own tqdm class; while a run builds its job, that class is swapped
for one that also tells the run (``preparing`` events: what, how many rows done, of how many), at most
twice a second. Only the thread that builds the job is heard: another run's preparation in the same
process reports to its own run. Outside a run the swapped class behaves as datasets' own.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Callable

Reporter = Callable[[str, int, int], None]  # (what, done, total)
_REPORTERS: dict[int, Reporter] = {}
_INSTALLED = False
_LOCK = threading.Lock()
INTERVAL = 0.5


def _tqdm_class():
    from datasets.utils.tqdm import tqdm

    class ReportingTqdm(tqdm):
        """datasets' progress bar, also reporting to the run that prepares data in this thread."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._report = _REPORTERS.get(threading.get_ident())
            self._done = int(kwargs.get("initial") or 0)
            self._total = int(kwargs.get("total") or 0)
            self._what = str(kwargs.get("desc") or "preparing data")
            self._said = 0.0

        def update(self, n=1):
            result = super().update(n)
            self._done += int(n or 0)
            now = time.monotonic()
            if self._report is not None and now - self._said >= INTERVAL:
                self._said = now
                self._tell()
            return result

        def close(self):
            if self._report is not None and self._total:
                self._tell()
            super().close()

        def _tell(self):
            try:
                self._report(self._what, self._done, self._total)
            except Exception:  # noqa: BLE001 - a report must never break the preparation
                pass

    return ReportingTqdm


def _install() -> None:
    """Swap datasets' progress class where its maps and builders use it (once per process)."""
    global _INSTALLED
    with _LOCK:
        if _INSTALLED:
            return
        import datasets.arrow_dataset
        import datasets.builder

        cls = _tqdm_class()
        datasets.arrow_dataset.hf_tqdm = cls
        datasets.builder.hf_tqdm = cls
        _INSTALLED = True


@contextmanager
def reporting(report: Reporter):
    """While the block runs, datasets' progress in this thread goes to ``report``."""
    try:
        _install()
    except Exception:  # noqa: BLE001 - a datasets without these names: no progress, nothing broken
        yield
        return
    key = threading.get_ident()
    _REPORTERS[key] = report
    try:
        yield
    finally:
        _REPORTERS.pop(key, None)
