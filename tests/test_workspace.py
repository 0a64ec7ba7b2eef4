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


def test_hub_ids_pass_and_local_sources_are_resolved_or_refused(tmp_path, monkeypatch):
    from tunewidgets.workspace import resolve_source

    root = tmp_path / "ws"
    (root / "models" / "m").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert resolve_source("HuggingFaceTB/SmolLM2-135M", root) == "HuggingFaceTB/SmolLM2-135M"
    assert resolve_source("gpt2", root) == "gpt2"
    assert resolve_source("models/m", root) == str((root / "models" / "m").resolve())  # on disk: a path
    assert resolve_source("./x", root) == str(root.resolve() / "x")  # local-looking: a path in the workspace
    (tmp_path / "owner" / "name").mkdir(parents=True)  # in the current folder, outside the workspace
    # a loader would read ./owner/name before asking the Hub: it becomes the workspace's (missing) folder instead
    assert resolve_source("owner/name", root) == str(root.resolve() / "owner" / "name")
    for text in ("../owner/name", "/etc", "../x.csv", "~/model"):
        with pytest.raises(WorkspaceError):
            resolve_source(text, root)

def test_a_folder_holding_a_symlink_out_is_refused(tmp_path):
    from tunewidgets.workspace import check_tree

    root = tmp_path / "ws"
    (root / "data" / "train").mkdir(parents=True)
    (tmp_path / "secret.jsonl").write_text("{}\n")
    check_tree(root / "data", root)
    os.symlink(tmp_path / "secret.jsonl", root / "data" / "train" / "part.jsonl")
    with pytest.raises(WorkspaceError, match="through a symlink"):
        check_tree(root / "data", root, depth=2)
    check_tree(root / "data", None)  # no workspace: nothing to check
