"""Helpers the app tests share (imported by name: tests are not a package)."""

from __future__ import annotations

import html
import re
import time

# Small and fast on two CPU cores; every test sets what it needs on top.
FAST_PARAMS = {"batch_size": 4, "gradient_accumulation": 1, "lr": 2e-3, "block_size": 64, "model_max_length": 128,
               "logging_steps": 1, "warmup_ratio": 0.0}


def set_params(app, **values):
    """Type values into the generated form, the way a user does."""
    for name, value in values.items():
        app.set_param(name, value)
    assert not app.params_panel.errors, app.params_panel.errors


def wait_until(predicate, timeout=120.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def text_of(widget) -> str:
    """The visible text of an HTML widget (tags stripped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", widget.value))
