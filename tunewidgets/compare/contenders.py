"""What a comparison puts side by side: trained runs (the models they saved) and, when asked, the base models
they started from, each under its column's key.

Every run is checked before any model loads, so a typo, an unfinished run or a run whose model writes no text
is named at once with what to do, not after minutes of loading the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..config.loader import load_config
from ..config.run_config import RunConfig
from ..config.tasks import TASKS
from ..errors import ConfigError, ModelError, TunewidgetsError
from ..run.rundir import RunDirectory
from ..run.saved import has_saved_model
from ..run.states import ACTIVE_STATES, FAILED, FINISHED, STOPPED
from .prompts import named

BASE = "base"
RESERVED_KEYS = ("prompt", "reference", BASE)  # a comparison row's own keys: a run of such a name is renamed
_CHECKPOINT = re.compile(r"^checkpoint-\d+$")


@dataclass(frozen=True)
class Contender:
    """One column: a run's saved model, or (``base`` set) the base model a run started from, asked through that
    run's tokenizer or processor so the prompts are laid out as training laid them out."""

    key: str
    run_dir: Path
    config: RunConfig
    model_dir: Path | None = None  # the saved model (the run directory, or one of its checkpoints)
    base: str | None = None  # the base model's name or path (a base contender)

    @property
    def spec(self):
        return TASKS[self.config.task]

    @property
    def kind(self) -> str | None:
        return self.spec.generates

    @property
    def is_base(self) -> bool:
        return self.base is not None


def find_contenders(runs: Sequence[str | Path], *, base: bool = False,
                    workdir: str | Path | None = None) -> list[Contender]:
    """The runs (paths, or project names under ``workdir``) as contenders, with their base model(s) first when
    ``base``: one key ``base`` when every run shares it, else ``base:<model>`` each. All must generate text of
    the same kind."""
    if not runs:
        raise ConfigError("give at least one run to compare")
    found = [_run(str(name), workdir) for name in runs]
    seen: dict[Path, str] = {}
    for name, (_, model_dir, _) in zip(runs, found):
        where = model_dir.resolve()
        if where in seen:
            raise ConfigError(f"run '{name}' is given twice (as '{seen[where]}' too): give each run once")
        seen[where] = str(name)
    keys = _unique_keys([_key(run_dir, model_dir) for run_dir, model_dir, _ in found],
                        [run_dir for run_dir, _, _ in found])
    contenders = [Contender(key, run_dir, config, model_dir=model_dir)
                  for key, (run_dir, model_dir, config) in zip(keys, found)]
    _check_kinds(contenders)
    if not base:
        return contenders
    firsts: dict[str, Contender] = {}
    for contender in contenders:  # each base once, asked through the first run that started from it
        firsts.setdefault(contender.config.base_model, contender)
    bases = [Contender(BASE if len(firsts) == 1 else f"{BASE}:{model}", c.run_dir, c.config, base=model)
             for model, c in firsts.items()]
    return bases + contenders


def generating_tasks() -> list[str]:
    return [name for name, spec in TASKS.items() if spec.generates]


# --------------------------------------------------------------------------- one run


def _run(name: str, workdir: str | Path | None) -> tuple[Path, Path, RunConfig]:
    """(run directory, folder of the saved model, config) of one RUN argument, or an error naming it."""
    folder = _locate(name, workdir)
    run_dir, model_dir = folder, folder
    if _CHECKPOINT.match(folder.name) and (folder.parent / "config.yml").is_file():
        run_dir = folder.parent  # a checkpoint of a run: its model, the run's config
    if not (run_dir / "config.yml").is_file():
        raise ConfigError(f"'{name}' is not a run directory: {folder} has no config.yml (every run that "
                          "tunewidgets trains has one)")
    try:
        config = load_config(run_dir / "config.yml")
    except TunewidgetsError as exc:
        raise named(exc, f"run '{name}'") from None
    if not has_saved_model(model_dir):
        raise ModelError(_unfinished(name, run_dir))
    return run_dir, model_dir, config


def _locate(name: str, workdir: str | Path | None) -> Path:
    given = Path(name).expanduser()
    candidates = []
    if workdir is not None and not given.is_absolute():
        candidates.append(Path(workdir).expanduser() / given)
    candidates.append(given)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    tried = " nor ".join(str(c) for c in dict.fromkeys(candidates))
    raise ConfigError(f"run '{name}' not found: {tried} is not a folder; give a run directory, or a project name "
                      "and --workdir (the folder that holds it)")


def _unfinished(name: str, run_dir: Path) -> str:
    """Why a run has no model to compare, from its status.json, and what to do about it."""
    rundir = RunDirectory(run_dir, writer=False)
    status = rundir.status() or {}
    state, step = status.get("state"), status.get("step")
    at = f" at step {step}" if step is not None else ""
    if state in ACTIVE_STATES:
        what = f"is still training{at}: no final model yet; wait for it to finish"
    elif state == STOPPED:
        what = f"stopped{at}: no final model"
    elif state == FAILED:
        error = str(status.get("error") or "").strip()
        what = f"failed{at}{f' ({error.splitlines()[0][:160]})' if error else ''}: no final model"
    elif state == FINISHED:
        what = "finished, but its folder holds no saved model (moved or deleted?)"
    else:
        what = "has no saved model"
    if state in ACTIVE_STATES:
        return f"run '{name}' {what}"
    last = rundir.last_checkpoint()
    resume = f"tunewidgets train {run_dir / 'config.yml'} --workdir {run_dir.parent} --resume"
    if last is not None:
        return f"run '{name}' {what}; resume it ({resume}) or point at its last checkpoint, {last}"
    return f"run '{name}' {what}; resume or retrain it, or point at a finished run"


# --------------------------------------------------------------------------- keys and kinds


def _key(run_dir: Path, model_dir: Path) -> str:
    key = run_dir.name if model_dir == run_dir else f"{run_dir.name}/{model_dir.name}"
    return f"run:{key}" if key in RESERVED_KEYS or key.startswith(f"{BASE}:") else key


def _unique_keys(keys: list[str], run_dirs: list[Path]) -> list[str]:
    """Two runs of one name are told apart by their parent folder (then by a number)."""
    out = [f"{d.resolve().parent.name}/{k}" if keys.count(k) > 1 else k for k, d in zip(keys, run_dirs)]
    final: list[str] = []
    for key in out:
        unique, n = key, 2
        while unique in final:
            unique, n = f"{key}#{n}", n + 1
        final.append(unique)
    return final


def _check_kinds(contenders: list[Contender]) -> None:
    for c in contenders:
        if c.kind is None:
            raise ConfigError(f"run '{c.key}' is {c.config.task}: its model writes no text to compare; compare "
                              f"takes runs of {', '.join(generating_tasks())}")
    kinds = {c.kind for c in contenders}
    if len(kinds) > 1:
        shown = ", ".join(f"{c.key} ({c.config.task}: {c.kind})" for c in contenders)
        raise ConfigError(f"these runs write text from different inputs and cannot answer the same prompts: {shown}")
