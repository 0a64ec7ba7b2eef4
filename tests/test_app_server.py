"""Serving the dashboard to others: a token off loopback, the server's Hub token kept from the page, run slots."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tunewidgets import app_server
from tunewidgets.errors import TunewidgetsError


def test_the_page_kernels_never_see_the_servers_hub_token(tmp_path):
    base = {"HF_TOKEN": "hf_secret", "HUGGING_FACE_HUB_TOKEN": "hf_old", "PATH": "/bin"}
    env = app_server.kernel_environment(base, workspace=tmp_path / "ws", served=tmp_path, demo=True,
                                        allow_env_token=False, max_runs=2)
    assert "HF_TOKEN" not in env and "HUGGING_FACE_HUB_TOKEN" not in env and env["PATH"] == "/bin"
    assert env["HF_TOKEN_PATH"] == str(tmp_path / "no-hub-token") and env["HF_HUB_DISABLE_IMPLICIT_TOKEN"] == "1"
    assert env["TUNEWIDGETS_SERVED"] == "1" and env["TUNEWIDGETS_MAX_RUNS"] == "2"
    assert env["TUNEWIDGETS_RUN_SLOTS"] == str(tmp_path / "run-slots")
    allowed = app_server.kernel_environment(base, workspace=tmp_path, served=tmp_path, demo=True,
                                            allow_env_token=True, max_runs=1)
    assert allowed["HF_TOKEN"] == "hf_secret" and "HF_TOKEN_PATH" not in allowed


def test_contradicting_token_flags_and_a_bad_run_limit_are_refused(tmp_path):
    with pytest.raises(TunewidgetsError, match="contradict"):
        app_server.serve(workspace=tmp_path, token="x", no_token=True)
    with pytest.raises(TunewidgetsError, match="--max-runs must be 1 or more"):
        app_server.serve(workspace=tmp_path, max_runs=0)


def test_gpu_count_needs_no_torch():
    code = "import sys; from tunewidgets.app_server import gpu_count; gpu_count(); assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(tmp_path, *args):
    port = _free_port()
    log = open(tmp_path / "app.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "tunewidgets", "app", "--port", str(port), "--workspace",
                                str(tmp_path / "ws"), "--no-demo", *args], stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.time() + 90
    import socket

    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    return process, port, tmp_path / "app.log"


def _readable(path: Path) -> bool:
    try:
        path.read_bytes()
    except OSError:
        return False
    return True


def _status(url: str) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        return urllib.request.build_opener(NoRedirect).open(url, timeout=60).status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow
def test_off_loopback_the_page_needs_the_printed_token(tmp_path):
    pytest.importorskip("voila")
    process, port, log = _serve(tmp_path, "--host", "0.0.0.0")
    try:
        first = Path(log).read_text().splitlines()[0]
        assert "?token=" in first
        token = first.split("?token=")[1].split()[0]
        assert len(token) >= 24
        assert _status(f"http://127.0.0.1:{port}/") == 302  # to the login page: no kernel, no app
        assert _status(f"http://127.0.0.1:{port}/?token=wrong") == 302
        assert _status(f"http://127.0.0.1:{port}/?token={token}") == 200
        command_lines = [p.read_bytes() for p in Path("/proc").glob("[0-9]*/cmdline") if _readable(p)]
        assert not any(token.encode() in line for line in command_lines)  # not visible in `ps`
    finally:
        import os
        import signal

        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)


@pytest.mark.slow
def test_no_token_off_loopback_only_with_a_warning(tmp_path):
    pytest.importorskip("voila")
    process, port, log = _serve(tmp_path, "--host", "0.0.0.0", "--no-token")
    try:
        text = Path(log).read_text()
        assert "WITHOUT a token" in text and "?token=" not in text
        assert _status(f"http://127.0.0.1:{port}/") == 200
    finally:
        import os
        import signal

        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
