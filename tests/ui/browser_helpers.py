"""What the browser tests share: servers on free ports, Debian's chromium through playwright, screenshots.

Imported by name (tests are not a package). Pitfalls from DESIGN.md ("Testing offline") are handled here:
wait for a server by polling its TCP port (a GET would start a kernel), stop it with SIGTERM (Voila then
shuts its kernels down), fail on ``pageerror`` but not on console noise (offline CDN fonts, webpack).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REPO = Path(__file__).resolve().parents[2]
OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}

BROWSER_MARKS = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"chromium is not installed at {CHROMIUM}"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="playwright is not installed"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, n: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


@contextmanager
def server(command: list[str], *, port: int, cwd: Path, log: Path, env: dict | None = None, timeout: float = 90):
    """Run ``command`` until the block ends; ready when ``port`` accepts connections. Stopped with SIGTERM."""
    handle = open(log, "w")
    process = subprocess.Popen(command, cwd=str(cwd), env={**os.environ, **OFFLINE, **(env or {})},
                               stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                pytest.fail(f"{command[:4]} exited with {process.returncode}:\n{_tail(log)}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"nothing listens on port {port} after {timeout:.0f} s:\n{_tail(log)}")
                time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: only what this test started
                process.wait(10)
        handle.close()


@contextmanager
def browser_page(width: int = 1280, height: int = 4200):
    """A chromium page (``page.errors`` collects uncaught page errors). The viewport is tall: the app pages
    scroll inside a container, so a tall viewport is what lets a screenshot hold the whole app."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.errors = []
            page.on("pageerror", lambda exc: page.errors.append(str(exc)))
            yield page
        finally:
            browser.close()


@contextmanager
def demo_dashboard(tmp_path: Path):
    """`tunewidgets app` on its offline demo, serving the workspace ``tmp_path/ws``: yields (page, workspace) once
    the demo is loaded and Train is enabled."""
    import sys

    workspace = tmp_path / "ws"
    port = free_port()
    command = [sys.executable, "-m", "tunewidgets", "app", "--port", str(port), "--workspace", str(workspace)]
    with server(command, port=port, cwd=tmp_path, log=tmp_path / "voila.log"), browser_page() as page:
        page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
        page.wait_for_function("() => { const b = document.querySelector('button.tw-train'); "
                               "return b && !b.disabled; }", timeout=180_000, polling=200)
        yield page, workspace


def type_into(page, selector: str, value: str) -> None:
    """Type ``value`` into the input under ``selector`` and press Enter, as a user commits a field."""
    page.fill(f"{selector} input", value)
    page.press(f"{selector} input", "Enter")


def artifact_dirs(tmp_path: Path) -> list[Path]:
    """Where screenshots go: the test's tmp dir, plus test-artifacts/ at the repository root when it exists."""
    dirs = [tmp_path / "screenshots"]
    if (REPO / "test-artifacts").is_dir():
        dirs.append(REPO / "test-artifacts")
    extra = os.environ.get("TUNEWIDGETS_SCREENSHOTS")
    if extra:
        dirs.append(Path(extra))
    for folder in dirs:
        folder.mkdir(parents=True, exist_ok=True)
    return dirs


def screenshot(target, name: str, dirs: list[Path], clip: dict | None = None) -> Path:
    """Save a PNG of a page (optionally clipped) or a locator into every folder of ``dirs``; returns the first."""
    first = dirs[0] / name
    if clip is not None:
        target.screenshot(path=str(first), clip=clip)
    else:
        target.screenshot(path=str(first))
    shrink_png(first)
    for folder in dirs[1:]:
        shutil.copyfile(first, folder / name)
    return first


def shrink_png(path: Path, colours: int = 256) -> None:
    """Quantize a screenshot to a palette: UI screenshots stay sharp at a fraction of the size."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def app_clip(page, first: str, last: str, pad: int = 8) -> dict:
    """A clip from the top of the element ``first`` to the bottom of ``last``, as wide as the app."""
    app = page.locator(".tw-app").bounding_box()
    top = page.locator(first).first.bounding_box()
    bottom = page.locator(last).first.bounding_box()
    y0 = max(top["y"] - pad, 0)
    return {"x": app["x"], "y": y0, "width": app["width"], "height": bottom["y"] + bottom["height"] + pad - y0}


def stray_outputs(page, inside: str) -> list[str]:
    """Text of output areas under ``inside`` that are not a widget of ours (a print or a library warning)."""
    return page.evaluate(
        """(inside) => [...document.querySelectorAll(inside + ' .jp-OutputArea-output')]
             .filter(e => !e.closest('.tw-app') && !e.querySelector('.tw-app'))
             .map(e => e.innerText.trim()).filter(t => t)""", inside)
