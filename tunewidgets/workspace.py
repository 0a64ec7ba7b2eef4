"""Confine a served dashboard's file access to one workspace folder.

`tunewidgets app --workspace DIR` sets TUNEWIDGETS_WORKSPACE; every path the
page reads or writes (data, uploads, exports, run directories) goes through
``resolve`` so ``../``, absolute paths outside it and symlinks leading out are
refused with a message. In a plain notebook no workspace is set and any path
the user types is theirs.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import TunewidgetsError

ENV = "TUNEWIDGETS_WORKSPACE"


class WorkspaceError(TunewidgetsError):
    """A path leads outside the served workspace."""


def workspace() -> Path | None:
    """The workspace folder when serving confined, else None."""
    value = os.environ.get(ENV)
    return Path(value).resolve() if value else None


def resolve(path: str | os.PathLike, root: Path | None = None, *, must_exist: bool = False) -> Path:
    """``path`` as an absolute path, refused when it leads outside the workspace.

    Relative paths are taken from the workspace (or the current folder when
    there is none); symlinks are followed before the check.
    """
    root = root if root is not None else workspace()
    raw = Path(os.path.expanduser(str(path)))
    if root is None:
        resolved = raw.resolve()
    else:
        resolved = (raw if raw.is_absolute() else root / raw).resolve()
        if resolved != root and root not in resolved.parents:
            raise WorkspaceError(
                f"'{path}' is outside the workspace {root}: this dashboard only reads and writes inside it"
            )
    if must_exist and not resolved.exists():
        raise WorkspaceError(f"'{path}' does not exist")
    return resolved


def is_path_like(text: str) -> bool:
    """True for what looks like a local path rather than a Hub id (``./x``, ``/x``, ``../x``, ``x.csv``)."""
    text = str(text).strip()
    return text.startswith(("/", ".", "~")) or Path(text).suffix.lower() in (
        ".csv", ".tsv", ".json", ".jsonl", ".parquet", ".yml", ".yaml", ".jinja")
