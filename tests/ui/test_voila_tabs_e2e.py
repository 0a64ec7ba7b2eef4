"""Two tabs of one served dashboard: each its own kernel, and the server's limit of one run at a time.

The first tab trains; the second's Train waits, saying so in its log, and starts when the first is stopped.
"""

from __future__ import annotations

import sys

import pytest
from browser_helpers import BROWSER_MARKS, app_clip, artifact_dirs, browser_page, free_port, screenshot, server

pytestmark = BROWSER_MARKS
pytest.importorskip("voila")

TRAIN_ENABLED = "() => { const b = document.querySelector('button.tw-train'); return b && !b.disabled; }"


def _status_has(word: str) -> str:
    return f"() => (document.querySelector('.tw-status') || {{}}).innerText?.includes('{word}')"


def _open(page, port: int, max_steps: int) -> None:
    page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
    page.wait_for_selector(".tw-app", timeout=120_000)
    page.wait_for_function(TRAIN_ENABLED, timeout=180_000, polling=200)
    page.fill(".tw-field-max_steps input", str(max_steps))
    page.press(".tw-field-max_steps input", "Enter")
    page.wait_for_function(TRAIN_ENABLED, timeout=30_000, polling=200)


def test_two_tabs_share_one_training_slot(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "tunewidgets", "app", "--port", str(port), "--workspace", str(tmp_path / "ws"),
               "--max-runs", "1"]
    with server(command, port=port, cwd=tmp_path, log=tmp_path / "voila.log"), browser_page() as first:
        _open(first, port, max_steps=100000)
        first.click("button.tw-train")
        first.wait_for_function(_status_has("running"), timeout=180_000, polling=200)

        second = first.context.browser.new_page(viewport={"width": 1280, "height": 4200})
        second.errors = []
        second.on("pageerror", lambda exc: second.errors.append(str(exc)))
        _open(second, port, max_steps=6)
        assert second.input_value(".tw-field-project_name input") != first.input_value(".tw-field-project_name input")
        second.click("button.tw-train")
        second.wait_for_function("() => document.querySelector('.tw-log').innerText.includes("
                                 "'waiting for a free training slot')", timeout=120_000, polling=200)
        log = second.inner_text(".tw-log")
        assert "1 run at a time" in log and "'demo-sft-chat'" in log, log
        assert second.evaluate(_status_has("waiting")) and not second.evaluate(_status_has("running"))
        screenshot(second, "app-waiting-for-a-slot.png", artifact_dirs(tmp_path),
                   clip=app_clip(second, ".tw-train-panel", ".tw-log"))

        first.click("button.tw-stop")
        first.wait_for_function(_status_has("stopped"), timeout=180_000, polling=200)
        second.wait_for_function(_status_has("finished"), timeout=300_000, polling=500)
        assert first.errors == [] and second.errors == []
