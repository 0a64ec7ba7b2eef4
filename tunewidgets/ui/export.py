"""Export a run: its YAML, the CLI command that reruns it, and the same training as a standalone script.

Pure text generators (no widgets) so they are tested directly. The YAML is
``dump_config`` itself, so it is byte-equal to the run directory's config.yml; the
script is the task's ``eject`` hook, asked through the entry ``tunewidgets eject`` uses too.
"""

from __future__ import annotations

import base64
import shlex
from pathlib import Path

from ..config.loader import dump_config
from ..config.run_config import RunConfig
from . import theme


def config_yaml(config: RunConfig) -> str:
    """The YAML of ``config`` exactly as a run writes its config.yml (secrets as ${VAR})."""
    return dump_config(config)


def cli_command(yaml_path: str | Path, workdir: str | Path | None = None, resume: bool = False) -> str:
    parts = ["tunewidgets", "train", str(yaml_path)]
    if workdir is not None:
        parts += ["--workdir", str(workdir)]
    if resume:
        parts.append("--resume")
    return " ".join(shlex.quote(p) for p in parts)


def download_link(text: str, filename: str, label: str | None = None, mime: str = "text/yaml") -> str:
    """An ``<a download>`` with a data: URL: a download that needs no server route (works in Voila and Colab)."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (f'<a class="tw-download" download="{theme.esc(filename)}" href="data:{mime};base64,{payload}" '
            f'style="color:#1565c0;text-decoration:underline">{theme.esc(label or "Download " + filename)}</a>')


def ejectable_tasks() -> list[str]:
    """The tasks whose runs eject to a standalone script."""
    from ..tasks.shared.eject_script import ejectable_tasks as tasks

    return tasks()


def python_script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None,
                  device=None) -> str:
    """A standalone script that trains like this config (the task's eject hook; no tunewidgets needed): the
    same text ``tunewidgets eject`` writes."""
    from ..tasks.shared.eject_script import python_script as script

    return script(config, workdir=workdir, num_examples=num_examples, device=device)
