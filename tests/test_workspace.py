"""A served dashboard cannot read or write outside its workspace."""

from __future__ import annotations

import os

import pytest

from tunewidgets.workspace import WorkspaceError, resolve


def test_paths_inside_are_resolved(tmp_path):
    (tmp_path / "data").mkdir()
    assert resolve("data", tmp_path) == (tmp_path / "data").resolve()
    assert resolve(str(tmp_path / "data" / "x.csv"), tmp_path) == (tmp_path / "data" / "x.csv").resolve()
    assert resolve(".", tmp_path) == tmp_path.resolve()


@pytest.mark.parametrize("path", ["../secret.txt", "data/../../secret.txt", "/etc/passwd", "~/.bashrc"])
def test_escapes_are_refused(tmp_path, path):
    root = tmp_path / "ws"
    root.mkdir()
    with pytest.raises(WorkspaceError, match="outside the workspace"):
        resolve(path, root.resolve())


def test_symlink_out_is_refused(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("secret")
    os.symlink(tmp_path / "outside.txt", root / "link.txt")
    with pytest.raises(WorkspaceError, match="outside the workspace"):
        resolve("link.txt", root.resolve())


def test_no_workspace_means_no_confinement(tmp_path, monkeypatch):
    monkeypatch.delenv("TUNEWIDGETS_WORKSPACE", raising=False)
    assert resolve(str(tmp_path)) == tmp_path.resolve()
    monkeypatch.setenv("TUNEWIDGETS_WORKSPACE", str(tmp_path))
    with pytest.raises(WorkspaceError):
        resolve("/etc")
