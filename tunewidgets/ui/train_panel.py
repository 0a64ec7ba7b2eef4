"""6 Train: Train / Stop / Resume, progress with ETA, the live plot and the log.

The run trains in a background thread and reports through events. The event
handler runs in that thread and only sets widget values: no print, no
display, no ``with output:`` (output from a thread is lost under Voila and can
land in the wrong cell elsewhere); the log uses ``Output.append_stdout``.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import weakref
from typing import Callable

import ipywidgets as widgets

from . import theme
from .generations_view import GenerationsView
from .plot import LivePlot
from .reward_view import RewardView

# Each append re-sends the whole Output, so it stays short; the full log is the run's train.log.
_MAX_LOG_ENTRIES = 300
_STATE_COLOURS = {"finished": theme.GREEN, "failed": theme.RED, "stopped": theme.AMBER, "stopping": theme.AMBER,
                  "waiting": theme.AMBER}


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TrainPanel:
    """Buttons, status, progress, plot and log of the current run."""

    def __init__(self, on_train: Callable[[], None], on_stop: Callable[[], None], on_resume: Callable[[], None],
                 on_end: Callable[[object, object], None], report_unexpected: Callable[[str], None]):
        self.on_end = on_end
        guard = theme.guarded(self.refuse, report_unexpected)
        self.train_button = widgets.Button(description="Train", button_style="primary",
                                           layout=widgets.Layout(width="110px"),
                                           tooltip="Start training in the background")
        self.train_button.add_class(theme.TRAIN)
        self.stop_button = widgets.Button(description="Stop", button_style="warning", disabled=True,
                                          layout=widgets.Layout(width="90px"),
                                          tooltip="Stop at the next optimizer step and save a checkpoint")
        self.stop_button.add_class(theme.STOP)
        self.resume_button = widgets.Button(description="Resume", disabled=True, layout=widgets.Layout(width="100px"),
                                            tooltip="Continue the run directory's last checkpoint")
        self.resume_button.add_class(theme.RESUME)
        self.overwrite = widgets.Checkbox(value=False, description="Overwrite an existing run directory", indent=False,
                                          layout=widgets.Layout(width="300px"))
        self.overwrite.add_class("tw-overwrite")
        self.mode = widgets.Dropdown(
            options=[("in this kernel", "thread"), ("in a subprocess", "subprocess")], value="thread",
            description="Run", layout=widgets.Layout(width="240px"),
            tooltip="A subprocess keeps training if the kernel restarts (re-attach from History); "
                                "num_processes > 1 always runs in subprocesses under accelerate launch",
        )
        self.mode.add_class("tw-run-mode")
        self.status = widgets.HTML(self._status_html("ready", ""))
        self.status.add_class(theme.STATUS)
        self.blockers = widgets.HTML()
        self.blockers.add_class("tw-blockers")
        self.message = theme.message_widget("tw-train-message")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(width="420px"))
        self.progress.add_class(theme.PROGRESS)
        self.step = widgets.HTML(theme.help_html("step 0"))
        self.step.add_class(theme.STEP)
        self.plot = LivePlot()
        self.rewards = RewardView()  # shows itself when a run logs rewards (llm-grpo)
        self.generations = GenerationsView()  # shows itself when a run answers prompts (params.eval_generate)
        self.log = widgets.Output(layout=widgets.Layout(max_height="180px", overflow="auto", border="1px solid #ddd",
                                                        padding="2px 6px"))
        self.log.add_class(theme.LOG)
        self.run = None
        self._active = False
        self.event_errors: list[str] = []
        self._lock = threading.Lock()
        _route_library_logs(self)
        self.train_button.on_click(guard(lambda _b: on_train()))
        self.stop_button.on_click(guard(lambda _b: on_stop()))
        self.resume_button.on_click(guard(lambda _b: on_resume()))
        self.widget = theme.section(
            6, "Train",
            [theme.row(self.train_button, self.stop_button, self.resume_button, self.overwrite, self.mode),
             self.blockers,
             self.message, theme.row(self.status), theme.row(self.progress, self.step), self.plot.widget,
             self.rewards.widget, self.generations.widget,
             widgets.HTML('<b style="font-size:13px">Log</b>'), self.log],
            "tw-train-panel", "Trains in the background: the notebook stays usable. Stop keeps a checkpoint.")

    # ------------------------------------------------------------------ state

    @property
    def running(self) -> bool:
        """True from Train until the run's final event (the run's thread may still be winding down)."""
        return self._active and self.run is not None and not self.run.done

    def refuse(self, text: str) -> None:
        theme.set_message(self.message, text, "error")

    def say(self, text: str | None, level: str = "info") -> None:
        theme.set_message(self.message, text, level)

    def set_blockers(self, problems: list[str], heading: str | None = None) -> None:
        """What keeps Train disabled, as a list under ``heading`` (default: 'Train is disabled until:')."""
        if not problems:
            self.blockers.value = ""
            return
        items = "".join(f"<li>{theme.esc(p)}</li>" for p in problems)
        self.blockers.value = (f'<div class="tw-help" style="color:{theme.GREY};font-size:12px">'
                               f'{theme.esc(heading or "Train is disabled until:")}'
                               f'<ul style="margin:2px 0 2px 18px;padding:0">{items}</ul></div>')

    def _status_html(self, state: str, detail: str) -> str:
        colour = _STATE_COLOURS.get(state, "#333")
        extra = f' <span style="color:{theme.GREY}">{theme.esc(detail)}</span>' if detail else ""
        return (f'<span class="tw-state tw-state-{theme.esc(state)}" style="font-size:13px;line-height:1.4;'
                f'display:inline-block;padding:4px 0">Status: '
                f'<b style="color:{colour}">{theme.esc(state)}</b>{extra}</span>')

    def set_status(self, state: str, detail: str = "") -> None:
        self.status.value = self._status_html(state, detail)

    def log_line(self, text: str, stream: str = "stdout") -> None:
        if len(self.log.outputs) >= _MAX_LOG_ENTRIES:
            self.log.outputs = ({"output_type": "stream", "name": "stdout",
                                 "text": "... earlier lines are in the run directory's train.log\n"},
                                *self.log.outputs[-_MAX_LOG_ENTRIES // 2:])
        if stream == "stderr":
            self.log.append_stderr(text.rstrip("\n") + "\n")
        else:
            self.log.append_stdout(text.rstrip("\n") + "\n")

    # ------------------------------------------------------------------ running

    def show(self, run, what: str = "training") -> None:
        """Get ready to show ``run``'s events (the app subscribes once and hands them to :meth:`on_event`):
        a run about to train here, in a subprocess, or one re-attached from its directory."""
        self.run = run
        self._active = run.mode != "attached" or run.active
        self.plot.clear()
        self.rewards.show(run.run_dir)
        self.generations.show(run.run_dir)
        self.log.outputs = ()
        self.progress.value, self.progress.max, self.progress.bar_style = 0, 1, ""
        self.say(None)
        if run.mode == "attached":
            self.step.value = theme.help_html("reading the run directory ...")
            self.set_status(run.state, "re-attached")
        else:
            self.step.value = theme.help_html("loading the model and data ...")
            self.set_status("starting", f"{what}: loading the model and data (the first run imports the training "
                                        "stack)")
        self.stop_button.disabled = not self._active
        self.train_button.disabled = self._active
        self.resume_button.disabled = self._active
        self._started_at = time.time()
        if self._active:
            threading.Thread(target=self._warm_up_plot, name="tunewidgets-plot-warm-up", daemon=True).start()
        self.log_line(f"{what} {run.config.project_name} in {run.run_dir} (full log: train.log there)")
        _route_library_logs(self)  # this app's log, while this app's threads emit

    def release(self) -> None:
        """Stop showing the current run (a re-attached run another process goes on training)."""
        self._active = False
        self.stop_button.disabled = True

    def _warm_up_plot(self) -> None:
        try:
            self.plot.warm_up()
        except Exception:  # noqa: BLE001 - only a head start: the first redraw does the same work
            self.event_errors.append(traceback.format_exc())

    def stop(self) -> None:
        if not self.running:
            self.say("no run in progress")
            return
        self.run.stop()
        self.stop_button.disabled = True
        self.set_status("stopping", "at the next optimizer step, saving a checkpoint")

    # ------------------------------------------------------------------ events (training thread)

    def on_event(self, event) -> None:
        """One event of the run on show (called in the thread that emits it: only widget values change)."""
        try:
            self._handle(event)
        except Exception:  # noqa: BLE001 - never break training; keep the traceback for the log
            self.event_errors.append(traceback.format_exc())

    def _handle(self, event) -> None:
        kind = event.kind
        data = event.data
        if kind == "preparing":
            total = int(data.get("total") or 0)
            share = f"{int(data.get('done') or 0) / total:.0%}" if total else f"{int(data.get('done') or 0):,} rows"
            self.step.value = theme.help_html(f"preparing data: {share} ({data.get('what', '')})")
        elif kind == "started":
            self.progress.max = max(int(data.get("max_steps") or 1), 1)
            self.progress.value = min(int(data.get("step") or 0), self.progress.max)
            self.set_status("running", f"{data.get('max_steps')} steps")
            self.log_line(f"started: {data.get('max_steps')} steps"
                          + (f", resuming at step {data['step']}" if data.get("step") else ""))
        elif kind == "progress":
            step, total = int(data.get("step") or 0), int(data.get("max_steps") or 0)
            if total and total != self.progress.max:
                self.progress.max = total
            self.progress.value = min(step, self.progress.max)
            self.step.value = theme.help_html(
                f"step {step} / {total} · epoch {data.get('epoch', 0):.2f} · elapsed {_clock(data.get('elapsed'))}"
                f" · ETA {_clock(data.get('eta'))}")
            self.plot.maybe_draw()
            self.rewards.maybe_draw()
        elif kind in ("log", "eval"):
            self.plot.add(data)
            self.rewards.add(data)
            self.log_line(_describe(data))
            self.plot.maybe_draw()
            self.rewards.maybe_draw()
            if "eval_gen_seconds" in data:  # a round of answers was just written
                self.generations.refresh()
        elif kind == "checkpoint":
            self.log_line(f"checkpoint saved at step {data.get('step')}")
        elif kind == "message":
            if data.get("waiting"):
                self.set_status("waiting", "for a free training slot (Stop cancels)")
                self.step.value = theme.help_html("waiting for another run to end ...")
            level = data.get("level", "info")
            self.log_line(("warning: " if level == "warning" else "") + str(data.get("text", "")))
        elif kind in ("finished", "stopped", "failed"):
            self._ended(event)

    def _ended(self, event) -> None:
        kind, data = event.kind, event.data
        self._active = False
        self.plot.draw()  # the final redraw, whatever the throttle says
        self.rewards.draw()
        self.generations.refresh()
        self.stop_button.disabled = True
        step = data.get("step")
        if step is not None:
            self.progress.value = min(int(step), self.progress.max)
        elapsed = _clock(data.get("duration") or (time.time() - self._started_at))
        if kind == "finished":
            self.progress.bar_style = "success"
            self.set_status("finished", f"step {step} in {elapsed}; model saved in {data.get('path', '')}")
            self.log_line(f"finished at step {step} ({elapsed})")
        elif kind == "stopped":
            self.progress.bar_style = "warning"
            self.set_status("stopped", f"at step {step}; checkpoint kept: Resume continues it")
            self.log_line(f"stopped at step {step}; checkpoint kept")
        else:
            self.progress.bar_style = "danger"
            message = data.get("message") or "failed"
            self.set_status("failed", "")
            self.refuse(str(message))
            self.log_line(f"failed: {message}", "stderr")
            if data.get("traceback"):
                self.log_line(str(data["traceback"]), "stderr")
        self.on_end(self.run, event)


# Libraries whose loggers print to stdout from our background threads: DeepSpeed (imported by transformers
# when installed, on the demo build or the first run) warns "Setting accelerator to CPU" through its own
# stdout handler, which lands under the cell in JupyterLab (and in a Voila page if the timing is right).
# A filter on the logger (it survives DeepSpeed's own set-up) sends such records to the app's log instead.
_ROUTED_LOGGERS = ("DeepSpeed",)


class _RouteToLog(logging.Filter):
    """Records emitted in a tunewidgets thread go to the newest app's log instead of stdout."""

    def __init__(self) -> None:
        super().__init__()
        self.panel: weakref.ref | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        panel = self.panel() if self.panel is not None else None
        if panel is None or not threading.current_thread().name.startswith("tunewidgets-"):
            return True  # the user's own code: the library's handlers as usual
        try:
            panel.log_line(f"{record.name.lower()} {record.levelname.lower()}: {record.getMessage()}")
        except Exception:  # noqa: BLE001 - never lose the record
            return True
        return False


_ROUTE = _RouteToLog()


def _route_library_logs(panel: "TrainPanel") -> None:
    _ROUTE.panel = weakref.ref(panel)
    for name in _ROUTED_LOGGERS:
        logger = logging.getLogger(name)
        if _ROUTE not in logger.filters:
            logger.addFilter(_ROUTE)


_LOG_KEYS = ("epoch", "loss", "eval_loss", "learning_rate", "grad_norm", "reward")
_SHORT = {"learning_rate": "lr", "grad_norm": "grad"}


def _describe(record: dict) -> str:
    """One short line per log: the metrics a user scans for (all of them are in metrics.jsonl)."""
    parts = [f"step {record.get('step')}"]
    keys = [k for k in _LOG_KEYS if k in record]
    keys += [k for k in record if k.startswith("eval_") and k not in keys and not k.endswith(
        ("_runtime", "_per_second", "num_tokens", "entropy"))]
    for key in keys:
        value = record[key]
        name = _SHORT.get(key, key)
        parts.append(f"{name} {value:.4g}" if isinstance(value, float) else f"{name} {value}")
    return "  ".join(parts)
