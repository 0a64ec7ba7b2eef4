"""Events a run emits; the UI and the CLI subscribe instead of being called.

Training code never prints into a notebook or touches a widget: it emits.
A subscriber that raises is reported in the log and dropped from nothing else.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

KINDS = ("started", "progress", "log", "eval", "checkpoint", "finished", "stopped", "failed", "message")


@dataclass
class Event:
    """One thing that happened in a run."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.time)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


Subscriber = Callable[[Event], None]


class EventBus:
    """A thread-safe list of subscribers."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self.errors: list[str] = []

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Call ``fn(event)`` for every event; returns a function that unsubscribes."""
        with self._lock:
            self._subscribers.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subscribers:
                    self._subscribers.remove(fn)

        return unsubscribe

    def emit(self, kind: str, **data: Any) -> Event:
        event = Event(kind, data)
        with self._lock:
            subscribers = list(self._subscribers)
        for fn in subscribers:
            try:
                fn(event)
            except Exception:  # a broken subscriber must never break training
                self.errors.append(traceback.format_exc())
        return event
