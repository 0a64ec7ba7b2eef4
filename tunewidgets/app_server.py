"""`tunewidgets app`: serve the app as a Voila dashboard, with safe defaults.

Loopback unless told otherwise, and off loopback a token in the URL (generated
unless given); sources stripped, no tracebacks to the page, no files served from
disk, and every path the page touches confined to the workspace folder
(TUNEWIDGETS_WORKSPACE, read by the app). The page's kernels never see the
server's Hub token unless asked (--allow-env-token), load safetensors weights
only and run no remote code (TUNEWIDGETS_SERVED), and share a limit on
concurrent runs (--max-runs: one per GPU, one on a machine without one).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .errors import MissingExtraError, TunewidgetsError

NOTEBOOK = Path(__file__).with_name("notebooks") / "app.ipynb"

# Voila reads voila.json from the folder it starts in: ours, written next to the served notebook.
# (Lists on Voila's command line work too, but traitlets logs a deprecation warning for each.)
VOILA_CONFIG = {"VoilaConfiguration": {"file_allowlist": [], "file_denylist": [".*"]}}  # the page serves no files
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# Where huggingface_hub finds a token besides the form: none of it reaches a served page unless asked.
HUB_TOKEN_VARIABLES = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_API_TOKEN")


def gpu_count() -> int:
    """GPUs an NVIDIA driver shows, without importing torch (0 without one)."""
    gpus = Path("/proc/driver/nvidia/gpus")
    if gpus.is_dir():
        return len(list(gpus.iterdir()))
    if shutil.which("nvidia-smi"):
        try:
            listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return 0
        return sum(1 for line in listed.splitlines() if line.startswith("GPU "))
    return 0


def kernel_environment(base: dict, *, workspace: Path, served: Path, demo: bool, allow_env_token: bool,
                       max_runs: int) -> dict:
    """What the page's kernels (and the runs they start) see: the workspace, the served flag, the run slots;
    the server's Hub token only when allowed."""
    env = {**base, "TUNEWIDGETS_WORKSPACE": str(workspace), "TUNEWIDGETS_DEMO": "1" if demo else "0",
           "TUNEWIDGETS_SERVED": "1", "TUNEWIDGETS_MAX_RUNS": str(max_runs),
           "TUNEWIDGETS_RUN_SLOTS": str(served / "run-slots")}
    if not allow_env_token:
        for name in HUB_TOKEN_VARIABLES:
            env.pop(name, None)
        env["HF_TOKEN_PATH"] = str(served / "no-hub-token")  # not ~/.cache/huggingface/token either
        env["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1"
    return env


def voila_command(notebook: Path, *, host: str, port: int, debug: bool = False) -> list[str]:
    return [
        sys.executable, "-m", "voila", str(notebook),
        f"--port={port}", f"--Voila.ip={host}", "--no-browser",
        f"--strip_sources={not debug}", f"--show_tracebacks={debug}",
    ]


def serve(*, host: str = "127.0.0.1", port: int = 8866, workspace: str | Path | None = None, demo: bool = True,
          debug: bool = False, token: str | None = None, no_token: bool = False, allow_env_token: bool = False,
          max_runs: int | None = None) -> int:
    """Run Voila in the foreground until interrupted (Ctrl-C or SIGTERM); returns its exit code."""
    try:
        import voila  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError("voila", "app", "the dashboard") from exc
    if token is not None and no_token:
        raise TunewidgetsError("--token and --no-token contradict each other: choose one")
    if max_runs is not None and max_runs < 1:
        raise TunewidgetsError(f"--max-runs must be 1 or more, got {max_runs}")
    root = Path(workspace or "tunewidgets-workspace").expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    if not root.is_dir():
        raise TunewidgetsError(f"workspace '{root}' is not a folder")
    loopback = host in LOOPBACK
    if token is None and not loopback and not no_token:
        token = secrets.token_urlsafe(24)
    max_runs = max_runs or max(gpu_count(), 1)
    # Voila runs the notebook next to itself and reads voila.json/voila.py from the folder it starts in: both
    # live in a private folder outside the workspace, so nothing the page writes (it may write anywhere in the
    # workspace) ever becomes Voila's config, and the page cannot list the package.
    served = Path(tempfile.mkdtemp(prefix="tunewidgets-app-"))
    try:
        shutil.copy(NOTEBOOK, served / "app.ipynb")
        config = {**VOILA_CONFIG, "Voila": {"token": token or ""}}  # the token stays off the command line
        (served / "voila.json").write_text(json.dumps(config), encoding="utf-8")
        env = kernel_environment(dict(os.environ), workspace=root, served=served, demo=demo,
                                 allow_env_token=allow_env_token, max_runs=max_runs)
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        if no_token and not loopback:
            print(f"warning: serving on {host} WITHOUT a token (--no-token): anyone who can reach this address "
                  "can train on this machine and read and write the workspace", file=sys.stderr)
        if allow_env_token:
            print("warning: --allow-env-token: every page user can push to the Hub with this server's token",
                  file=sys.stderr)
        url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
        print(f"tunewidgets app: {url}  (workspace {root}; {max_runs} run{'s' * (max_runs > 1)} at a time)",
              flush=True)
        process = subprocess.Popen(voila_command(served / "app.ipynb", host=host, port=port, debug=debug), env=env,
                                   cwd=str(served))
        # SIGTERM to this process (a service manager, a test) is passed on: Voila then shuts its kernels down.
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, lambda signum, frame: process.send_signal(signal.SIGTERM))
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()  # SIGTERM shuts Voila's kernels down
            return process.wait()
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    finally:
        shutil.rmtree(served, ignore_errors=True)
