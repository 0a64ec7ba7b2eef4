"""`tunewidgets app`: serve the app as a Voila dashboard, with safe defaults.

Loopback unless told otherwise, sources stripped, no tracebacks to the page,
no files served from disk, and every path the page touches confined to the
workspace folder (TUNEWIDGETS_WORKSPACE, read by the app).
"""

from __future__ import annotations

import json
import os
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


def voila_command(notebook: Path, *, host: str, port: int, debug: bool = False) -> list[str]:
    return [
        sys.executable, "-m", "voila", str(notebook),
        f"--port={port}", f"--Voila.ip={host}", "--no-browser",
        f"--strip_sources={not debug}", f"--show_tracebacks={debug}",
    ]


def serve(*, host: str = "127.0.0.1", port: int = 8866, workspace: str | Path | None = None, demo: bool = True,
          debug: bool = False) -> int:
    """Run Voila in the foreground until interrupted (Ctrl-C or SIGTERM); returns its exit code."""
    try:
        import voila  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError("voila", "app", "the dashboard") from exc
    root = Path(workspace or "tunewidgets-workspace").expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    if not root.is_dir():
        raise TunewidgetsError(f"workspace '{root}' is not a folder")
    # Voila runs the notebook next to itself and reads voila.json/voila.py from the folder it starts in: both
    # live in a private folder outside the workspace, so nothing the page writes (it may write anywhere in the
    # workspace) ever becomes Voila's config, and the page cannot list the package.
    served = Path(tempfile.mkdtemp(prefix="tunewidgets-app-"))
    try:
        shutil.copy(NOTEBOOK, served / "app.ipynb")
        (served / "voila.json").write_text(json.dumps(VOILA_CONFIG), encoding="utf-8")
        env = {**os.environ, "TUNEWIDGETS_WORKSPACE": str(root), "TUNEWIDGETS_DEMO": "1" if demo else "0"}
        if host not in ("127.0.0.1", "localhost", "::1"):
            print(f"warning: serving on {host}: anyone who can reach this address can train on this machine",
                  file=sys.stderr)
        print(f"tunewidgets app: http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}/  (workspace {root})",
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
