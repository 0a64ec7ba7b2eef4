"""The run vocabulary and the event bus: kinds checked, broken subscribers logged, late subscribers replayed."""

from __future__ import annotations

import threading

import pytest

from tunewidgets.run import states
from tunewidgets.run.events import EventBus


def test_every_kind_has_a_documented_payload_and_states_are_defined_once():
    assert set(states.PAYLOADS) == set(states.KINDS)
    assert set(states.ACTIVE_STATES) | set(states.FINAL_STATES) == set(states.STATES)
    assert not set(states.ACTIVE_STATES) & set(states.FINAL_STATES)
    for payload in states.PAYLOADS.values():
        assert payload.__doc__ and payload.__annotations__


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown event kind 'loss'"):
        EventBus().emit("loss", value=1.0)


def test_a_broken_subscriber_is_reported_and_keeps_receiving():
    reported, seen = [], []
    bus = EventBus(on_error=reported.append)

    def broken(event):
        seen.append(event.kind)
        raise RuntimeError("drawing failed")

    bus.subscribe(broken)
    bus.emit("log", step=1, loss=2.0)
    bus.emit("eval", step=1, eval_loss=2.5)
    assert seen == ["log", "eval"]
    assert len(reported) == 2 and "'log' event" in reported[0] and "RuntimeError: drawing failed" in reported[0]
    assert bus.errors == reported


def test_a_late_subscriber_gets_the_story_so_far_in_order():
    bus = EventBus()
    bus.emit("started", step=0, max_steps=3)
    for step in (1, 2, 3):
        bus.emit("progress", step=step, max_steps=3)
        bus.emit("log", step=step, loss=1.0 / step)
    bus.emit("message", text="note")
    bus.emit("finished", step=3, max_steps=3)
    seen = []
    bus.subscribe(lambda e: seen.append((e.kind, e.get("step"))), replay=True)
    assert seen == [("started", 0), ("log", 1), ("log", 2), ("log", 3), ("progress", 3), ("finished", 3)]
    bus.emit("message", text="after")
    assert seen[-1] == ("message", None)


def test_a_replay_and_new_events_never_interleave():
    bus = EventBus()
    for step in range(200):
        bus.emit("log", step=step)
    seen: list[int] = []
    emitter = threading.Thread(target=lambda: [bus.emit("log", step=step) for step in range(200, 400)])
    emitter.start()
    bus.subscribe(lambda e: seen.append(e["step"]), replay=True)
    emitter.join()
    assert seen == list(range(seen[0], 400)) and seen[0] == 0


def test_a_run_writes_a_broken_subscribers_traceback_to_its_log(sft_config, tmp_path):
    from tunewidgets.run.engine import Run

    sft_config["params"].update(max_steps=2, logging_steps=1)
    run = Run(sft_config, workdir=tmp_path, mode="foreground")

    def broken(event):
        if event.kind == "log":
            raise KeyError("no such widget")

    run.subscribe(broken)
    run.run()
    assert run.state == "finished", run.error
    log = (tmp_path / "run" / "train.log").read_text()
    assert "a subscriber of the run's events failed on a 'log' event" in log and "KeyError" in log
