"""Every notebook in notebooks/ executes offline and shows what it promises."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _execute(path: Path, cwd: Path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}},
                   store_widget_state=True).execute()
    return nb


def _text(nb) -> str:
    chunks = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output.get("evalue")
            chunks.append(output.get("text", ""))
            chunks.append(json.dumps(output.get("data", {})))
    return "\n".join(chunks)


def test_the_packaged_app_notebook_is_the_repositorys():
    packaged = Path(__file__).resolve().parents[1] / "tunewidgets" / "notebooks" / "app.ipynb"
    assert packaged.read_text() == (packaged.parents[2] / "notebooks" / "app.ipynb").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name.startswith("quickstart")], ids=lambda p: p.stem)
def test_quickstart_runs_both_paths(path, tmp_path):
    nb = _execute(path, tmp_path)
    text = _text(nb)
    assert "finished -" in text  # the widget path trained
    assert "CLI run: finished" in text  # the exported YAML reran headless
    assert "application/vnd.jupyter.widget-view+json" in text  # the app rendered as a widget
    assert (tmp_path / "runs-cli").is_dir()


@pytest.mark.slow
def test_app_notebook_renders_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("TUNEWIDGETS_WORKSPACE", str(tmp_path))
    nb = _execute(next(p for p in NOTEBOOKS if p.name == "app.ipynb"), tmp_path)
    assert "application/vnd.jupyter.widget-view+json" in _text(nb)
