"""The project's own error types.

Every problem a user can cause (bad config, bad data, a model that cannot be
loaded) is raised as a :class:`TunewidgetsError` with a message that names the
problem and the fix, so the CLI can print one line and exit 2 and the app can
show it in red instead of a traceback.
"""

from __future__ import annotations


class TunewidgetsError(Exception):
    """Base class: a user-facing problem with a clear one-line message."""

    exit_code = 2


class ConfigError(TunewidgetsError):
    """The config (YAML, dict, --set overrides or form values) is invalid."""


class DataError(TunewidgetsError):
    """The data cannot be loaded or does not fit the task."""


class ModelError(TunewidgetsError):
    """The model cannot be found, loaded or used for the task."""


class RunDirectoryError(TunewidgetsError):
    """The run directory exists and would be overwritten, or cannot be written."""


class MissingExtraError(TunewidgetsError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, package: str, extra: str, purpose: str = ""):
        what = f" for {purpose}" if purpose else ""
        super().__init__(
            f"{package} is needed{what} but is not installed: "
            f"pip install 'tunewidgets[{extra}]'"
        )
        self.package = package
        self.extra = extra


def require(module: str, extra: str, purpose: str = ""):
    """Import an optional module or raise MissingExtraError naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtraError(module.split(".")[0], extra, purpose) from exc


def summary(exc: BaseException, limit: int = 300) -> str:
    """The first line of an exception's message (its type when it has none), cut to ``limit`` characters:
    what a one-line error shows of a library's failure."""
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:limit]


def disk_full(exc: BaseException | None, folder=None) -> bool:
    """Whether ``exc`` (or what caused it) is a full disk or quota: ENOSPC/EDQUOT, or a library's write error
    (torch, safetensors) while ``folder``'s file system has less than a megabyte left."""
    import errno
    import shutil

    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return True
        exc = exc.__cause__ or exc.__context__
    if folder is not None:
        try:
            return shutil.disk_usage(folder).free < 1_000_000
        except OSError:
            return False
    return False
