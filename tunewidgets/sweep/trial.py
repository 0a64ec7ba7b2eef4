"""One trial of a sweep: an ordinary run directory ``<project_name>/trial-<n>/`` trained by the Run engine.

A trial trains in this process by default (the stack is imported once, the model loads from the OS cache and the
tokenized data from datasets' cache); ``isolate`` trains it in a child ``tunewidgets train`` instead, so a crash
that takes the process down (a CUDA error after an out-of-memory, a segfault) cannot end the sweep. Either way the
Run writes the same run directory and emits the same events: the pruner reads the metric from them as it is
logged, and the objective is the metric at the step of the saved model (the last, or tabular's best).
"""

from __future__ import annotations

import gc
import math
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..config.run_config import RunConfig
from ..config.sweep import trial_config
from ..errors import TunewidgetsError
from .study import ERROR, INTERRUPTED


class TrialFailedError(Exception):
    """The trial's run failed (its message is the run's error); recorded, and the sweep goes on."""


class MetricMissingError(TunewidgetsError):
    """The metric was never logged: the sweep cannot rank its trials (a bad input, found after one trial)."""


class TrialInterruptedError(Exception):
    """The user stopped the current trial (Ctrl-C twice, Stop now): the trial is not counted, the sweep ends."""


@dataclass
class TrialOutcome:
    number: int
    values: dict[str, Any]
    run_dir: Path
    state: str = "running"  # finished | pruned | failed | interrupted
    value: float | None = None
    error: str | None = None
    duration: float = 0.0
    logged: list[str] = field(default_factory=list)


def _at_model_step(records: list[dict], metric: str, model_step: int | None):
    """The metric of the model the trial saved: logged at its step (tabular keeps its best search trial, not the
    last), else the last value logged."""
    if model_step is not None:
        at = [r[metric] for r in records if r.get("step") == model_step]
        if at:
            return at[-1]
    return records[-1][metric]


def suggest(trial, sweep) -> dict[str, Any]:
    """Sample every range of the sweep (Optuna's parameter names are the dotted keys)."""
    values: dict[str, Any] = {}
    for key, rng in sweep.params.items():
        if rng.type == "categorical":
            values[key] = trial.suggest_categorical(key, rng.choices)
        elif rng.type == "int":
            values[key] = trial.suggest_int(key, int(rng.low), int(rng.high), step=int(rng.step or 1))
        else:
            values[key] = trial.suggest_float(key, rng.low, rng.high, log=rng.type == "loguniform",
                                              step=rng.step)
    return values


class TrialRunner:
    """Trains trials for a Sweep: the Optuna objective, with pruning, failure recording and clean-up."""

    def __init__(self, config: RunConfig, workdir: Path, *, mode: str = "foreground",
                 on_run: Callable[[Any, TrialOutcome], None] | None = None,
                 on_event: Callable[[TrialOutcome, Any], None] | None = None):
        self.config = config
        self.sweep = config.sweep
        self.workdir = workdir
        self.mode = mode
        self.on_run = on_run  # called with the Run before it trains (the CLI's Ctrl-C, the app's Stop now)
        self.on_event = on_event  # every event of the trial's run
        self.current = None  # the Run training now
        self.last: TrialOutcome | None = None
        self._stop_now = False

    def run_dir(self, number: int) -> Path:
        return self.workdir / self.config.project_name / f"trial-{number}"

    def stop_now(self) -> None:
        """Stop the trial training now (at its next step, with a checkpoint); it is recorded as interrupted."""
        self._stop_now = True
        if self.current is not None:
            self.current.stop()

    def __call__(self, trial) -> float:
        """Optuna's objective: train one trial, return its metric (raises on failure, prune or interrupt)."""
        import optuna

        trial.set_user_attr("host", socket.gethostname())
        trial.set_user_attr("pid", os.getpid())
        values = suggest(trial, self.sweep)
        number = trial.number
        outcome = TrialOutcome(number, values, self.run_dir(number))
        self.last = outcome
        trial.set_user_attr("run_dir", str(outcome.run_dir))
        started = time.time()
        try:
            self._train(trial, outcome)
        except optuna.TrialPruned as exc:
            outcome.state, outcome.error = "pruned", str(exc)
            raise
        except TrialInterruptedError:
            outcome.state = "interrupted"
            trial.set_user_attr(INTERRUPTED, True)
            raise
        except MetricMissingError as exc:
            outcome.state, outcome.error = "failed", str(exc)
            trial.set_user_attr(ERROR, outcome.error)
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is the trial's, recorded with its message
            known = isinstance(exc, (TrialFailedError, TunewidgetsError))
            outcome.state, outcome.error = "failed", str(exc) if known else f"{type(exc).__name__}: {exc}"
            trial.set_user_attr(ERROR, outcome.error[:2000])  # counted: a failure that repeats cannot loop
            raise TrialFailedError(outcome.error) from None
        finally:
            outcome.duration = time.time() - started
            trial.set_user_attr("duration", round(outcome.duration, 3))
            self._release()
        outcome.state = "finished"
        return outcome.value

    def _train(self, trial, outcome: TrialOutcome) -> None:
        import optuna

        from ..run.engine import Run

        project = f"{self.config.project_name}/trial-{outcome.number}"
        config = trial_config(self.config, outcome.values, project)  # each sampled value through the schema
        mode = "thread" if self.mode == "thread" else self.mode
        run = Run(config, workdir=self.workdir, overwrite=True, mode=mode, tied=mode == "subprocess")
        self.current = run
        metric = self.sweep.metric
        reported: set[int] = set()
        pruned = {"step": None}

        def watch(event) -> None:
            if self.on_event is not None:
                self.on_event(outcome, event)
            if event.kind not in ("log", "eval") or metric not in event.data or pruned["step"] is not None:
                return
            value, step = event.data[metric], int(event.data.get("step") or 0)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or step in reported:
                return
            reported.add(step)
            trial.report(float(value), step)
            if trial.should_prune():
                pruned["step"] = step
                run.stop()

        run.subscribe(watch)
        if self.on_run is not None:
            self.on_run(run, outcome)
        if self._stop_now:
            run.stop()
        if mode == "foreground":
            run.run()
        else:
            run.start()
            run.wait()
        outcome.logged = sorted({k for record in run.metrics for k in record if k not in ("step", "epoch")})
        if pruned["step"] is not None:
            raise optuna.TrialPruned(f"{metric} at step {pruned['step']} was worse than the median of earlier trials")
        if run.state == "stopped" or self._stop_now:
            raise TrialInterruptedError("stopped")
        if run.state != "finished":
            raise TrialFailedError(run.error or f"the run ended {run.state}")
        values = [r for r in run.metrics if metric in r]
        if not values:
            raise MetricMissingError(self._missing_message(outcome))
        value = _at_model_step(values, metric, (run.rundir.status() or {}).get("model_step"))
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise TrialFailedError(f"{metric} is {value} (not a finite number)")
        outcome.value = float(value)

    def _missing_message(self, outcome: TrialOutcome) -> str:
        metric = self.sweep.metric
        logged = ", ".join(outcome.logged) or "nothing"
        hint = ""
        if metric.startswith("eval_") and not self.config.data.valid_split:
            hint = "; eval_* metrics need a validation split: set data.valid_split"
        return (f"sweep.metric: {metric} was never logged by trial {outcome.number} (its metrics.jsonl has: "
                f"{logged}){hint}")

    def _release(self) -> None:
        """The finished trial's model, optimizer and data go before the next trial loads its own."""
        run, self.current = self.current, None
        if run is not None:
            run.model = run.tokenizer = run.trainer = None
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:  # pragma: no cover
            pass
