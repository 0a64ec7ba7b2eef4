"""Extractive QA and visual question answering in the dashboard, in a real browser, from their offline demos.

QA: the preview marks each answer in its context; after training, Try the model takes a context and a question and
marks the span it found. VQA: thumbnails beside the questions and answers; after training, an uploaded image and a
question get an answer. Screenshots ``app-qa.png`` and ``app-vqa.png`` (test-artifacts/, or docs/ with
TUNEWIDGETS_SCREENSHOTS=docs).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from browser_helpers import BROWSER_MARKS, app_clip, artifact_dirs, browser_page, free_port, screenshot, server

pytestmark = BROWSER_MARKS
pytest.importorskip("voila")


def _open_task(page, port: int, task: str) -> None:
    page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
    page.wait_for_selector(".tw-task-select select", timeout=120_000)
    value = page.evaluate("(task) => [...document.querySelectorAll('.tw-task-select select option')]"
                          ".find(o => o.textContent.includes('[' + task + ']')).value", task)
    page.select_option(".tw-task-select select", value)
    page.wait_for_selector("button.tw-demo:has-text('Use offline demo')", timeout=30_000)
    page.click("button.tw-demo")


def _train(page) -> None:
    page.wait_for_function("() => { const b = document.querySelector('button.tw-train'); return b && !b.disabled; }",
                           timeout=120_000, polling=200)
    page.click("button.tw-train")
    page.wait_for_function("() => document.querySelector('.tw-status').innerText.includes('finished')",
                           timeout=420_000, polling=250)


def _no_overflow(page) -> list:
    return page.evaluate(
        "() => { const right = document.querySelector('.tw-app').getBoundingClientRect().right + 2;"
        " return [...document.querySelectorAll('.tw-app *')].filter(e => e.offsetParent"
        " && e.getBoundingClientRect().right > right).map(e => e.className).slice(0, 5); }")


def _serve(tmp_path, workspace):
    port = free_port()
    command = [sys.executable, "-m", "tunewidgets", "app", "--port", str(port), "--workspace", str(workspace),
               "--no-demo"]
    return port, server(command, port=port, cwd=tmp_path, log=tmp_path / "voila.log")


def test_extractive_qa_marks_answers_and_finds_a_span(tmp_path):
    workspace = Path(os.environ.get("TUNEWIDGETS_SCREENSHOT_WORKSPACE") or tmp_path / "ws")
    shots = artifact_dirs(tmp_path)
    port, serving = _serve(tmp_path, workspace)
    with serving, browser_page() as page:
        _open_task(page, port, "extractive-qa")
        page.wait_for_selector("mark.tw-mark", timeout=180_000)  # answers marked in their contexts
        assert page.locator("mark.tw-mark").count() >= 3
        _train(page)
        assert "eval exact_match" in page.inner_text(".tw-plot-caption") or \
            "exact_match" in page.inner_text(".tw-results")
        page.fill(".tw-prompt textarea", "Anna lives in Paris. Tom works in Rome.")
        page.fill(".tw-query textarea", "Where does Anna live?")
        page.click(".tw-try button:has-text('Answer')")
        page.wait_for_selector("mark.tw-answer-span", timeout=60_000)
        span = page.inner_text("mark.tw-answer-span")
        page.wait_for_timeout(300)
        screenshot(page, "app-qa.png", shots, clip=app_clip(page, ".tw-data", ".tw-results"))
        overflow, errors, body = _no_overflow(page), list(page.errors), page.inner_text("body")
    assert span.strip() in ("Paris", "Rome", "Anna", "Tom"), span  # a span of the context, highlighted
    assert errors == [] and overflow == [], (errors, overflow)
    assert "Traceback" not in body


def test_vqa_shows_thumbnails_and_answers_an_uploaded_image(tmp_path):
    workspace = Path(os.environ.get("TUNEWIDGETS_SCREENSHOT_WORKSPACE") or tmp_path / "ws")
    shots = artifact_dirs(tmp_path)
    port, serving = _serve(tmp_path, workspace)
    with serving, browser_page() as page:
        _open_task(page, port, "vlm:vqa")
        page.wait_for_selector("img.tw-thumb", timeout=180_000)
        preview = page.inner_text(".tw-data")
        assert "What colour is the shape?" in preview or "What shape is it?" in preview
        _train(page)
        picture = next(p for p in sorted(workspace.rglob("*.png")) if "vlm" in str(p))
        with page.expect_file_chooser() as chooser:
            page.click(".tw-predict-image")
        chooser.value.set_files(str(picture))
        page.wait_for_selector(".tw-predict-image:has-text('(1)')", timeout=30_000)
        page.fill(".tw-prompt textarea", "What colour is the shape?")
        page.click(".tw-try button:has-text('Generate')")
        page.wait_for_selector(".tw-generated", timeout=120_000)
        answer = page.inner_text(".tw-generated")
        page.wait_for_timeout(300)
        screenshot(page, "app-vqa.png", shots, clip=app_clip(page, ".tw-data", ".tw-results"))
        overflow, errors, body = _no_overflow(page), list(page.errors), page.inner_text("body")
    assert answer.strip() and "(empty)" not in answer
    assert errors == [] and overflow == [], (errors, overflow)
    assert "Traceback" not in body
