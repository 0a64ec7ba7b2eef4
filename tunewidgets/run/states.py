"""The run vocabulary, defined once: the states a run passes through and the events it emits.

Every mode (thread, foreground, subprocess, an accelerate launch, a run re-attached from its
directory) uses these names; status.json's ``state`` is one of :data:`STATES` and every
:class:`~tunewidgets.run.events.Event` has one of :data:`KINDS` with the payload described here.
"""

from __future__ import annotations

from typing import Literal, TypedDict

RunState = Literal["pending", "running", "stopping", "stopped", "finished", "failed"]
PENDING: RunState = "pending"  # the directory is prepared; the model and data are loading
RUNNING: RunState = "running"
STOPPING: RunState = "stopping"  # Stop was asked: the run ends at the next optimizer step with a checkpoint
STOPPED: RunState = "stopped"
FINISHED: RunState = "finished"
FAILED: RunState = "failed"
STATES: tuple[RunState, ...] = (PENDING, RUNNING, STOPPING, STOPPED, FINISHED, FAILED)
ACTIVE_STATES: tuple[RunState, ...] = (PENDING, RUNNING, STOPPING)  # a process is (or should be) writing
FINAL_STATES: tuple[RunState, ...] = (STOPPED, FINISHED, FAILED)

EventKind = Literal["preparing", "started", "progress", "log", "eval", "checkpoint", "message", "finished",
                    "stopped", "failed"]
KINDS: tuple[EventKind, ...] = ("preparing", "started", "progress", "log", "eval", "checkpoint", "message",
                                "finished", "stopped", "failed")
ENDING_KINDS: tuple[EventKind, ...] = ("finished", "stopped", "failed")  # the last event of every run
METRIC_KINDS: tuple[EventKind, ...] = ("log", "eval")  # one metrics.jsonl record each


class Preparing(TypedDict):
    """A long data preparation before training (loading, tokenizing): what, and how many rows of how many."""

    what: str
    done: int
    total: int


class Started(TypedDict, total=False):
    """Training began (or resumed at ``step``)."""

    step: int
    max_steps: int
    epochs: float


class Progress(TypedDict, total=False):
    """An optimizer step: where the run is and how long it has left."""

    step: int
    max_steps: int
    epoch: float
    elapsed: float  # seconds since training began
    eta: float | None  # seconds left, once it can be estimated


class Metrics(TypedDict, total=False):
    """A ``log`` or ``eval`` record, as written to metrics.jsonl: ``step`` and ``epoch``, then ``loss``,
    ``learning_rate``, ``grad_norm`` (log) or ``eval_loss`` and ``eval_<score>`` (eval)."""

    step: int
    epoch: float
    loss: float
    learning_rate: float
    grad_norm: float
    eval_loss: float


class Checkpoint(TypedDict):
    """A checkpoint was written (atomically) at ``path``."""

    step: int
    path: str


class Message(TypedDict, total=False):
    """A line for the user: ``level`` info (default) or warning; ``waiting`` when the run waits before it
    can start (a served dashboard's training slots are all taken)."""

    text: str
    level: Literal["info", "warning"]
    waiting: bool


class Ended(TypedDict, total=False):
    """``finished`` or ``stopped``: where the run ended; ``path`` is the run directory (finished)."""

    step: int
    max_steps: int
    duration: float
    path: str


class Failed(TypedDict, total=False):
    """``failed``: a one-line ``message``; ``traceback`` when it was not a user-facing error."""

    message: str
    traceback: str | None


PAYLOADS: dict[EventKind, type] = {
    "preparing": Preparing, "started": Started, "progress": Progress, "log": Metrics, "eval": Metrics,
    "checkpoint": Checkpoint, "message": Message, "finished": Ended, "stopped": Ended, "failed": Failed,
}
