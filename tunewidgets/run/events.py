"""Events a run emits; the UI and the CLI subscribe instead of being called.

Training code never prints into a notebook or touches a widget: it emits. The kinds and their
payloads are defined once in ``states.py``. A subscriber that raises never breaks training: its
traceback goes to ``on_error`` (the run's train.log) and to ``errors``, and it keeps receiving
events. A late subscriber can ask for a replay of what it missed.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from .states import ENDING_KINDS, KINDS, EventKind


@dataclass
class Event:
    """One thing that happened in a run: ``kind`` (see states.KINDS) and its payload (states.PAYLOADS)."""

    kind: EventKind
    data: dict[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.time)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


Subscriber = Callable[[Event], None]
_KEPT = ("started", "log", "eval", "checkpoint", *ENDING_KINDS)  # what a replay gives (plus the last progress)


class EventBus:
    """A thread-safe list of subscribers, and the run's story so far for the ones that come late."""

    def __init__(self, on_error: Callable[[str], None] | None = None) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.RLock()  # held while delivering, so a replay and new events never interleave
        self._history: list[Event] = []
        self._progress: Event | None = None
        self.errors: list[str] = []
        self.on_error = on_error

    def subscribe(self, fn: Subscriber, replay: bool = False) -> Callable[[], None]:
        """Call ``fn(event)`` for every event; with ``replay`` first for what already happened (the start,
        every metrics record, the latest progress, the end). Returns a function that unsubscribes."""
        with self._lock:
            if replay:
                story = [e for e in self._history if e.kind not in ENDING_KINDS]
                story += [e for e in (self._progress,) if e is not None]
                story += [e for e in self._history if e.kind in ENDING_KINDS]
                for event in story:
                    self._deliver(fn, event)
            self._subscribers.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subscribers:
                    self._subscribers.remove(fn)

        return unsubscribe

    def emit(self, kind: EventKind, **data: Any) -> Event:
        if kind not in KINDS:
            raise ValueError(f"unknown event kind {kind!r}; kinds: {', '.join(KINDS)}")
        event = Event(kind, data)
        with self._lock:
            if kind == "progress":
                self._progress = event
            elif kind in _KEPT:
                self._history.append(event)
            for fn in list(self._subscribers):
                self._deliver(fn, event)
        return event

    def _deliver(self, fn: Subscriber, event: Event) -> None:
        try:
            fn(event)
        except Exception:  # noqa: BLE001 - a broken subscriber must never break training
            text = f"a subscriber of the run's events failed on a '{event.kind}' event:\n{traceback.format_exc()}"
            self.errors.append(text)
            if self.on_error is not None:
                try:
                    self.on_error(text)
                except Exception:  # noqa: BLE001 - the log itself is gone (a removed run directory)
                    pass
