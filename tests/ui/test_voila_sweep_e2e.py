"""The Sweep panel in the dashboard, in a real browser: the demo's learning rate becomes a range, four short trials
train in the background, the trials table and the objective-per-parameter plot fill in, the best trial loads into
the form. The README's screenshot (``app-sweep.png``) is refreshed with

    TUNEWIDGETS_SCREENSHOTS=docs python -m pytest tests/ui/test_voila_sweep_e2e.py
"""

from __future__ import annotations

import pytest
from browser_helpers import BROWSER_MARKS, artifact_dirs, demo_dashboard, screenshot, type_into

pytestmark = BROWSER_MARKS
pytest.importorskip("voila")
pytest.importorskip("optuna")


def test_a_sweep_from_the_dashboard(tmp_path):
    shots = artifact_dirs(tmp_path)
    with demo_dashboard(tmp_path) as (page, workspace):
        type_into(page, ".tw-field-max_steps", "16")
        assert page.input_value(".tw-sweep-field select") == "params.lr"  # offered from the form's fields
        type_into(page, ".tw-sweep-low", "1e-4")
        type_into(page, ".tw-sweep-high", "2e-2")
        page.click("button.tw-sweep-add")
        page.wait_for_function("() => document.querySelector('.tw-sweep-ranges select').options.length === 1",
                               timeout=30_000, polling=200)
        type_into(page, ".tw-sweep-trials", "4")
        type_into(page, ".tw-sweep-metric", "loss")
        page.click("button.tw-sweep-start")
        page.wait_for_function("() => document.querySelector('.tw-sweep-status').innerText.includes('sweep ended')",
                               timeout=900_000, polling=500)
        page.wait_for_selector("img.tw-sweep-plot", state="visible", timeout=30_000)
        table = page.inner_text(".tw-sweep-table")
        status = page.inner_text(".tw-sweep-status")
        screenshot(page.locator(".tw-sweep"), "app-sweep.png", shots)
        page.click("button.tw-sweep-best")
        page.wait_for_function("() => document.querySelector('.tw-sweep-status').innerText.includes('loaded')",
                               timeout=30_000, polling=200)
        lr = page.input_value(".tw-field-lr input")
        errors = list(page.errors)
        body = page.inner_text("body")
    assert errors == [] and "Traceback" not in body
    assert "4 trial(s) finished" in status, status
    assert table.count("finished") >= 4 and "params.lr" in table
    assert 1e-4 <= float(lr) <= 2e-2
    assert list(workspace.rglob("best.yml"))
