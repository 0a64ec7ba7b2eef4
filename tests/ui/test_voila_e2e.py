"""`tunewidgets app` (Voila) in a real browser: Debian's chromium driven by playwright.

What a newcomer does: open the dashboard (the offline demo model and data are already selected), click
Train, watch the step label and the loss plot move, see `finished`, read the YAML export. And what a
dashboard must never do: show a file from outside its workspace.

Screenshots go to the test's tmp dir, to test-artifacts/ at the repository root when that folder exists,
and to $TUNEWIDGETS_SCREENSHOTS when set. The README's are refreshed with a short workspace path:

    TUNEWIDGETS_SCREENSHOTS=docs TUNEWIDGETS_SCREENSHOT_WORKSPACE=/tmp/tunewidgets-workspace \
        python -m pytest tests/ui/test_voila_e2e.py -k newcomer
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from browser_helpers import (
    BROWSER_MARKS,
    app_clip,
    artifact_dirs,
    browser_page,
    free_port,
    screenshot,
    server,
    stray_outputs,
)

pytestmark = BROWSER_MARKS
pytest.importorskip("voila")

MAX_STEPS = 45  # the demo's 3 epochs are 69 steps; 45 keeps the test short and still crosses an eval

STEP = "() => { const m = (document.querySelector('.tw-step') || {}).innerText?.match(/step (\\d+) \\//); " \
       "return m ? +m[1] : -1; }"


def _app(workspace, logs, *args):
    """`tunewidgets app` on a free port, as a user starts it (its log in ``logs``)."""
    port = free_port()
    command = [sys.executable, "-m", "tunewidgets", "app", "--port", str(port), "--workspace", str(workspace), *args]
    return port, server(command, port=port, cwd=logs, log=logs / "voila.log")


def _status(url: str) -> int:
    """The HTTP status of a GET (a file URL: no kernel starts)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_newcomer_trains_the_demo_in_the_dashboard(tmp_path):
    workspace = Path(os.environ.get("TUNEWIDGETS_SCREENSHOT_WORKSPACE") or tmp_path / "ws")  # empty or missing
    port, running = _app(workspace, tmp_path)
    shots = artifact_dirs(tmp_path)
    timings = {}
    start = time.monotonic()
    with running, browser_page() as page:
        page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
        page.wait_for_selector(".tw-app", timeout=120_000)
        timings["app shown"] = time.monotonic() - start
        # the app notebook selected the demo: model and data filled in, Train enabled
        page.wait_for_function("() => { const b = document.querySelector('button.tw-train'); "
                               "return b && !b.disabled; }",
                               timeout=120_000, polling=200)
        assert "tiny-llama" in page.input_value(".tw-model-path input")
        assert "sft-chat" in page.input_value(".tw-data-path input")
        assert "rows" in page.inner_text(".tw-data-info") and page.locator(".tw-preview table").count() == 1
        # a user shortens the run in the hyperparameters; the export follows
        page.fill(".tw-field-max_steps input", str(MAX_STEPS))
        page.press(".tw-field-max_steps input", "Enter")
        page.wait_for_function(f"() => document.querySelector('.tw-yaml').innerText.includes('max_steps: {MAX_STEPS}')",
                               timeout=30_000, polling=200)

        page.click("button.tw-train")
        page.wait_for_function(f"() => ({STEP})() >= 2", timeout=120_000, polling=100)
        assert "running" in page.inner_text(".tw-status")
        first_step, first_plot = page.evaluate(STEP), page.get_attribute("img.tw-plot", "src")
        timings["first step"] = time.monotonic() - start
        page.wait_for_function(f"() => ({STEP})() >= {first_step + 6}", timeout=120_000, polling=100)
        assert page.evaluate(STEP) > first_step  # the step label moves while training
        page.wait_for_function("(before) => document.querySelector('img.tw-plot').src !== before", arg=first_plot,
                               timeout=30_000, polling=100)  # the live plot redraws
        page.wait_for_function(f"() => ({STEP})() >= {MAX_STEPS * 2 // 3}", timeout=120_000, polling=100)
        # mid-training, a curve worth showing (on a fast machine the run may already have finished)
        screenshot(page, "app-training.png", shots, clip=app_clip(page, ".tw-train-panel", ".tw-log"))

        page.wait_for_function("() => document.querySelector('.tw-status').innerText.includes('finished')",
                               timeout=180_000, polling=200)
        timings["finished"] = time.monotonic() - start
        assert f"step {MAX_STEPS} / {MAX_STEPS}" in page.inner_text(".tw-step")
        page.wait_for_function("() => document.querySelector('.tw-metrics').innerText.includes('final train loss')",
                               timeout=30_000, polling=200)

        # the YAML export: open the tab, read what Train ran, save it into the workspace
        page.click(".tw-results-tabs .lm-TabBar-tab:has-text('Export')")
        yaml_text = page.inner_text(".tw-yaml-text")
        assert "task: llm-sft" in yaml_text and f"max_steps: {MAX_STEPS}" in yaml_text and "tiny-llama" in yaml_text
        assert "tunewidgets train" in page.inner_text(".tw-cli")
        page.click("button.tw-save-yaml")
        page.wait_for_selector(".tw-export-message:has-text('saved')", timeout=30_000)
        page.wait_for_timeout(300)
        screenshot(page, "app-finished.png", shots, clip=app_clip(page, ".tw-train-panel", ".tw-results"))

        # the layout reads clearly: every section titled, in order; nothing sticks out of the app's width
        titles = [t.split(maxsplit=1)[1].strip() for t in page.locator(".tw-section .tw-title").all_inner_texts()]
        overflow = page.evaluate(
            "() => { const right = document.querySelector('.tw-app').getBoundingClientRect().right + 2;"
            " return [...document.querySelectorAll('.tw-app *')].filter(e => e.offsetParent"
            " && e.getBoundingClientRect().right > right).map(e => e.className).slice(0, 5); }")
        stray = stray_outputs(page, "body")  # no print or library warning lands in the page
        body = page.inner_text("body")
        errors = list(page.errors)
    saved = sorted(workspace.glob("*.yml"))
    assert saved and saved[0].read_text().startswith("task: llm-sft")
    assert (workspace / "demo-sft-chat" / "status.json").is_file()  # the run went into the workspace
    assert errors == []
    assert titles == ["Task", "Model", "Data", "Checks", "Hyperparameters", "Train", "Results", "Sweep"]
    assert overflow == [], overflow
    assert stray == []
    assert "[WARNING]" not in body and "Traceback" not in body
    print("timings (s):", {k: round(v, 1) for k, v in timings.items()})


def test_the_dashboard_refuses_a_path_outside_its_workspace(tmp_path):
    secret = "TOPSECRET-4242"
    (tmp_path / "secret.csv").write_text(f"text\n{secret} a line nobody may read\n")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "inside.csv").write_text("text\nhello from inside\n")
    port, running = _app(workspace, tmp_path, "--no-demo")
    with running, browser_page(height=1600) as page:
        page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
        page.wait_for_selector(".tw-data-path input", timeout=120_000)
        path = page.locator(".tw-data-path input")
        path.fill("inside.csv")  # a file inside is read: the test can see a preview when there is one
        path.press("Enter")
        page.wait_for_selector(".tw-preview:has-text('hello from inside')", timeout=30_000)

        path.fill("../secret.csv")
        path.press("Enter")
        page.wait_for_selector(".tw-data-message:has-text('outside the workspace')", timeout=30_000)
        message = page.inner_text(".tw-data-message")
        colour = page.evaluate("() => getComputedStyle(document.querySelector('.tw-data-message .tw-msg')).color")
        page.wait_for_timeout(500)  # anything a late preview would send has arrived
        content = page.content()
        train_disabled = page.evaluate("() => document.querySelector('button.tw-train').disabled")
        blockers = page.inner_text(".tw-blockers")
        errors = list(page.errors)
        served = {name: _status(f"http://127.0.0.1:{port}/voila/files/{name}") for name in ("app.ipynb", "voila.json")}
    assert "../secret.csv" in message and "outside the workspace" in message
    assert colour == "rgb(198, 40, 40)"  # red
    assert secret not in content and "a line nobody may read" not in content
    assert "hello from inside" not in content  # the preview was cleared, not left showing the last file
    assert train_disabled and "outside the workspace" in blockers
    assert errors == []
    assert set(served.values()) <= {403, 404}, served  # and no file is served from disk
