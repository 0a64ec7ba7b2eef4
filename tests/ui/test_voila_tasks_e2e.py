"""A non-LLM task in the dashboard, in a real browser: image classification from its offline demo.

Choose the task, click "Use offline demo", see thumbnails of the digits and the class distribution,
train, and read the metrics curve and the confusion matrix. Screenshots as in test_voila_e2e.py
(``app-image-data.png``, ``app-image-results.png``); the README's are refreshed with

    TUNEWIDGETS_SCREENSHOTS=docs TUNEWIDGETS_SCREENSHOT_WORKSPACE=/tmp/tunewidgets-workspace \
        python -m pytest tests/ui/test_voila_tasks_e2e.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from browser_helpers import BROWSER_MARKS, app_clip, artifact_dirs, browser_page, free_port, screenshot, server

pytestmark = BROWSER_MARKS
pytest.importorskip("voila")


def test_image_classification_from_the_offline_demo_in_the_dashboard(tmp_path):
    workspace = Path(os.environ.get("TUNEWIDGETS_SCREENSHOT_WORKSPACE") or tmp_path / "ws")
    port = free_port()
    command = [sys.executable, "-m", "tunewidgets", "app", "--port", str(port), "--workspace", str(workspace),
               "--no-demo"]
    shots = artifact_dirs(tmp_path)
    with server(command, port=port, cwd=tmp_path, log=tmp_path / "voila.log"), browser_page() as page:
        page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
        page.wait_for_selector(".tw-task-select select", timeout=120_000)
        value = page.evaluate("() => [...document.querySelectorAll('.tw-task-select select option')]"
                              ".find(o => o.textContent.includes('[image_classification]')).value")
        page.select_option(".tw-task-select select", value)
        page.wait_for_selector("button.tw-demo:has-text('Use offline demo')", timeout=30_000)
        page.click("button.tw-demo")
        page.wait_for_selector("img.tw-thumb", timeout=180_000)
        page.wait_for_selector(".tw-distribution:has-text('Label distribution')", timeout=30_000)
        assert "10 classes" in page.inner_text(".tw-distribution")
        assert page.locator("img.tw-thumb").count() >= 5
        assert "tiny-vit" in page.input_value(".tw-model-path input")
        page.wait_for_function("() => { const b = document.querySelector('button.tw-train'); "
                               "return b && !b.disabled; }",
                               timeout=60_000, polling=200)
        screenshot(page, "app-image-data.png", shots, clip=app_clip(page, ".tw-data", ".tw-distribution-box"))

        page.click("button.tw-train")
        page.wait_for_function("() => document.querySelector('.tw-status').innerText.includes('finished')",
                               timeout=300_000, polling=200)
        page.wait_for_selector(".tw-confusion img, img.tw-confusion", state="visible", timeout=30_000)
        caption = page.inner_text(".tw-plot-caption")
        assert "eval accuracy" in caption
        # try the model on an image from the validation split
        picture = next((workspace / "demo" / "data" / "image-classification" / "valid").glob("*/*.png"))
        with page.expect_file_chooser() as chooser:  # what a user's click on "Choose an image" opens
            page.click(".tw-predict-image")
        chooser.value.set_files(str(picture))
        page.wait_for_selector(".tw-predict-image:has-text('(1)')", timeout=30_000)
        page.click(".tw-try button:has-text('Predict')")
        page.wait_for_selector("img.tw-predicted-image", timeout=60_000)
        assert page.inner_text(".tw-generated").count(":") == 5  # the five most likely classes with scores
        page.wait_for_timeout(300)
        screenshot(page, "app-image-results.png", shots, clip=app_clip(page, ".tw-train-panel", ".tw-results"))
        overflow = page.evaluate(
            "() => { const right = document.querySelector('.tw-app').getBoundingClientRect().right + 2;"
            " return [...document.querySelectorAll('.tw-app *')].filter(e => e.offsetParent"
            " && e.getBoundingClientRect().right > right).map(e => e.className).slice(0, 5); }")
        errors = list(page.errors)
        body = page.inner_text("body")
    assert errors == []
    assert overflow == [], overflow
    assert "Traceback" not in body
    assert list(workspace.glob("demo-image-classification*/confusion_matrix.json"))  # the run is in the workspace
