"""TrainerApp: from a dataset to a trained model without leaving the cell.

Composes the panels in the order a user works (task, model, data, checks,
hyperparameters, train, results) and keeps them consistent: every change
rebuilds the config from the form, lists what still blocks Train (and keeps
it disabled), and refreshes the export. Building the app imports ipywidgets
and the config layer only; torch, transformers and TRL load when a check, a
demo build or a run needs them.
"""

from __future__ import annotations

import sys
import threading
import traceback
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..config.loader import load_config
from ..config.run_config import RunConfig
from ..config.tasks import TASKS, canonical_task, default_task
from ..errors import ConfigError, TunewidgetsError
from ..run.lock import describe, holder
from ..run.rundir import RunDirectory
from ..run.saved import has_saved_model
from ..run.states import ACTIVE_STATES
from ..workspace import workspace as served_workspace
from . import theme
from .checks_panel import ChecksPanel
from .compare_panel import ComparePanel
from .confine import Confinement
from .data_panel import DataPanel
from .export_panel import ExportPanel, LoadPanel
from .history import HistoryPanel
from .model_panel import ModelPanel
from .params_panel import ParamsPanel
from .results_panel import ResultsPanel
from .reward_view import RewardPicker
from .sweep_panel import SweepPanel
from .task_panel import TaskPanel
from .train_panel import TrainPanel


class TrainerApp:
    """The notebook app. Display it by leaving it as the last expression of a cell.

    ``TrainerApp(config=path_or_dict)`` fills the form from a YAML (AutoTrain's
    too); ``TrainerApp(data=df)`` trains on a DataFrame or Dataset in the
    kernel; ``workdir`` is where run directories, uploads and the demo go
    (default: the current folder). ``namespace`` is where the kernel-variable
    list looks (default: IPython's user namespace). ``workspace`` confines
    every path the app reads or writes to one folder (default: the
    TUNEWIDGETS_WORKSPACE variable that ``tunewidgets app`` sets; none in a
    plain notebook): a path leading out is refused with a message.
    """

    def __init__(self, config: str | Path | dict | RunConfig | None = None, *, data: Any = None,
                 workdir: str | Path | None = None, namespace: dict | None = None, task: str | None = None,
                 workspace: str | Path | None = None):
        self.confine = Confinement(workspace if workspace is not None else served_workspace())
        self.workspace = self.confine.root
        default = self.workspace if self.workspace is not None else Path.cwd()
        self.workdir = Path(workdir if workdir is not None else default).expanduser().absolute()
        workdir_refused = None
        if self.confine.active:
            try:
                self.workdir = self.confine.path(self.workdir)
            except TunewidgetsError as exc:
                workdir_refused, self.workdir = f"workdir: {exc}; using the workspace itself", self.workspace
        self.background = theme.Background()
        self.run = None  # the run on show: trained here, in a subprocess, or re-attached (one path for all)
        self._namespace = namespace
        self._lock = threading.RLock()
        self._after_run: threading.Thread | None = None  # looks again once a finished run lets go of its lock
        self._building = True
        self._config: RunConfig | None = None
        self._config_error: str | None = None
        self.problems: list[str] = []
        report = self._log_unexpected
        unknown_task = None if task is None or canonical_task(task) else task
        task = canonical_task(task or default_task()) or default_task()

        self.task_panel = TaskPanel(self._task_changed, task=task)
        confine = self.confine
        self.model_panel = ModelPanel(self.workdir, self._changed, self._demo_ready, self.background, report, confine)
        self.data_panel = DataPanel(self.workdir, self._changed, self.background, report, self._user_namespace,
                                    confine)
        self.checks_panel = ChecksPanel(lambda: self.config, self._rows, self.background, report)
        self.params_panel = ParamsPanel(task, self._changed)
        self.reward_picker = RewardPicker(lambda: self.params_panel.params_form, self.workdir, self._user_namespace,
                                          report, confine)  # shown for tasks with reward_functions (llm-grpo)
        self.params_panel.extra.children = [self.reward_picker.widget]
        self.train_panel = TrainPanel(self._train_clicked, self.stop, self._resume_clicked, self._run_ended, report)
        self.export_panel = ExportPanel(self.workdir, self._before_save, report, confine)
        self.load_panel = LoadPanel(self._load_config, report, confine)
        self.history_panel = HistoryPanel(self.workdir, self._attach, report, confine)
        self.compare_panel = ComparePanel(self.workdir, self.background, report, confine)
        self.history_panel.select.observe(  # runs chosen in History are the ones Compare sets side by side
            self._guard_header(lambda change: self.compare_panel.choose(change["new"])), names="value")
        self.results_panel = ResultsPanel(lambda: (self.model, self.tokenizer), self.background, report,
                                          self.export_panel.widget, self.load_panel.widget, self.history_panel.widget,
                                          self.compare_panel.widget)
        self.train_panel.overwrite.observe(lambda change: self._refresh(), names="value")
        self.sweep_panel = SweepPanel(lambda: self.config, self.workdir, self.load_config, report)
        self.header_message = theme.message_widget("tw-app-message")
        if self.workspace is None:
            where = f"fine-tune in this notebook: runs go to {self.workdir}"
        else:
            where = f"workspace {self.workspace}: this page reads and writes only inside it" + (
                "" if self.workdir == self.workspace else f"; runs go to {self.workdir}")
        header = widgets.HTML(
            '<div style="display:flex;align-items:baseline;gap:12px"><span style="font-size:18px;font-weight:600">'
            f'tunewidgets</span><span class="tw-help" style="color:#666;font-size:12px">{theme.esc(where)}</span>'
            '</div>')
        self.widget = widgets.VBox(
            [theme.style_widget(), header, self.header_message, self.task_panel.widget, self.model_panel.widget,
             self.data_panel.widget, self.checks_panel.widget, self.params_panel.widget, self.train_panel.widget,
             self.results_panel.widget, self.sweep_panel.widget],
            layout=widgets.Layout(max_width=theme.APP_MAX_WIDTH, padding="4px 8px"))
        self.widget.add_class(theme.APP)
        self.data_panel.set_task(task)
        self.checks_panel.set_task(task)
        self.model_panel.set_task(task)
        self.train_panel.plot.scores = TASKS[task].scores
        self.reward_picker.set_visible_for()
        self._building = False
        if unknown_task:
            theme.set_message(self.header_message, f"unknown task '{unknown_task}': choose one in the Task panel")
        if workdir_refused:
            theme.set_message(self.header_message, workdir_refused)
        if config is not None:
            self.load_config(config)
        if data is not None:
            self._guard_header(self.data_panel.set_dataframe)(data)
        self._guard_header(self.history_panel.refresh)()
        self._guard_header(lambda: self.compare_panel.refresh(self.history_panel.runs))()
        self._refresh()
        self.params_panel.update_device()

    # ------------------------------------------------------------------ display

    def _repr_mimebundle_(self, **kwargs):
        _colab_widgets()
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self):
        from IPython.display import display

        _colab_widgets()
        display(self.widget)

    # ------------------------------------------------------------------ public API

    @property
    def config(self) -> RunConfig:
        """The RunConfig the form describes (raises ConfigError when the form has a problem)."""
        return self._build_config()

    @property
    def config_error(self) -> str | None:
        return self._config_error

    @property
    def can_train(self) -> bool:
        return not self.train_panel.train_button.disabled

    @property
    def status(self) -> str:
        """The state of the run on show (ready when there is none)."""
        return self.run.state if self.run is not None else "ready"

    @property
    def metrics(self) -> list[dict]:
        return self.run.metrics if self.run is not None else []

    @property
    def model(self):
        """The trained model: the run's in memory, loaded from its run directory (a run trained in a
        subprocess), or from a re-attached run directory."""
        loaded = self._trained()
        return loaded[0] if loaded else None

    @property
    def tokenizer(self):
        """The trained model's tokenizer (an image processor for image tasks)."""
        loaded = self._trained()
        return loaded[1] if loaded else None

    def _trained(self):
        run = self.run
        if run is None:
            return None
        incomplete = run.model is None or run.tokenizer is None
        if incomplete and run.state in ("finished", "stopped") and has_saved_model(run.run_dir):
            # trained in a subprocess or re-attached: loaded from the run directory with the task's class
            return run.load_model()
        return run.model, run.tokenizer

    def train(self):
        """Start training in the background (what the Train button does); returns the Run or None."""
        return self._guard_train(self._start)(resume=False)

    def resume(self):
        """Continue the project's run directory from its last checkpoint; returns the Run or None."""
        return self._guard_train(self._start)(resume=True)

    def stop(self) -> None:
        self.train_panel.stop()

    def wait(self, timeout: float | None = None) -> str:
        """Block until the current run ends; returns its state."""
        return self.run.wait(timeout) if self.run is not None else self.status

    def join_background(self, timeout: float | None = 120) -> bool:
        """Wait for background work (demo build, checks, generation, Hub preview, the look after a run ends)."""
        if self._after_run is not None:
            self._after_run.join(timeout)
        return self.background.join(timeout)

    def run_checks(self, wait: bool = True) -> None:
        self._guard_header(self.checks_panel.start)()
        if wait:
            self.background.join(300)

    def use_demo(self, wait: bool = True) -> None:
        """Build (or reuse) the offline demo model and data and fill the form with them."""
        self.model_panel.demo_button.click()
        if wait:
            self.background.join(300)

    def set_param(self, name: str, value: Any) -> None:
        """Set a hyperparameter as a user would type it (validated inline)."""
        self.params_panel.set_field(name, value)

    def export_yaml(self, path: str | Path | None = None) -> str:
        """The YAML Train would run (equal to the run's config.yml); written to ``path`` if given."""
        self.data_panel.save_in_memory_data()
        self.reward_picker.refresh_snapshots()
        from .export import config_yaml

        text = config_yaml(self.config)
        if path is not None:
            self.confine.path(path).write_text(text, encoding="utf-8")
        return text

    def python_script(self) -> str:
        from .export import python_script

        return python_script(self.config, workdir=self.workdir, num_examples=self.data_panel.num_rows,
                             device=self.params_panel.device_info)

    def cli_command(self, yaml_path: str | Path) -> str:
        from .export import cli_command

        return cli_command(yaml_path, self.workdir)

    def load_config(self, source) -> RunConfig | None:
        """Fill the form from a YAML path, YAML text, a dict or a RunConfig (errors show in the app)."""
        return self._guard_header(self._load_config)(source)

    def attach(self, path: str | Path) -> dict | None:
        """Re-attach to a run directory: its status, curves and config; follows it while it runs elsewhere."""
        return self._guard_header(self._attach)(path)

    # ------------------------------------------------------------------ building the config

    def _build_config(self) -> RunConfig:
        model = self.model_panel.name
        if not model:
            raise ConfigError("base_model is empty: choose a model (a Hub id, a local folder or the offline demo)")
        errors = self.params_panel.errors
        if errors:
            raise ConfigError(next(iter(errors.values())))
        parts = self.params_panel.config_parts()
        config = load_config({
            "task": self.task_panel.task, "base_model": model, "project_name": parts["project_name"],
            "log": parts["log"], "data": self.data_panel.data_config(), "params": parts["params"],
            "hub": parts["hub"],
        })
        return self.confine.config(config, self.workdir)  # local paths resolved; one leading out is refused

    def _collect(self) -> tuple[list[str], RunConfig | None, str | None]:
        problems: list[str] = []
        if not self.model_panel.name:
            problems.append("choose a model: a Hub id, a local folder, or Use offline demo model")
        elif self.model_panel.error:
            problems.append(f"model: {self.model_panel.error}")
        if self.data_panel.error:
            problems.append(f"data: {self.data_panel.error}")
        elif not self.data_panel.has_data:
            problems.append("choose the data: a path, an upload, a Hub dataset or a notebook variable")
        if self.data_panel.template_error:
            problems.append(f"chat template: {self.data_panel.template_error}")
        if self.data_panel.mapping_error:
            problems.append(f"column mapping: {self.data_panel.mapping_error}")
        problems += [f"hyperparameters: {e}" for e in self.params_panel.errors.values()]
        config, error = None, None
        try:
            config = self._build_config()
        except TunewidgetsError as exc:
            error = str(exc)
            if self.model_panel.name and not any(error in p for p in problems):
                problems.append(error)
        if config is not None:
            rundir = RunDirectory(self.workdir / config.project_name)
            owner = None if self.train_panel.running else holder(rundir.path)
            if owner is not None:
                problems.append(f"run directory '{config.project_name}' is being written by a live run "
                                f"({describe(owner)}): wait for it, stop it, or change project_name")
            elif rundir.has_run() and not self.train_panel.overwrite.value and not self.train_panel.running:
                state = (rundir.read_status() or {}).get("state")
                how = (f"change project_name ('{self._free_name(config.project_name)}' is free), tick Overwrite"
                       + (", or Resume it" if self._can_resume(config) else ""))
                ended = f" ({state})" if state in ("finished", "stopped", "failed") else ""
                problems.append(f"run directory '{config.project_name}' already holds a run{ended}: {how}")
        return problems, config, error

    def _refresh(self) -> None:
        """Recompute the config and what blocks Train; refresh the export. Safe from any thread."""
        if self._building:
            return
        with self._lock:
            problems, config, error = self._collect()
            self.problems, self._config, self._config_error = problems, config, error
            running = self.train_panel.running
            again = bool(problems) and all("already holds a run" in p for p in problems)
            self.train_panel.set_blockers([] if running else problems, "To train again:" if again else None)
            self.train_panel.train_button.disabled = bool(problems) or running
            self.train_panel.resume_button.disabled = running or not self._can_resume(config)
            self.export_panel.refresh(config, error, device=self.params_panel.device_info,
                                      num_examples=self.data_panel.num_rows,
                                      in_memory=self.data_panel.in_memory_data() is not None)
            self.checks_panel.mark_stale(self.export_panel.yaml_text or None)
            spec = TASKS.get(self.task_panel.task)  # None: a plugin task taken out of the registry meanwhile
            if spec is not None:
                self.sweep_panel.set_fields(config, spec.params, spec.form_hides)

    def _can_resume(self, config: RunConfig | None) -> bool:
        if config is None:
            return False
        rundir = RunDirectory(self.workdir / config.project_name)
        state = (rundir.status() or {}).get("state")
        if state in ACTIVE_STATES:
            return False  # resumable only when the process that wrote it is gone (status() says failed then)
        return rundir.last_checkpoint() is not None and state != "finished"

    def _changed(self) -> None:
        self._sync_param_model()
        self._refresh()

    def _task_changed(self, task: str) -> None:
        was = self._building
        self._building = True
        try:
            self.data_panel.set_task(task)
            self.params_panel.set_task(task)
            self.reward_picker.set_visible_for()
            self.checks_panel.set_task(task)
            previous = self.model_panel.spec  # (not ``was``: that one restores _building below)
            if previous is not None and previous.model_param and not TASKS[task].model_param:
                self.model_panel.text.value = ""  # a family the params named is no Hub model
            self.model_panel.set_task(task)
            self.train_panel.plot.scores = TASKS[task].scores
            self._sync_param_model()
        finally:
            self._building = was
        self._refresh()

    def _sync_param_model(self) -> None:
        """A task whose params choose the model: the Model box shows that field (AutoTrain's base_model)."""
        field = TASKS[self.task_panel.task].model_param
        if not field or field not in self.params_panel.params_form.specs:
            return
        family = self.params_panel.params_form.values().get(field)
        if family and self.model_panel.name != family:
            self.model_panel.set_model(family)

    # ------------------------------------------------------------------ training

    def _train_clicked(self) -> None:
        self._start(resume=False)

    def _resume_clicked(self) -> None:
        self._start(resume=True)

    def _start(self, resume: bool):
        from ..run.engine import Run

        if self.train_panel.running and self.run is not None and self.run.mode == "attached":
            self._detach()  # training here stops the following of a run another process trains
        if self.train_panel.running:
            self.train_panel.refuse("a run is in progress: wait for it or click Stop before starting another")
            return None
        self.data_panel.save_in_memory_data()
        self.reward_picker.refresh_snapshots()  # the notebook's reward functions as they are now
        problems, config, error = self._collect()
        if resume:
            problems = [p for p in problems if "already holds a run" not in p]
            if config is not None and not self._can_resume(config):
                problems.append(f"no checkpoint to resume in '{self.workdir / config.project_name}'")
        if problems or config is None:
            self.train_panel.refuse("cannot train yet: "
                                    + (problems[0] if problems else error or "the form has errors"))
            return None
        separate = self.train_panel.mode.value == "subprocess" or getattr(config.params, "num_processes", 1) > 1
        train, valid = self.data_panel.in_memory_parts()
        run = Run(config, data=train, valid_data=valid, workdir=self.workdir,
                  overwrite=bool(self.train_panel.overwrite.value) and not resume, resume=True if resume else None,
                  mode="subprocess" if separate else "thread")
        self._show(run, "resuming" if resume else "training")
        run.start()
        memory = self.checks_panel.memory
        if memory.fits is False:  # the Checks' estimate: said before the out-of-memory, not after it
            self.train_panel.say(f"the memory estimate in Checks says this step {memory.verdict_text}", "warning")
        self._refresh()
        return run

    def _show(self, run, what: str) -> None:
        """One path for every run the app shows (trained here, in a subprocess, re-attached): the panels get
        ready, and the app subscribes once, with a replay of what the run already did."""
        self.run = run
        self.results_panel.enable_generation(False, task=run.config.task)
        self.results_panel.show_confusion(None)
        self.train_panel.show(run, what)
        run.subscribe(lambda event: self._run_event(run, event), replay=True)

    def _detach(self) -> None:
        if self.run is not None:
            self.run.detach()
        self.train_panel.release()

    def _run_event(self, run, event) -> None:
        """Every event of the run on show (in the thread that emits it): the train panel's progress, plot and
        log, and each evaluation's confusion matrix (classifiers write one)."""
        if run is not self.run:
            return  # a run the app no longer shows
        self.train_panel.on_event(event)
        if event.kind == "eval":
            try:
                self.results_panel.show_confusion(run.run_dir, event.data.get("step"))
            except Exception:  # noqa: BLE001 - a drawing problem must never reach the training thread
                self.train_panel.event_errors.append(traceback.format_exc())

    def _run_ended(self, run, event) -> None:
        """Called in the training thread when the run ends: only sets widget values."""
        status = {**(run.rundir.status() or {}), "state": run.state, "path": str(run.run_dir)}
        if run.error:
            status["error"] = run.error
        self.results_panel.show_metrics(run.metrics, status)
        self.results_panel.show_confusion(run.run_dir, status.get("step"))
        in_memory = run.model is not None and run.tokenizer is not None
        saved = status["state"] in ("finished", "stopped") and has_saved_model(run.run_dir)
        self.results_panel.enable_generation(in_memory or saved, "", run.config.task)
        self.history_panel.refresh()
        self.compare_panel.refresh(self.history_panel.runs)
        self.params_panel.update_device()  # torch is imported now: the exact rule
        self._refresh()
        self._refresh_when_released(run)

    def _refresh_when_released(self, run) -> None:
        """The run's lock is let go just after its last event: look again once it is, or Train would stay
        blocked by a "live run" that has ended."""
        def wait() -> None:
            import time

            deadline = time.monotonic() + 60
            while holder(run.rundir.path) is not None and time.monotonic() < deadline:
                time.sleep(0.1)
            self._refresh()

        self._after_run = threading.Thread(target=wait, name="tunewidgets-after-run", daemon=True)
        self._after_run.start()

    # ------------------------------------------------------------------ loading and attaching

    def _load_config(self, source) -> RunConfig:
        if self.confine.active and isinstance(source, (str, Path)) and _names_a_file(source):
            source = self.confine.path(source)
        config = load_config(source)
        self._fill_form(config)
        theme.set_message(self.header_message, None)
        return config

    def _fill_form(self, config: RunConfig) -> None:
        with self._lock:
            self._building = True
            try:
                if self.task_panel.task != config.task:
                    self.task_panel.set_task(config.task)
                self.model_panel.set_model(config.base_model)
                self.params_panel.set_config(config)
                self.reward_picker.set_visible_for()
                self._sync_param_model()
                self.data_panel.set_config(config.data)
            finally:
                self._building = False
        self._refresh()

    def _free_name(self, name: str) -> str:
        """``name``, or ``name-2``, ``name-3`` ... : the first without a run directory."""
        import re

        base = re.sub(r"-\d+$", "", name) or name
        candidate, n = name, 1
        while RunDirectory(self.workdir / candidate).has_run():
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def _demo_ready(self, config: dict) -> None:
        """Fill the form with the task's offline demo config (under a free run name)."""
        self.load_config({**config, "project_name": self._free_name(config["project_name"])})

    def _attach(self, path: str | Path) -> dict:
        from ..run.engine import Run

        if self.train_panel.running and not (self.run is not None and self.run.mode == "attached"):
            raise TunewidgetsError("a run is in progress in this app: wait for it or stop it before re-attaching")
        folder = Path(str(path)).expanduser()
        if self.confine.active:
            folder = self.confine.run_dir(folder if folder.is_absolute() else self.workdir / folder)
        elif not folder.is_absolute() and not folder.exists():
            folder = self.workdir / folder
        run = Run.attach(folder)
        self._detach()
        self._fill_form(run.config)
        self._show(run, "re-attached")
        self._refresh()
        return dict(run.rundir.status() or {"state": run.state})

    # ------------------------------------------------------------------ helpers

    def _before_save(self) -> RunConfig | None:
        self.data_panel.save_in_memory_data()
        self.reward_picker.refresh_snapshots()
        self._refresh()
        return self._config

    def _rows(self, n: int) -> tuple[list[dict], int | None]:
        from ..data.preview import preview

        source = self.data_panel.in_memory_data()
        data = self.data_panel.data_config()
        if source is None and data["path"]:
            source = self.confine.source(data["path"])
        if source is None:
            return [], None
        result = preview(source, split=data["train_split"], n=n)
        return result.frame.to_dict("records"), result.num_rows

    def _user_namespace(self) -> dict | None:
        if self._namespace is not None:
            return self._namespace
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except Exception:  # noqa: BLE001
            return None
        return getattr(shell, "user_ns", None) if shell is not None else None

    def _log_unexpected(self, text: str) -> None:
        panel = getattr(self, "train_panel", None)
        if panel is not None:
            panel.log_line(text, "stderr")

    def _guard_header(self, fn):
        return theme.guarded(lambda text: theme.set_message(self.header_message, text, "error"),
                             self._log_unexpected)(fn)

    def _guard_train(self, fn):
        return theme.guarded(self.train_panel.refuse, self._log_unexpected)(fn)


def _names_a_file(source: str | Path) -> bool:
    """What load_config reads as a file path rather than YAML text."""
    text = str(source)
    if isinstance(source, Path):
        return True
    return "\n" not in text and not (":" in text and not Path(text).exists()
                                     and not text.endswith((".yml", ".yaml")))


_COLAB_DONE = False


def _colab_widgets() -> None:
    """Colab's built-in widget manager has not always rendered ipywidgets 8: enable its custom one once."""
    global _COLAB_DONE
    if _COLAB_DONE or "google.colab" not in sys.modules:
        return
    _COLAB_DONE = True
    try:
        from google.colab import output  # type: ignore[import-not-found]

        output.enable_custom_widget_manager()
    except Exception:  # noqa: BLE001 - not fatal: the widgets may still render
        pass
