"""The task registry: every task declares what the layers read, once (tests/ui/test_app_new_task.py adds one)."""

from __future__ import annotations

import sys

import pytest

from tunewidgets.config.tasks import TASKS, canonical_task

_SPEC_FIELDS_EVERY_TASK_FILLS = ("title", "group", "params", "roles", "build", "load_saved", "demo")


@pytest.mark.parametrize("name", list(TASKS))
def test_every_task_declares_what_the_layers_read(name):
    spec = TASKS[name]
    for field in _SPEC_FIELDS_EVERY_TASK_FILLS:
        assert getattr(spec, field), (name, field)
    assert spec.name == name and canonical_task(name) == name
    for hook in (spec.build, spec.load_saved, spec.checks, spec.predict and spec.predict.run, spec.eject):
        if hook is not None:
            assert callable(hook.resolve()), hook.target  # every hook names a function that exists
    for role in spec.roles:
        assert role.help and role.renamed_to
    for alias in spec.aliases:
        assert canonical_task(alias) == name


def test_reading_the_catalog_imports_no_heavy_library():
    import subprocess

    code = ("import sys; from tunewidgets.config.tasks import TASKS, canonical_task; list(TASKS); "
            "canonical_task('st:pair'); heavy = [m for m in ('torch', 'transformers', 'trl', 'datasets', 'pandas', "
            "'numpy', 'ipywidgets') if m in sys.modules]; print(heavy); assert not heavy")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_layer_above_tasks_names_a_task():
    """ui, run and the CLI read the registry: none of their code holds a task's name."""
    import re
    from pathlib import Path

    import tunewidgets

    root = Path(tunewidgets.__file__).parent
    names = set(TASKS) | set(TASKS.aliases) | {name.split(":")[0] for name in TASKS}
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    found = []
    for path in [*sorted((root / "ui").glob("*.py")), *sorted((root / "run").glob("*.py")), root / "cli.py"]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for literal in re.findall(r"(['\"])(.*?)\1", line):
                if pattern.fullmatch(literal[1]) or re.search(rf"(^|[^\w-])({pattern.pattern})([^\w-]|$)",
                                                              literal[1]):
                    found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert found == []
