"""Fixtures for the app tests: a generated chat JSONL and an app wired to the tiny demo model."""

from __future__ import annotations

import json

import pytest


@pytest.fixture()
def chat_jsonl(tmp_path):
    """A generated conversational JSONL (the demo's chat rows), one file."""
    from tunewidgets.tiny import make_demo_dataset

    frame = make_demo_dataset("sft-chat", n=64, seed=3)
    path = tmp_path / "chats.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for row in frame.to_dict("records"):
            handle.write(json.dumps(row) + "\n")
    return path


@pytest.fixture()
def app_factory(tmp_path):
    from tunewidgets import TrainerApp

    made = []

    def make(**kwargs):
        kwargs.setdefault("workdir", tmp_path / "runs")
        kwargs.setdefault("namespace", {})
        app = TrainerApp(**kwargs)
        made.append(app)
        return app

    yield make
    for app in made:  # never leave a training thread behind
        if app.train_panel.running:
            app.stop()
            app.wait(120)
        app.join_background(60)
