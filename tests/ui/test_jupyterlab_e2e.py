"""The app in JupyterLab, driven by a real browser: run the cell, click Train, see `finished`.

JupyterLab runs as root here (`--allow-root`, no token, no password) with
`--LabApp.expose_app_in_browser=True`, so the test runs the notebook's cells
the way the menu does: `window.jupyterapp.commands.execute('notebook:run-all-cells')`.
Its config, runtime, settings and workspace folders live in the test's tmp dir.
"""

from __future__ import annotations

import sys
import time

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
pytest.importorskip("jupyterlab")
nbformat = pytest.importorskip("nbformat")

CELL = 'from tunewidgets import TrainerApp\napp = TrainerApp(workdir=".")\napp.use_demo()\napp'
MAX_STEPS = 16  # the demo's 3 epochs are 69 steps: a user shortens it in the form


def _lab(tmp_path):
    root = tmp_path / "lab"
    root.mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(CELL)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, str(root / "app.ipynb"))
    port = free_port()
    private = {name: tmp_path / name for name in ("jupyter-config", "jupyter-runtime", "lab-settings",
                                                  "lab-workspaces", "ipython")}
    for folder in private.values():
        folder.mkdir()
    news = private["lab-settings"] / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false", "checkForUpdates": false}')  # no toast over the app
    command = [
        sys.executable, "-m", "jupyterlab", f"--port={port}", "--ServerApp.ip=127.0.0.1", "--no-browser",
        "--allow-root", "--IdentityProvider.token=", "--ServerApp.password=", "--LabApp.expose_app_in_browser=True",
        f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={private['lab-settings']}",
        f"--LabApp.workspaces_dir={private['lab-workspaces']}", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    env = {"JUPYTER_CONFIG_DIR": str(private["jupyter-config"]), "JUPYTER_RUNTIME_DIR": str(private["jupyter-runtime"]),
           "IPYTHONDIR": str(private["ipython"])}
    return root, port, server(command, port=port, cwd=root, log=tmp_path / "jupyterlab.log", env=env)


def test_the_app_trains_in_jupyterlab(tmp_path):
    root, port, running = _lab(tmp_path)
    shots = artifact_dirs(tmp_path)
    timings = {}
    start = time.monotonic()
    with running, browser_page(height=2600) as page:
        page.goto(f"http://127.0.0.1:{port}/lab/tree/app.ipynb", timeout=120_000)
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=120_000)
        page.wait_for_function(
            "() => { const w = window.jupyterapp.shell.currentWidget; const k = w && w.sessionContext"
            " && w.sessionContext.session && w.sessionContext.session.kernel; return k && k.status === 'idle'; }",
            timeout=120_000, polling=200)
        timings["kernel idle"] = time.monotonic() - start
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_selector(".jp-Cell .tw-app", timeout=180_000)
        page.wait_for_function("() => { const b = document.querySelector('button.tw-train'); "
                               "return b && !b.disabled; }",
                               timeout=180_000, polling=200)
        timings["app ready"] = time.monotonic() - start
        assert "tiny-llama" in page.input_value(".tw-model-path input")
        page.fill(".tw-field-max_steps input", str(MAX_STEPS))
        page.press(".tw-field-max_steps input", "Enter")
        page.wait_for_function(f"() => document.querySelector('.tw-yaml').innerText.includes('max_steps: {MAX_STEPS}')",
                               timeout=30_000, polling=200)

        page.click("button.tw-train")
        page.wait_for_function("() => document.querySelector('.tw-status').innerText.includes('running')",
                               timeout=120_000, polling=100)
        page.wait_for_function("() => document.querySelector('.tw-status').innerText.includes('finished')",
                               timeout=180_000, polling=200)
        timings["finished"] = time.monotonic() - start
        step = page.inner_text(".tw-step")
        metrics = page.inner_text(".tw-metrics")
        screenshot(page, "jupyterlab-finished.png", shots, clip=app_clip(page, ".tw-train-panel", ".tw-log"))
        stray = stray_outputs(page, ".jp-Cell")  # the cell shows the app and nothing else
        errors = list(page.errors)
    assert f"step {MAX_STEPS} / {MAX_STEPS}" in step and "final train loss" in metrics
    assert (root / "demo-sft-chat" / "status.json").is_file()  # workdir="." is the notebook's folder
    assert errors == []
    assert stray == [], stray
    print("timings (s):", {k: round(v, 1) for k, v in timings.items()})
