"""llm-grpo in the dashboard, in a real browser: its offline demo trains and the page shows, live, the total and
per-function reward, the completion lengths and a table of recent completions. The README's screenshot
(``app-grpo-rewards.png``) is refreshed with

    TUNEWIDGETS_SCREENSHOTS=docs python -m pytest tests/ui/test_voila_grpo_e2e.py
"""

from __future__ import annotations

import sys

import pytest
from browser_helpers import BROWSER_MARKS, app_clip, artifact_dirs, browser_page, free_port, screenshot, server

pytestmark = BROWSER_MARKS
pytest.importorskip("voila")


def test_the_grpo_demo_shows_its_rewards_and_completions_in_the_dashboard(tmp_path):
    workspace = tmp_path / "ws"
    port = free_port()
    command = [sys.executable, "-m", "tunewidgets", "app", "--port", str(port), "--workspace", str(workspace),
               "--no-demo"]
    shots = artifact_dirs(tmp_path)
    with server(command, port=port, cwd=tmp_path, log=tmp_path / "voila.log"), browser_page() as page:
        page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
        page.wait_for_selector(".tw-task-select select", timeout=120_000)
        value = page.evaluate("() => [...document.querySelectorAll('.tw-task-select select option')]"
                              ".find(o => o.textContent.includes('[llm-grpo]')).value")
        page.select_option(".tw-task-select select", value)
        page.wait_for_selector(".tw-reward-picker .tw-reward-choice", state="visible", timeout=120_000)
        page.click("button.tw-demo")
        page.wait_for_function("() => { const b = document.querySelector('button.tw-train'); "
                               "return b && !b.disabled; }", timeout=180_000, polling=200)
        assert "rewards.py:names_a_colour" in page.input_value(".tw-field-reward_functions input")

        page.click("button.tw-train")
        page.wait_for_selector(".tw-completions-table", timeout=300_000)  # live, while it trains
        page.wait_for_function("() => { const t = document.querySelector('.tw-completions-table');"
                               " const m = t && t.innerText.match(/step (\\d+)/); return m && +m[1] >= 30; }",
                               timeout=600_000, polling=100)
        live = page.inner_text(".tw-status")
        caption = page.inner_text(".tw-rewards-caption")
        table = page.inner_text(".tw-completions-table")
        screenshot(page, "app-grpo-rewards.png", shots, clip=app_clip(page, ".tw-train-panel", ".tw-rewards"))
        page.wait_for_function("() => document.querySelector('.tw-status').innerText.includes('finished')",
                               timeout=600_000, polling=200)
        page.wait_for_function("() => document.querySelector('.tw-completions-table').innerText.includes('step 40')",
                               timeout=30_000, polling=200)
        errors = list(page.errors)
        body = page.inner_text("body")
    assert errors == [] and "Traceback" not in body
    assert "running" in live or "finished" in live
    assert "total reward" in caption and "names_a_colour" in caption and "right_colour" in caption
    assert "What colour is" in table or "what colour is" in table
    assert list(workspace.glob("demo-llm-grpo*/completions.jsonl"))
