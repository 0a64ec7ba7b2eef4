"""The Optuna study behind a sweep: its storage, sampler and pruner, and the bookkeeping of its trials.

A study lives in an RDB storage: by default an SQLite file in the project folder
(``<project_name>/sweep.db``), or any Optuna RDB URL (PostgreSQL, MySQL) that workers on several machines share.
Trials are numbered by the storage, so two workers never run the same trial.

Which trials count towards ``trials``: the finished (complete), the pruned, the running (another worker's), and
the failed that failed by themselves (an exception, a NaN, out of memory: they carry an ``error``). A trial whose
process was killed (found on the next start: its pid is gone from this machine, or its heartbeat stopped on
another) is marked failed and does not count, so a rerun does that much work again.
"""

from __future__ import annotations

import os
import socket
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, MissingExtraError

if TYPE_CHECKING:  # pragma: no cover
    import optuna

    from ..config.sweep import SweepConfig

DB_FILE = "sweep.db"
HEARTBEAT_S = 20  # a trial's heartbeat in the storage: a worker on another machine that died is found by it
GRACE_S = 90
# user attributes of a trial
ERROR, KILLED, SURPLUS, INTERRUPTED = "error", "killed", "surplus", "interrupted"


def require_optuna():
    """Optuna, or an error that names the extra to install."""
    try:
        import optuna
    except ImportError:
        raise MissingExtraError("optuna", "sweep", "tunewidgets sweep") from None
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # the sweep prints its own lines (failed trials too)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return optuna


def storage_url(sweep: "SweepConfig", project_dir: Path) -> str:
    if sweep.storage:
        return sweep.storage
    return f"sqlite:///{(project_dir / DB_FILE).resolve()}"


def make_storage(url: str):
    optuna = require_optuna()
    engine_kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # several local workers write one file: wait for the lock rather than fail at once
        engine_kwargs["connect_args"] = {"timeout": 60}
    for attempt in range(5):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, heartbeat_interval=HEARTBEAT_S,
                                              grace_period=GRACE_S)
        except ImportError as exc:  # a driver (psycopg2, pymysql) is missing
            raise ConfigError(f"sweep.storage: {url.split(':', 1)[0]} needs a database driver: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - SQLAlchemy's errors (bad URL, unreachable server) are many
            if attempt < 4 and type(exc).__name__ in ("IntegrityError", "OperationalError"):
                time.sleep(0.5 * (attempt + 1))  # workers starting together race to create the tables
                continue
            raise ConfigError(f"sweep.storage: cannot open {redact_url(url)}: {type(exc).__name__}: {exc}") \
                from None
    raise AssertionError("unreachable")  # pragma: no cover


def redact_url(url: str) -> str:
    """A storage URL without its password."""
    import re

    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1***@", url)


def make_sampler(sweep: "SweepConfig"):
    optuna = require_optuna()
    if sweep.sampler == "random":
        return optuna.samplers.RandomSampler(seed=sweep.seed)
    if sweep.sampler == "grid":
        space = {key: rng.grid_values() for key, rng in sweep.params.items()}
        return optuna.samplers.GridSampler(space, seed=sweep.seed)
    return optuna.samplers.TPESampler(seed=sweep.seed)


def make_pruner(sweep: "SweepConfig"):
    optuna = require_optuna()
    if sweep.pruner == "none":
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0)


def open_study(sweep: "SweepConfig", project_dir: Path, study_name: str) -> "optuna.Study":
    """The sweep's study, created on the first start and continued after."""
    optuna = require_optuna()
    storage = make_storage(storage_url(sweep, project_dir))
    try:
        study = optuna.create_study(storage=storage, sampler=make_sampler(sweep), pruner=make_pruner(sweep),
                                    study_name=study_name, direction=sweep.direction, load_if_exists=True)
    except ValueError as exc:
        raise ConfigError(f"sweep: study '{study_name}' in {redact_url(storage.url)} cannot be continued: {exc}") \
            from None
    if study.direction.name.lower() != sweep.direction:
        raise ConfigError(f"sweep.direction: study '{study_name}' was started to {study.direction.name.lower()} "
                          f"its metric; it cannot {sweep.direction} now (choose another sweep.study_name)")
    started = study.user_attrs.get("metric")
    if started is None:
        study.set_user_attr("metric", sweep.metric)
    elif started != sweep.metric:
        raise ConfigError(f"sweep.metric: study '{study_name}' optimises {started}, not {sweep.metric} "
                          "(choose another sweep.study_name)")
    return study


def mark_killed(study: "optuna.Study") -> list[int]:
    """Mark failed the running trials whose process is gone: on this machine by pid, elsewhere by heartbeat.
    Returns their numbers."""
    optuna = require_optuna()
    TrialState = optuna.trial.TrialState  # noqa: N806 - optuna's name
    storage = study._storage
    host, me = socket.gethostname(), os.getpid()
    marked = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        attrs = trial.user_attrs
        if attrs.get("host") != host or attrs.get("pid") in (None, me) or _alive(attrs["pid"]):
            continue
        try:
            storage.set_trial_user_attr(trial._trial_id, KILLED, True)
            if storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL):
                marked.append(trial.number)
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # another worker marked it first
    before = {t.number for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))}
    optuna.storages.fail_stale_trials(study)  # heartbeats of other machines
    after = {t.number for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))}
    return marked + sorted(before - after)


def counts(trial) -> bool:
    """Whether a trial counts towards the sweep's number of trials (see the module's docstring)."""
    import optuna

    state = trial.state
    attrs = trial.user_attrs
    if attrs.get(SURPLUS):
        return False
    if state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.RUNNING):
        return True
    return state == optuna.trial.TrialState.FAIL and ERROR in attrs


def counted(study: "optuna.Study", before: int | None = None) -> int:
    """Trials that count (with a number below ``before`` when given)."""
    return sum(1 for t in study.get_trials(deepcopy=False)
               if counts(t) and (before is None or t.number < before))


def running_elsewhere(study: "optuna.Study") -> list[int]:
    import optuna

    me = (socket.gethostname(), os.getpid())
    return [t.number for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
            if (t.user_attrs.get("host"), t.user_attrs.get("pid")) != me]


def _alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, TypeError, ValueError):
        return True
    return True
