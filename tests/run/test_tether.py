"""A sweep's child trial is tied to the sweep: the parent's death becomes ONE SIGINT (the graceful stop), however
often Linux signals it. (The whole path, kill -9 of a sweep, is in tests/sweep/test_sweep_workers.py.)"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

import pytest

from tunewidgets.run.tether import TIE_ENV, tie_env, tie_to_parent

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


@pytest.fixture()
def caught():
    """SIGINTs received, and this process untied again afterwards."""
    received: list[int] = []
    previous = (signal.signal(signal.SIGINT, lambda *_: received.append(1)), signal.getsignal(signal.SIGUSR2))
    yield received
    ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)  # PR_SET_PDEATHSIG 0: no signal when pytest's parent goes
    signal.signal(signal.SIGINT, previous[0])
    signal.signal(signal.SIGUSR2, previous[1])


def test_the_parent_names_itself():
    assert tie_env({"A": "1"}) == {"A": "1", TIE_ENV: str(os.getpid())}


def test_without_a_parent_named_nothing_is_tied(caught, monkeypatch):
    monkeypatch.delenv(TIE_ENV, raising=False)
    assert tie_to_parent() is False and caught == []


def test_a_parent_gone_before_the_tie_stops_the_child_once(caught, monkeypatch):
    monkeypatch.setenv(TIE_ENV, "0")  # not this process's parent: as if it had died already
    assert tie_to_parent() is True
    assert caught == [1]
    assert TIE_ENV not in os.environ  # the ranks this process would launch are not tied to its parent
    os.kill(os.getpid(), signal.SIGUSR2)  # Linux again, as another thread of the dying parent lets go
    assert caught == [1]


def test_the_tie_holds_while_the_parent_lives(caught, monkeypatch):
    monkeypatch.setenv(TIE_ENV, str(os.getppid()))
    assert tie_to_parent() is True and caught == []
    os.kill(os.getpid(), signal.SIGUSR2)  # what Linux sends when the parent dies
    assert caught == [1]
