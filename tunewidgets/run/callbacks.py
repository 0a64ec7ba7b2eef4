"""The one transformers callback every run installs.

It turns the Trainer's logs into metrics.jsonl lines and events, applies a
requested stop at the next optimizer step (with a checkpoint), and stops a run
whose loss turned NaN or infinite before more work is wasted.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

from transformers import TrainerCallback

from .events import EventBus
from .launch import take_stop_request
from .rundir import RunDirectory

_EVAL_PREFIX = "eval_"
_SKIP = {"total_flos", "train_runtime", "train_samples_per_second", "train_steps_per_second", "train_loss"}


class RunCallback(TrainerCallback):
    """Bridges a transformers Trainer to the run directory and the event bus."""

    def __init__(self, rundir: RunDirectory, bus: EventBus, stop_on_nan: bool = True):
        self.rundir = rundir
        self.bus = bus
        self.stop_on_nan = stop_on_nan
        self.stop_requested = False
        self.nan_message: str | None = None
        self.started_at: float | None = None
        self.start_step = 0
        self.max_steps = 0
        self._status_written = 0.0
        self.summary: dict[str, Any] = {}  # the Trainer's closing numbers (train_runtime, ...)

    def request_stop(self) -> None:
        self.stop_requested = True

    # --- lifecycle
    def on_train_begin(self, args, state, control, **kwargs):
        self.started_at = time.time()
        self.start_step = state.global_step
        self.max_steps = state.max_steps
        self.bus.emit("started", max_steps=state.max_steps, step=state.global_step, epochs=args.num_train_epochs)
        self.rundir.log(f"training started: {state.max_steps} steps, resuming at step {state.global_step}")

    def on_step_end(self, args, state, control, **kwargs):
        progress = self._progress(state)
        self.bus.emit("progress", **progress)
        now = time.time()
        if now - self._status_written >= 1.0:  # readers in other processes follow status.json
            self._status_written = now
            self.rundir.update_status(**progress)
        if args.world_size > 1:
            if self.rundir.writer and not self.stop_requested:  # the launcher's request (Ctrl-C, the app's Stop)
                self.stop_requested = take_stop_request(self.rundir.path)
            self.stop_requested = any_rank(self.stop_requested, args.device)
        if self.stop_requested:  # checked after the event, so a stop asked for at step k ends at step k
            control.should_training_stop = True
            control.should_save = True
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = dict(logs or {})
        for key in ("train_runtime", "train_samples_per_second", "train_steps_per_second"):
            if key in logs:
                self.summary[key] = logs[key]
        if "num_tokens" in logs:
            self.summary["num_tokens"] = logs["num_tokens"]
        record: dict[str, Any] = {"step": state.global_step, "epoch": round(state.epoch or 0.0, 4)}
        is_eval = any(k.startswith(_EVAL_PREFIX) for k in logs)
        for key, value in logs.items():
            if key in _SKIP or key == "epoch":
                continue
            if isinstance(value, (int, float)):
                record[key] = float(value) if isinstance(value, float) else value
        if len(record) <= 2:
            return control
        record["time"] = round(time.time(), 3)
        self.rundir.append_metrics(record)
        self.rundir.log(_describe(record, state.max_steps))
        self.bus.emit("eval" if is_eval else "log", **record)
        loss = record.get("loss", record.get("eval_loss"))
        if self.stop_on_nan and isinstance(loss, float) and not math.isfinite(loss):
            self.nan_message = (
                f"the loss became {loss} at step {state.global_step}: lower the learning rate "
                "(or set params.stop_on_nan: false to keep going)"
            )
            control.should_training_stop = True
            control.should_save = False  # keep the last good checkpoint, not NaN weights
        return control

    def on_save(self, args, state, control, **kwargs):
        path = f"{args.output_dir}/checkpoint-{state.global_step}"
        self.rundir.log(f"checkpoint saved: checkpoint-{state.global_step}")
        self.bus.emit("checkpoint", step=state.global_step, path=path)

    def _progress(self, state) -> dict:
        elapsed = time.time() - (self.started_at or time.time())
        done = state.global_step - self.start_step
        left = max(state.max_steps - state.global_step, 0)
        eta = elapsed / done * left if done > 0 else None
        return {
            "step": state.global_step,
            "max_steps": state.max_steps,
            "epoch": round(state.epoch or 0.0, 4),
            "elapsed": elapsed,
            "eta": eta,
        }


def any_rank(flag: bool, device) -> bool:
    """True on every rank when it is true on any rank: all ranks stop at the same step, and agree."""
    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return flag
    tensor = torch.tensor([1 if flag else 0], dtype=torch.int32, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return bool(tensor.item())


def _describe(record: dict, max_steps: int) -> str:
    parts = [f"step {record['step']}/{max_steps}", f"epoch {record['epoch']:.2f}"]
    for key, value in record.items():
        if key in ("step", "epoch", "time"):
            continue
        parts.append(f"{key} {value:.4g}" if isinstance(value, float) else f"{key} {value}")
    return " ".join(parts)


def remove_console_callbacks(trainer) -> None:
    """No printing into a notebook from a thread: drop transformers' progress printers."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    removable = [ProgressCallback, PrinterCallback]
    # transformers imports its notebook module (and IPython, 0.18 s) only to install NotebookProgressCallback:
    # not imported means not installed, so a CLI run does not pay for the import here either.
    notebook = sys.modules.get("transformers.utils.notebook")
    if notebook is not None and hasattr(notebook, "NotebookProgressCallback"):
        removable.append(notebook.NotebookProgressCallback)
    for cls in removable:
        trainer.remove_callback(cls)
