"""Judging a fine-tune by what it says, in the dashboard: the demo trains with eval_generate, the Generations view
fills with the answers beside the references (and the starting model's), then Results > Compare sets the trained
run beside its base model on validation prompts. The README's screenshots (``app-generations.png``,
``app-compare.png``) are refreshed with

    TUNEWIDGETS_SCREENSHOTS=docs python -m pytest tests/ui/test_voila_generations_e2e.py
"""

from __future__ import annotations

import pytest
from browser_helpers import BROWSER_MARKS, artifact_dirs, demo_dashboard, screenshot, type_into

pytestmark = BROWSER_MARKS
pytest.importorskip("voila")

# The demo's chat facts, trained long enough at a higher rate for the answers to start matching the references.
PARAMS = {"epochs": "8", "lr": "0.005", "eval_generate": "6", "eval_generate_max_new_tokens": "12", "eval_steps": "46"}


def test_the_generations_view_and_the_compare_tab_in_the_dashboard(tmp_path):
    shots = artifact_dirs(tmp_path)
    with demo_dashboard(tmp_path) as (page, _):
        page.locator(".tw-params").get_by_text("Advanced settings").first.click()
        page.wait_for_selector(".tw-field-eval_generate input", state="visible", timeout=30_000)
        page.select_option(".tw-field-eval_strategy select", "steps")
        for name, value in PARAMS.items():
            type_into(page, f".tw-field-{name}", value)
        page.wait_for_function("() => document.querySelector('.tw-yaml').innerText.includes('eval_generate: 6')",
                               timeout=30_000, polling=200)
        page.click("button.tw-train")
        page.wait_for_selector(".tw-generations-table table", timeout=300_000)  # step 0: the starting model
        page.wait_for_function("() => document.querySelector('.tw-status').innerText.includes('finished')",
                               timeout=900_000, polling=500)
        page.wait_for_function("() => document.querySelector('.tw-generations-caption').innerText"
                               ".includes('exact match')", timeout=30_000, polling=200)
        caption = page.inner_text(".tw-generations-caption")
        table = page.inner_text(".tw-generations-table")
        matches = page.locator(".tw-generation-answer-match").count()
        screenshot(page.locator(".tw-generations"), "app-generations.png", shots)

        page.click(".tw-results-tabs .lm-TabBar-tab:has-text('Compare')")
        page.click("button.tw-compare-refresh")
        page.wait_for_function("() => document.querySelector('.tw-compare-runs select').options.length > 0",
                               timeout=30_000, polling=200)
        page.select_option(".tw-compare-runs select", index=0)
        page.click("button.tw-compare-button")
        page.wait_for_selector(".tw-compare-table table", timeout=300_000)
        compared = page.inner_text(".tw-compare-table")
        screenshot(page.locator(".tw-results-tabs"), "app-compare.png", shots)
        errors = list(page.errors)
        body = page.inner_text("body")
    assert errors == [] and "Traceback" not in body
    assert "prompts" in caption and "exact match" in caption
    assert "reference" in table and "user:" in table
    assert matches >= 1, table  # the trained model gets some answers right
    assert "base" in compared and "demo-sft-chat" in compared
