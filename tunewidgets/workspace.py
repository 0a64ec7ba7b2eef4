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
SERVED_ENV = "TUNEWIDGETS_SERVED"  # set by `tunewidgets app` for its kernels (and the runs they start)


class WorkspaceError(TunewidgetsError):
    """A path leads outside the served workspace."""


def served() -> bool:
    """True in a dashboard that `tunewidgets app` serves: weights load from safetensors only, no remote code
    runs, no pickled model is read, and the server's own Hub token is not used."""
    return os.environ.get(SERVED_ENV) == "1"


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
        joined = raw if raw.is_absolute() else root / raw
        resolved = joined.resolve()
        if not _inside(resolved, root):
            how = " through a symlink" if _inside(Path(os.path.normpath(joined)), root) else ""
            raise WorkspaceError(
                f"'{path}' leads outside the workspace{how}: this dashboard only reads and writes inside {root}"
                if how else f"'{path}' is outside the workspace {root}: this dashboard only reads and writes inside it"
            )
    if must_exist and not resolved.exists():
        raise WorkspaceError(f"'{path}' does not exist")
    return resolved


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def resolve_source(name: str, root: Path | None = None) -> str:
    """A model or dataset name: a Hub id passes unchanged, a local path comes back resolved (or refused).

    Local means it looks like a path (``./x``, ``/x``, ``x.csv``) or names something on disk, in the workspace
    or the current folder (a loader would read that before asking the Hub).
    """
    root = root if root is not None else workspace()
    text = str(name).strip()
    if root is None or not text:
        return text
    expanded = os.path.expanduser(text)
    local = is_path_like(text) or os.path.lexists(root / expanded) or os.path.lexists(expanded)
    return str(resolve(text, root)) if local else text


def check_tree(path: str | os.PathLike, root: Path | None = None, *, depth: int = 1, limit: int = 2000) -> None:
    """Refuse a folder whose entries (``depth`` levels down) are symlinks leading outside the workspace.

    A folder inside the workspace can still hold ``train.jsonl -> /elsewhere/secret.jsonl``; a loader would
    follow it. Looks at ``limit`` entries at most (data and model folders are small at the top).
    """
    root = root if root is not None else workspace()
    folder = Path(path)
    if root is None or not folder.is_dir():
        return
    seen = 0
    frontier = [folder]
    for _ in range(depth):
        deeper = []
        for current in frontier:
            try:
                entries = list(current.iterdir())
            except OSError:
                continue
            for entry in entries:
                seen += 1
                if seen > limit:
                    return
                if entry.is_symlink():
                    resolve(entry, root)
                if entry.is_dir() and not entry.is_symlink():
                    deeper.append(entry)
        frontier = deeper


def is_path_like(text: str) -> bool:
    """True for what looks like a local path rather than a Hub id (``./x``, ``/x``, ``../x``, ``x.csv``)."""
    text = str(text).strip()
    return text.startswith(("/", ".", "~")) or Path(text).suffix.lower() in (
        ".csv", ".tsv", ".json", ".jsonl", ".parquet", ".yml", ".yaml", ".jinja")
