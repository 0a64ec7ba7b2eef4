"""Eject to code, fast checks: every task ejects to a standalone script (no tunewidgets import, its sections, the
state it saves), the script's data part reads the rows a run reads, and preference columns get TRL's names.

That each script trains the run's losses is proven in test_eject_equivalence.py (slow)."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from tunewidgets.config import load_config
from tunewidgets.config.tasks import TASKS
from tunewidgets.tasks.base import TaskContext
from tunewidgets.tasks.shared.demo import demo_config
from tunewidgets.tasks.shared.eject_script import ejectable_tasks, python_script

SECTIONS = ("# ---- data", "# ---- model", "# ---- training", "# ---- save")


@pytest.fixture(scope="module")
def demos(tmp_path_factory) -> dict:
    """Every task's offline demo config (its tiny model and generated data)."""
    root = tmp_path_factory.mktemp("eject-demos")
    return {name: load_config(demo_config(spec, root)) for name, spec in TASKS.items()}


def _prefix(text: str, marker: str) -> str:
    """The script up to ``marker``: its settings, helpers and the sections before it."""
    return text[:text.index(marker)]


def test_every_task_ejects():
    assert sorted(ejectable_tasks()) == sorted(TASKS)


@pytest.mark.parametrize("task", list(TASKS))
def test_the_script_is_standalone_and_readable(demos, task, tmp_path):
    text = python_script(demos[task], workdir=tmp_path)
    tree = ast.parse(text)
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] == "tunewidgets"]
    assert ast.get_docstring(tree).startswith("Train ") and f"run '{demos[task].project_name}'" in text
    sections = ("# ---- data", "# ---- search", "# ---- save") if task == "tabular" else SECTIONS
    assert all(section in text for section in sections), task
    positions = [text.index(section) for section in sections]
    assert positions == sorted(positions)
    saves = "scores.json" if task == "tabular" else "trainer.save_state()"
    assert saves in text and str(tmp_path / demos[task].project_name) in text
    ruff = shutil.which("ruff")
    if ruff:  # every name the script reads is defined in it (the helpers copied in bring what they use)
        result = subprocess.run([ruff, "check", "--isolated", "--select", "F,E9", "--ignore", "F811",  # a helper's
                                 "--stdin-filename", "ejected.py", "-"],  # own imports may repeat the script's
                                input=text, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout[-3000:]


# task -> the column the run stratifies its held-out split by (None: a plain split)
_READS = {"text_classification": "target", "token_classification": None, "image_classification": "target",
          "image_regression": None, "object_detection": None, "sentence-transformers:pair_class": "target",
          "seq2seq": None}


@pytest.mark.parametrize("held_out", [False, True], ids=["valid-split", "held-out"])
@pytest.mark.parametrize("task", list(_READS))
def test_the_script_reads_the_rows_a_run_reads(demos, task, held_out, tmp_path):
    from tunewidgets.device import DeviceInfo
    from tunewidgets.tasks.shared.splits import load_train_valid

    config = demos[task]
    if held_out:
        config = config.model_copy(update={"data": config.data.model_copy(update={"valid_split": None})})
    namespace: dict = {}
    exec(compile(_prefix(python_script(config, workdir=tmp_path), "# ---- model"), "ejected", "exec"), namespace)
    ctx = TaskContext(config=config, run_dir=tmp_path, device=DeviceInfo(device="cpu"), log=lambda _t: None)
    ours = load_train_valid(ctx, stratify=_READS[task])
    for theirs, mine in zip((namespace["train"], namespace["valid"]), ours[:2]):
        assert len(theirs) == len(mine)
        shared = [c for c in mine.column_names if c in theirs.column_names]  # sentence pairs: target is now label
        assert len(shared) >= len(mine.column_names) - 1
        for column in shared:
            assert theirs[column] == mine[column], column


def test_the_tabular_script_reads_the_rows_a_run_reads(demos, tmp_path):
    from tunewidgets.device import DeviceInfo
    from tunewidgets.tasks.tabular.train import TabularSearch

    config = demos["tabular"]
    config = config.model_copy(update={"data": config.data.model_copy(update={"valid_split": None})})
    namespace: dict = {}
    exec(compile(_prefix(python_script(config, workdir=tmp_path), "# ---- search"), "ejected", "exec"), namespace)
    search = TabularSearch(TaskContext(config=config, run_dir=tmp_path, device=DeviceInfo(device="cpu"),
                                       log=lambda _t: None))
    assert namespace["train_df"].equals(search.train_df) and namespace["valid_df"].equals(search.valid_df)


@pytest.mark.parametrize("task", ["llm-dpo", "llm-orpo", "llm-reward"])
def test_preference_columns_become_prompt_chosen_rejected(demos, task, tmp_path):
    """Columns named question/good/bad: the script renames them as the run does and TRL gets prompt, chosen and
    rejected (the scripts used to rename the chosen column to text and stop with KeyError: 'chosen')."""
    import json

    from tunewidgets.tasks.shared.llm_preference import prepare_preference
    from tunewidgets.tasks.shared.splits import load_split_data, map_columns

    source = Path(demos[task].data.path)
    for split in ("train", "valid"):
        rows = [json.loads(line) for line in (source / f"{split}.jsonl").read_text().splitlines()]
        (tmp_path / f"{split}.jsonl").write_text("".join(
            json.dumps({"bad": r["rejected"], "question": r["prompt"], "good": r["chosen"]}) + "\n" for r in rows))
    config = load_config({**demos[task].model_dump(mode="json", exclude={"hub"}), "data": {
        "path": str(tmp_path), "train_split": "train", "valid_split": "valid",
        "column_mapping": {"text_column": "good", "rejected_text_column": "bad", "prompt_text_column": "question"}}})
    text = python_script(config, workdir=tmp_path / "out")
    assert "COLUMNS = {'good': 'text', 'bad': 'rejected', 'question': 'prompt'}" in text
    namespace: dict = {}
    exec(compile(_prefix(text, "# ---- model"), "ejected", "exec"), namespace)
    ours = prepare_preference(map_columns(load_split_data(config, None, "train"), config), "train", task)
    assert sorted(namespace["train"].column_names) == ["chosen", "prompt", "rejected"]
    assert namespace["train"].to_list() == ours.to_list()
