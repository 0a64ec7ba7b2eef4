"""A served dashboard's limit on concurrent runs: a second run waits, saying why, and starts when one ends."""

from __future__ import annotations

import time

import pytest

from tunewidgets.run import slots
from tunewidgets.run.engine import Run


@pytest.fixture()
def one_slot(tmp_path, monkeypatch):
    monkeypatch.setenv(slots.MAX_ENV, "1")
    monkeypatch.setenv(slots.DIR_ENV, str(tmp_path / "slots"))


def test_without_a_limit_nothing_is_held(monkeypatch):
    monkeypatch.delenv(slots.MAX_ENV, raising=False)
    assert slots.take("r", on_wait=print, should_stop=lambda: False) is None


def test_a_slot_is_exclusive_and_freed_on_release(one_slot):
    first = slots.take("first", on_wait=print, should_stop=lambda: False)
    heard = []
    second = slots.take("second", on_wait=heard.append, should_stop=lambda: bool(heard), interval=0.05)
    assert second is None and "waiting for a free training slot" in heard[0] and "'first'" in heard[0]
    first.release()
    third = slots.take("third", on_wait=heard.append, should_stop=lambda: False)
    assert third is not None
    third.release()


def test_a_second_run_waits_for_the_first_and_can_be_stopped_while_waiting(one_slot, sft_config, tmp_path):
    sft_config["params"].update(max_steps=100000, logging_steps=1)
    first = Run(sft_config, workdir=tmp_path / "a").start()
    deadline = time.time() + 120
    while time.time() < deadline and not first.metrics:
        time.sleep(0.05)
    second = Run({**sft_config, "project_name": "other"}, workdir=tmp_path / "b")
    messages = []
    second.subscribe(lambda e: messages.append(e["text"]) if e.kind == "message" else None)
    second.start()
    deadline = time.time() + 30
    while time.time() < deadline and not messages:
        time.sleep(0.05)
    assert messages and "waiting for a free training slot" in messages[0] and "'run'" in messages[0]
    assert second.state == "pending"
    second.stop()
    assert second.wait(30) == "stopped" and not second.metrics

    third = Run({**sft_config, "project_name": "third", "params": {**sft_config["params"], "max_steps": 3}},
                workdir=tmp_path / "c").start()
    time.sleep(1.0)
    assert third.state == "pending"  # still waiting for the first run's slot
    first.stop()
    assert first.wait(120) == "stopped"
    assert third.wait(120) == "finished", third.error
