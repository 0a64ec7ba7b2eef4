"""`tunewidgets app`: serve the app as a Voila dashboard, with safe defaults.

Loopback unless told otherwise, sources stripped, no tracebacks to the page,
and every path the page touches confined to the workspace folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .errors import MissingExtraError, TunewidgetsError

NOTEBOOK = Path(__file__).with_name("notebooks") / "app.ipynb"


def voila_command(notebook: Path, *, host: str, port: int, debug: bool = False) -> list[str]:
    return [
        sys.executable, "-m", "voila", str(notebook),
        f"--port={port}", f"--Voila.ip={host}", "--no-browser",
        f"--strip_sources={not debug}", f"--show_tracebacks={debug}",
        "--VoilaConfiguration.file_allowlist=[]",  # the page serves no files from disk
    ]


def serve(*, host: str = "127.0.0.1", port: int = 8866, workspace: str | Path | None = None, demo: bool = True,
          debug: bool = False) -> int:
    """Run Voila in the foreground until interrupted; returns its exit code."""
    try:
        import voila  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError("voila", "app", "the dashboard") from exc
    root = Path(workspace or "tunewidgets-workspace").expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    if not root.is_dir():
        raise TunewidgetsError(f"workspace '{root}' is not a folder")
    # Voila runs the notebook next to itself: copy it into a private folder so the page cannot list the package.
    served = root / ".tunewidgets-app"
    served.mkdir(exist_ok=True)
    shutil.copy(NOTEBOOK, served / "app.ipynb")
    env = {**os.environ, "TUNEWIDGETS_WORKSPACE": str(root), "TUNEWIDGETS_DEMO": "1" if demo else "0"}
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {host}: anyone who can reach this address can train on this machine",
              file=sys.stderr)
    print(f"tunewidgets app: http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}/  (workspace {root})",
          flush=True)
    process = subprocess.Popen(voila_command(served / "app.ipynb", host=host, port=port, debug=debug), env=env,
                               cwd=str(root))
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()  # SIGTERM shuts Voila's kernels down
        return process.wait()
