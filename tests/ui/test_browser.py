"""The app in a real browser: Voila serves a notebook, chromium (driven by playwright) watches it train.

Skipped where chromium, voila or playwright is missing. With TUNEWIDGETS_SCREENSHOTS=<folder> the
screenshots mid-training and after training are written there (docs/ uses them).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _notebook(path: Path, workdir: Path, demo_dir: str) -> None:
    import nbformat

    setup = (
        "import os\nos.environ['HF_HUB_OFFLINE'] = '1'\nfrom tunewidgets import TrainerApp\n"
        f"app = TrainerApp(workdir={str(workdir)!r})\n"
        f"app.load_config(__import__('tunewidgets.tiny', fromlist=['x']).demo_config("
        f"__import__('tunewidgets.tiny', fromlist=['x']).make_demo({demo_dir!r}), 'sft-chat'))\n"
        "app.set_param('max_steps', 60)\napp.set_param('logging_steps', 1)\napp"
    )
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(setup), nbformat.v4.new_code_cell("app.run_checks()\napp.train();")]
    nbformat.write(notebook, str(path))


def test_the_app_trains_in_voila_and_renders_cleanly(tmp_path, demo):
    pytest.importorskip("voila")
    playwright = pytest.importorskip("playwright.sync_api")
    out = Path(os.environ.get("TUNEWIDGETS_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    _notebook(tmp_path / "app.ipynb", tmp_path / "runs", demo["root"])
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    server = subprocess.Popen([sys.executable, "-m", "voila", "app.ipynb", f"--port={port}", "--no-browser",
                               "--Voila.ip=127.0.0.1"], cwd=tmp_path, env=env,
                              stdout=open(tmp_path / "voila.log", "w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # poll the port: a GET would start a kernel
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1100, "height": 4000})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"http://127.0.0.1:{port}/", timeout=300_000)
            page.wait_for_selector(".tw-app", timeout=300_000)
            page.wait_for_function(
                "() => { const s = document.querySelector('.tw-step'); const m = s && s.innerText.match(/step (\\d+) \\//);"
                " return m && +m[1] >= 10; }", polling=250, timeout=300_000)
            page.screenshot(path=str(out / "app-training.png"), full_page=True)
            assert page.locator("img.tw-plot").get_attribute("src")  # the live plot is showing
            page.wait_for_function("() => document.querySelector('.tw-status').innerText.includes('finished')",
                                   polling=250, timeout=600_000)
            time.sleep(1.0)
            page.screenshot(path=str(out / "app-finished.png"), full_page=True)
            # nothing overflows the app's width; every section is titled
            overflow = page.evaluate(
                "() => [...document.querySelectorAll('.tw-app *')].filter(e => e.getBoundingClientRect().right > "
                "document.querySelector('.tw-app').getBoundingClientRect().right + 2 && e.offsetParent)"
                ".map(e => e.className).slice(0, 5)")
            titles = page.locator(".tw-section .tw-title").all_inner_texts()
            progress = page.evaluate("() => document.querySelector('.tw-progress').innerText")
            browser.close()
        assert errors == []
        assert overflow == [], overflow
        assert [t.split(maxsplit=1)[1].strip() for t in titles] == [
            "Task", "Model", "Data", "Checks", "Hyperparameters", "Train", "Results"]
        assert progress is not None
    finally:
        server.terminate()
        server.wait(30)
