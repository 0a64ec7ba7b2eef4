"""Eject to code: the one entry the app's Eject button and ``tunewidgets eject`` share, so both give the same
script. It asks the task's ``eject`` hook (see each task's ``eject.py``); a task without one (a plugin's)
gets a note saying how to rerun it headless instead."""

from __future__ import annotations

from pathlib import Path

from ...config.run_config import RunConfig


def ejectable_tasks() -> list[str]:
    """The tasks whose runs eject to a standalone script."""
    from ...config.tasks import TASKS

    return [name for name, spec in TASKS.items() if spec.eject is not None]


def can_eject(config: RunConfig) -> bool:
    return config.task_info.eject is not None


def python_script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None,
                  device=None) -> str:
    """A standalone script that trains like this config (the task's eject hook; no tunewidgets needed).

    ``device``: what the settings are fitted to (default: CPU); ``workdir``: the folder that gets the run's
    directory, as for ``tunewidgets train --workdir``."""
    spec = config.task_info
    if spec.eject is None:
        return (f"# Eject to code writes a plain script for {', '.join(ejectable_tasks())}.\n"
                f"# {spec.title} ({config.task}) trains here and reruns headless from its YAML:\n"
                f"#   tunewidgets train {config.project_name}.yml\n")
    return spec.eject(config, workdir=workdir, num_examples=num_examples, device=device)
