"""A sweep: trials of one config with sampled values, until the study holds ``trials`` of them.

``Sweep(config).run()`` trains in the calling thread (the CLI), ``.start()`` in a background thread (the app).
Each trial is an ordinary run directory ``<project_name>/trial-<n>/``; the study (Optuna) lives in
``<project_name>/sweep.db`` or the storage the config names, so a rerun continues it and several workers
(processes here, machines with a shared database) share it. After the trials, the trials table is saved
(``trials.csv``, ``trials.md``) and the best trial's config is written as ``best.yml``.

Listeners get ``(kind, data)``: ``trial-started`` (trial, values, run_dir, run), ``trial-event`` (trial, event: the
trial's run events), ``trial-ended`` (the outcome), ``message`` (text), ``finished`` (rows, best).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Callable

from ..config.loader import load_config
from ..config.run_config import RunConfig
from ..errors import ConfigError
from . import report
from .study import SURPLUS, counted, mark_killed, open_study, redact_url, require_optuna, running_elsewhere, storage_url
from .trial import MetricMissingError, TrialOutcome, TrialRunner

Listener = Callable[[str, dict], None]


class Sweep:
    """Run a config's ``sweep:`` section (see ``tunewidgets/config/sweep.py``)."""

    def __init__(self, config: RunConfig | dict | str | Path, *, workdir: str | Path | None = None,
                 trials: int | None = None, overrides: list[str] | dict | None = None, worker: bool = False,
                 isolate: bool = False, mode: str = "foreground"):
        self.config: RunConfig = load_config(config, overrides)
        if self.config.sweep is None:
            raise ConfigError("sweep: this config has no sweep section: add one (trials, metric, params: "
                              "{params.lr: {type: loguniform, low: 1e-5, high: 1e-3}}) or train it with "
                              "tunewidgets train")
        if trials is not None:
            if trials < 1:
                raise ConfigError("--trials must be 1 or more")
            self.config = self.config.model_copy(
                update={"sweep": self.config.sweep.model_copy(update={"trials": trials})})
        self.sweep = self.config.sweep
        require_optuna()  # before anything is written: a missing extra is bad input
        self.workdir = Path(workdir) if workdir else Path.cwd()
        self.project_dir = self.workdir / self.config.project_name
        if (self.project_dir / "status.json").is_file():
            raise ConfigError(f"project_name: '{self.project_dir}' holds a single run; a sweep keeps its trials in "
                              "a project folder of its own: choose another project_name")
        self.worker = worker
        self.keys = list(self.sweep.params)
        self.study_name = self.sweep.study_name or self.config.project_name
        from ..run.launch import check_launchable, needs_launch

        launched = needs_launch(self.config)  # several processes: each trial is an accelerate launch of its own
        if launched:
            check_launchable(self.config)  # refused before the first trial, not once per trial
        self.runner = TrialRunner(self.config, self.workdir, mode="subprocess" if isolate or launched else mode,
                                  on_run=self._on_run, on_event=self._on_trial_event)
        self.study = None
        self.outcomes: list[TrialOutcome] = []
        self.rows: list[dict] = []
        self.best: dict | None = None
        self.best_path: Path | None = None
        self.error: str | None = None  # a bad input found during the sweep (the metric never logged)
        self.interrupted = False
        self._fatal: Exception | None = None  # a failure that ends the sweep (the metric never logged)
        self._listeners: list[Listener] = []
        self._stop = False
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self.on_run: Callable[[Any, TrialOutcome], None] | None = None

    # --- public API
    def subscribe(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def stop(self, now: bool = False) -> None:
        """End the sweep after the current trial; ``now`` also stops that trial at its next step."""
        self._stop = True
        if now:
            self.interrupted = True
            self.runner.stop_now()

    @property
    def stopping(self) -> bool:
        return self._stop

    def start(self) -> "Sweep":
        self._thread = threading.Thread(target=self._run_safely, name=f"tunewidgets-sweep-{self.study_name}",
                                        daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        self._done.wait(timeout)
        return self._done.is_set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def finished_trials(self) -> int:
        return sum(1 for r in self.rows if r["state"] == "finished")

    def run(self) -> "Sweep":
        """Run trials in the calling thread until the study holds ``trials`` (or the timeout, or a stop)."""
        try:
            self._loop()
        finally:
            self._done.set()
        return self

    def refresh(self) -> list[dict]:
        """The trials table, read again from the study (every worker's trials)."""
        if self.study is not None:
            self.rows = report.rows(self.study, self.keys)
            self.best = report.best_row(self.rows, self.sweep.direction)
        return self.rows

    def table(self) -> str:
        return report.markdown(self.rows, self.keys, self.sweep.metric, self.best)

    # --- the loop
    def _run_safely(self) -> None:
        try:
            self.run()
        except Exception as exc:  # noqa: BLE001 - the app shows it; nothing is lost (the study has the trials)
            self.error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ConfigError) else str(exc)
            self._emit("message", text=f"error: {self.error}", level="error")
            self._emit("finished", rows=self.rows, best=self.best)

    def _loop(self) -> None:
        self.project_dir.mkdir(parents=True, exist_ok=True)
        self.study = open_study(self.sweep, self.project_dir, self.study_name)
        where = redact_url(storage_url(self.sweep, self.project_dir))
        total = self.sweep.trials
        if self.sweep.sampler == "grid" and self.sweep.grid_size() < total:
            total = self.sweep.grid_size()
            self._emit("message", text=f"the grid has {total} points: the sweep runs {total} trials")
        killed = mark_killed(self.study)
        done = counted(self.study)
        self._emit("message", text=f"study '{self.study_name}' in {where}: {done} of {total} trials "
                                   f"{'done' if done else 'so far'}; trials in {self.project_dir}/trial-<n>")
        began = time.time()
        while not self._stop:
            killed += mark_killed(self.study)
            if killed:
                self._emit("message", text="marked failed, their process was killed: trial "
                                           + ", ".join(str(n) for n in killed))
                killed = []
            if counted(self.study) >= total or self._grid_exhausted():
                break
            if self.sweep.timeout is not None and time.time() - began >= self.sweep.timeout:
                self._emit("message", text=f"sweep.timeout of {self.sweep.timeout:g} s reached: no new trial")
                break
            self.study.optimize(self._objective(total), n_trials=1, catch=(Exception,))
            outcome = self.runner.last
            self.runner.last = None
            if outcome is not None:
                self.outcomes.append(outcome)
                self._emit("trial-ended", outcome=outcome)
            if isinstance(self._fatal, MetricMissingError):
                self.error = str(self._fatal)
                break
            if outcome is not None and outcome.state == "interrupted":
                self.interrupted = True
                break
        if not self.worker and not self.error:
            self._wait_for_other_workers()
        self.refresh()
        if not self.worker:
            self._save()
        self._emit("finished", rows=self.rows, best=self.best)

    def _objective(self, total: int):
        runner = self.runner

        def objective(trial) -> float:
            # A worker that raced another past the total gives its trial back (recorded, never shown).
            if counted(self.study, before=trial.number) >= total:
                trial.set_user_attr(SURPLUS, True)
                raise _SurplusError()
            try:
                return runner(trial)
            except MetricMissingError as exc:
                if not any(t.state.name == "COMPLETE" for t in self.study.get_trials(deepcopy=False)):
                    self._fatal = exc  # the config never logs it: no use training more trials
                raise

        return objective

    def _grid_exhausted(self) -> bool:
        if self.sweep.sampler != "grid":
            return False
        tried = sum(1 for t in self.study.get_trials(deepcopy=False) if not t.user_attrs.get(SURPLUS))
        return tried >= self.sweep.grid_size()

    def _wait_for_other_workers(self, poll: float = 2.0) -> None:
        """The table and best.yml wait for the trials other workers are training."""
        said = False
        while not self._stop:
            mark_killed(self.study)
            others = running_elsewhere(self.study)
            if not others:
                return
            if not said:
                self._emit("message", text="waiting for trial " + ", ".join(map(str, others))
                                           + " of other workers before writing the table")
                said = True
            time.sleep(poll)

    def _save(self) -> None:
        text = self.table()
        report.save(self.project_dir, self.rows, text)
        if self.best is not None:
            self.best_path = report.write_best(self.config, self.best, self.keys, self.project_dir)

    # --- events
    def _on_run(self, run, outcome: TrialOutcome) -> None:
        self._emit("trial-started", trial=outcome.number, values=outcome.values, run_dir=str(outcome.run_dir),
                   run=run)
        if self.on_run is not None:
            self.on_run(run, outcome)

    def _on_trial_event(self, outcome: TrialOutcome, event) -> None:
        self._emit("trial-event", trial=outcome.number, event=event)

    def _emit(self, kind: str, **data: Any) -> None:
        for fn in list(self._listeners):
            try:
                fn(kind, data)
            except Exception:  # noqa: BLE001, S110 - a listener never breaks the sweep
                import logging

                logging.getLogger("tunewidgets").exception("sweep listener failed")


class _SurplusError(Exception):
    """Asked for past the total (another worker took the last trial first)."""
