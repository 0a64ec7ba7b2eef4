"""A child training process that stops when the process that started it dies (a sweep's trial).

A sweep trains an isolated or several-process trial as a child ``tunewidgets train`` in a session of its own (so
Stop can signal every rank). Killed with ``kill -9`` or with its kernel, the sweep would leave that child training on
alone while the next start marks the trial failed and trains another beside it. The parent puts its pid in the
child's environment; the child asks Linux for a signal when the parent goes (``PR_SET_PDEATHSIG``) and turns the
first one into one SIGINT, the graceful stop: a checkpoint, then the end. (Linux sends it again as each of a dying
parent's threads takes the child over; two SIGINTs would abort.) Elsewhere nothing is tied.
"""

from __future__ import annotations

import os
import signal
import sys

TIE_ENV = "TUNEWIDGETS_TIED_TO"  # the parent's pid
_PR_SET_PDEATHSIG = 1
_PARENT_GONE = signal.SIGUSR2


def tie_env(env: dict) -> dict:
    """``env`` for a child that should stop with this process."""
    return {**env, TIE_ENV: str(os.getpid())}


def tie_to_parent() -> bool:
    """In the child: stop (SIGINT) when the parent named in the environment dies. The variable is taken out, so
    the ranks this process launches are not tied to it. Call it from the main thread. Returns whether the tie was
    made."""
    parent = os.environ.pop(TIE_ENV, None)
    if not parent or not sys.platform.startswith("linux"):
        return False
    import ctypes

    gone: list[bool] = []

    def _parent_gone(signum, frame) -> None:
        if not gone:
            gone.append(True)
            os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(_PARENT_GONE, _parent_gone)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(_PARENT_GONE), 0, 0, 0) != 0:
            signal.signal(_PARENT_GONE, previous)
            return False
    except (OSError, AttributeError):
        signal.signal(_PARENT_GONE, previous)
        return False
    if str(os.getppid()) != parent:  # it died before the tie was made
        _parent_gone(_PARENT_GONE, None)
    return True
