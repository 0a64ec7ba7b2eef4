"""Which paths the app may touch: any, or only those inside a workspace folder.

A served dashboard (``tunewidgets app --workspace DIR`` sets TUNEWIDGETS_WORKSPACE,
or ``TrainerApp(workspace=DIR)``) reads and writes only inside DIR: every path
the page takes (data, model, upload, YAML save and load, run directories,
re-attach, chat template file) goes through ``Confinement`` and one leading out
(``../``, an absolute path elsewhere, a symlink) is refused with a message.
Hub ids stay allowed. Without a workspace every method passes paths through
unchanged, as a notebook user expects.
"""

from __future__ import annotations

import os
from pathlib import Path

from .. import workspace as ws
from ..config.run_config import RunConfig

BUILTIN_TEMPLATES = ("", "none", "tokenizer", "chatml", "zephyr")
RUN_FILES = ("status.json", "metrics.jsonl", "config.yml", "train.log", "config.json", "adapter_config.json")


class Confinement:
    """``root`` None: no confinement. Methods raise WorkspaceError (a TunewidgetsError) for a path leading out."""

    def __init__(self, root: str | Path | None):
        self.root = Path(root).expanduser().resolve() if root else None

    @property
    def active(self) -> bool:
        return self.root is not None

    def path(self, value: str | os.PathLike, *, must_exist: bool = False) -> Path:
        """A file or folder the page reads or writes: resolved inside the workspace, else refused."""
        if self.root is None:
            return Path(os.path.expanduser(str(value)))
        return ws.resolve(value, self.root, must_exist=must_exist)

    def readable(self, value: str | os.PathLike) -> bool:
        """Whether the app may open ``value`` (a preview thumbnail): always when not serving a workspace."""
        if not self.active:
            return True
        try:
            self.path(value)
        except ws.WorkspaceError:
            return False
        return True

    def folder(self, value: str | os.PathLike, *, must_exist: bool = False) -> Path:
        """Like ``path``, and no entry of the folder links outside (a loader would follow it)."""
        resolved = self.path(value, must_exist=must_exist)
        if self.root is not None:
            ws.check_tree(resolved, self.root, depth=2)
        return resolved

    def source(self, name: str) -> str:
        """A model or dataset: a Hub id unchanged; a local one resolved (its folder checked), else refused."""
        if self.root is None or not str(name).strip():
            return str(name).strip()
        text = ws.resolve_source(name, self.root)
        if os.path.isabs(text):  # local: a folder's entries must not link out either
            ws.check_tree(text, self.root, depth=2)
        return text

    def template(self, value: str | None) -> str | None:
        """A chat template: a built-in name unchanged, a jinja file resolved."""
        if value is None or str(value).strip().lower() in BUILTIN_TEMPLATES or self.root is None:
            return value
        return str(self.path(str(value).strip()))

    def run_dir(self, value: str | os.PathLike, *, must_exist: bool = False) -> Path:
        """A run directory to read or write, and the files in it the app reads."""
        folder = self.path(value, must_exist=must_exist)
        if self.root is not None:
            for name in RUN_FILES:
                if os.path.lexists(folder / name):
                    self.path(folder / name)
        return folder

    def lists(self, folder: str | os.PathLike) -> bool:
        """Whether a run directory may be listed (History, Compare): not one leading out of the workspace."""
        if self.root is None:
            return True
        try:
            self.run_dir(folder)
        except Exception:  # noqa: BLE001 - leads outside the workspace (or cannot be read): not listed
            return False
        return True

    def config(self, config: RunConfig, workdir: Path) -> RunConfig:
        """``config`` with every local path resolved inside the workspace; WorkspaceError for one leading out."""
        if self.root is None:
            return config
        data = config.data
        data_update: dict = {}
        if data.path:
            data_update["path"] = self.source(data.path)
            local = Path(data_update["path"])
            if local.is_absolute() and local.is_dir():
                for split in (data.train_split, data.valid_split):
                    if split and any(sep in split for sep in ("/", "\\", "..")):
                        self.path(local / split)
        if data.chat_template:
            data_update["chat_template"] = self.template(data.chat_template)
        params = config.params
        params_update: dict = {}
        model_ref = getattr(params, "model_ref", None)
        if model_ref:
            params_update["model_ref"] = self.source(model_ref)
        checkpoint = getattr(params, "resume_from_checkpoint", None)
        if isinstance(checkpoint, str) and checkpoint.strip().lower() not in ("", "auto", "true", "false", "none"):
            params_update["resume_from_checkpoint"] = str(self.path(checkpoint))
        self.run_dir(Path(workdir) / config.project_name)
        update: dict = {"base_model": self.source(config.base_model)}
        if data_update:
            update["data"] = data.model_copy(update=data_update)
        if params_update:
            update["params"] = params.model_copy(update=params_update)
        return config.model_copy(update=update)
