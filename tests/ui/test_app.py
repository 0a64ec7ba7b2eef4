"""Building, displaying and loading the app; tasks; the demo; history and re-attaching."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from ui_helpers import text_of, wait_until

from tests.conftest import autotrain_configs_dir, needs_autotrain_configs
from tunewidgets.config import load_config
from tunewidgets.run.rundir import RunDirectory

REQUIRED_CLASSES = ["tw-app", "tw-task", "tw-model", "tw-data", "tw-preview", "tw-mapping", "tw-checks", "tw-params",
                    "tw-train", "tw-stop", "tw-progress", "tw-step", "tw-status", "tw-plot", "tw-log", "tw-results",
                    "tw-export"]


def _all_widgets(root):
    seen, stack = [], [root]
    while stack:
        widget = stack.pop()
        seen.append(widget)
        stack.extend(getattr(widget, "children", ()))
    return seen


def test_building_the_app_imports_nothing_heavy(tmp_path):
    code = ("import sys; from tunewidgets import TrainerApp; app = TrainerApp(workdir=%r, namespace={});"
            "heavy = [m for m in ('torch', 'transformers', 'trl', 'datasets', 'matplotlib', 'peft') "
            "if m in sys.modules]; print(','.join(heavy))" % str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_import_tunewidgets_does_not_import_ipywidgets():
    code = "import sys, tunewidgets; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_app_displays_through_its_root_widget(app_factory):
    app = app_factory()
    bundle = app._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == app.widget.model_id
    classes = {cls for w in _all_widgets(app.widget) for cls in getattr(w, "_dom_classes", ())}
    assert set(REQUIRED_CLASSES) <= classes
    assert "tw-app" in app.widget._dom_classes
    # panels come in the order a user works
    order = [next(c for c in w._dom_classes if c in ("tw-task", "tw-model", "tw-data", "tw-checks", "tw-params",
                                                     "tw-train-panel", "tw-sweep", "tw-results"))
             for w in app.widget.children if "tw-section" in getattr(w, "_dom_classes", ())]
    assert order == ["tw-task", "tw-model", "tw-data", "tw-checks", "tw-params", "tw-train-panel", "tw-results",
                     "tw-sweep"]


def test_every_registered_task_is_listed_with_its_family_and_columns(app_factory, demo, chat_jsonl):
    from tunewidgets.config import TASKS

    app = app_factory()
    assert [v for _, v in app.task_panel.dropdown.options] == list(TASKS)
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = str(chat_jsonl)
    assert app.can_train
    for name, spec in TASKS.items():
        app.task_panel.dropdown.value = name
        note = text_of(app.task_panel.note)
        assert spec.group in note and all(role.key in note for role in spec.roles)
        assert "not trainable" not in note
    labels = {v: k for k, v in app.task_panel.dropdown.options}
    assert all(TASKS[name].title in label for name, label in labels.items())


def test_config_argument_fills_the_form(app_factory, demo, tmp_path):
    from tunewidgets.tiny import demo_config

    config = demo_config(demo, "sft-chat", project_name="from-yaml")
    path = tmp_path / "run.yml"
    from tunewidgets.config import dump_config

    dump_config(load_config(config), path)
    app = app_factory(config=str(path))
    assert app.model_panel.name == demo["model"]
    assert app.data_panel.path.value == demo["data"]["sft-chat"] and app.data_panel.valid_split.value == "valid"
    assert app.data_panel.chat_template.value == "tokenizer"
    assert app.params_panel.params_form.widgets["lr"].value == "0.002"
    assert app.params_panel.params_form.widgets["assistant_only_loss"].value is True
    assert app.config == load_config(path)
    assert app.export_yaml() == path.read_text()
    assert app.can_train, app.problems


@pytest.mark.parametrize("name", ["llm_finetuning__gpt2_sft.yml", "llm_finetuning__llama3-8b-orpo.yml",
                                  "text_classification__local_dataset.yml", "sentence_transformers__triplet.yml",
                                  "seq2seq__hub_dataset.yml"])
@needs_autotrain_configs
def test_autotrain_configs_load_into_the_form_unchanged(app_factory, name, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    path = autotrain_configs_dir() / name
    app = app_factory()
    app.load_config(str(path))
    app.join_background(60)
    assert app.header_message.value == ""
    assert app.config == load_config(str(path))


def test_the_demo_button_fills_model_data_and_params(app_factory):
    app = app_factory()
    app.model_panel.demo_button.click()
    assert app.join_background(300)
    assert app.model_panel.name.endswith("tiny-llama") and str(app.workdir / "demo") in app.model_panel.name
    assert app.data_panel.mapping() == {"text_column": "messages"}
    assert app.params_panel.run_form.values()["project_name"] == "demo-sft-chat"
    assert app.can_train, app.problems
    assert "llama" in text_of(app.model_panel.info)


def _fake_run(folder, state="finished", steps=6):
    rundir = RunDirectory(folder)
    folder.mkdir(parents=True)
    (folder / "config.yml").write_text(
        "task: llm-sft\nbase_model: some/model\nproject_name: %s\nparams:\n  lr: 0.001\n" % folder.name)
    for step in range(1, steps + 1):
        rundir.append_metrics({"step": step, "epoch": step / steps, "loss": 3.0 / step, "learning_rate": 1e-3})
    rundir.append_metrics({"step": steps, "epoch": 1.0, "eval_loss": 0.9})
    rundir.write_status(state, step=steps, max_steps=steps)
    return rundir


def test_history_overlays_curves_and_diffs_configs(app_factory):
    app = app_factory()
    _fake_run(app.workdir / "first")
    second = _fake_run(app.workdir / "second", state="stopped", steps=4)
    second.config_path.write_text("task: llm-sft\nbase_model: some/model\nproject_name: second\nparams:\n  lr: 0.01\n")
    history = app.history_panel
    history.refresh_button.click()
    assert "first" in history.table.value and "second" in history.table.value and "stopped" in history.table.value
    history.select.value = tuple(v for _, v in history.select.options)
    assert bytes(history.plot.value).startswith(b"\x89PNG")
    diff = text_of(history.diff)
    assert "params.lr" in diff and "0.001" in diff and "0.01" in diff and "project_name" in diff


def test_reattach_reads_status_and_metrics_and_the_config(app_factory):
    app = app_factory()
    rundir = _fake_run(app.workdir / "earlier")
    app.history_panel.attach_path.value = str(rundir.path)
    app.history_panel.attach_button.click()
    assert app.history_panel.message.value == ""
    assert app.status == "finished" and "finished" in app.train_panel.status.value
    assert app.train_panel.progress.value == app.train_panel.progress.max == 6
    assert bytes(app.train_panel.plot.image.value).startswith(b"\x89PNG")
    assert app.train_panel.plot.num_points == 6 + 1 + 6
    assert "final eval loss" in app.results_panel.metrics.value
    assert app.model_panel.name == "some/model" and app.params_panel.params_form.values()["lr"] == 0.001
    assert len(app.metrics) == 7
    assert app.attach(app.workdir / "nothing-here") is None
    assert "no run in" in text_of(app.header_message)


def test_reattach_follows_a_run_another_process_writes(app_factory):
    app = app_factory()
    rundir = _fake_run(app.workdir / "live", state="running", steps=2)
    rundir.write_status("running", step=2, max_steps=10)
    app.attach(rundir.path)

    def writer():
        for step in range(3, 11):
            time.sleep(0.05)
            rundir.append_metrics({"step": step, "epoch": step / 10, "loss": 1.0 / step})
        rundir.write_status("finished", step=10, max_steps=10)

    thread = threading.Thread(target=writer)
    thread.start()
    thread.join()
    assert wait_until(lambda: "finished" in app.train_panel.status.value, timeout=30)
    assert app.train_panel.progress.value == 10
    assert app.train_panel.plot.num_points >= 10


@pytest.mark.slow
def test_try_the_model_after_training(app_factory, demo):
    from ui_helpers import FAST_PARAMS, set_params

    app = app_factory()
    app.load_config({"task": "llm-sft", "base_model": demo["model"], "project_name": "try-it",
                     "data": {"path": demo["data"]["sft-chat"], "column_mapping": {"text_column": "messages"}}})
    set_params(app, **FAST_PARAMS, max_steps=2, save_strategy="no")
    app.data_panel.valid_split.value = ""
    app.train()
    assert app.wait(300) == "finished"
    assert not app.results_panel.generate_button.disabled
    app.results_panel.prompt.value = "What is 2 plus 3?"
    app.results_panel.generate_button.click()
    assert app.join_background(120)
    assert "tw-generated" in app.results_panel.output.value, app.results_panel.message.value

    other = app_factory(workdir=app.workdir)  # a new session re-attaches and loads the model from disk
    other.attach(app.workdir / "try-it")
    assert other.model is not None and other.tokenizer is not None
    other.results_panel.prompt.value = "What is 2 plus 3?"
    other.results_panel.generate_button.click()
    assert other.join_background(120)
    assert "tw-generated" in other.results_panel.output.value


def test_an_existing_run_directory_needs_a_new_name_or_overwrite(app_factory, demo, chat_jsonl):
    app = app_factory()
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = str(chat_jsonl)
    assert app.can_train
    _fake_run(app.workdir / "my-run")
    app.params_panel.run_form.widgets["project_name"].value = "my-run"  # any change re-checks
    app._refresh()
    assert not app.can_train
    assert any("already holds a run" in p and "'my-run-2' is free" in p for p in app.problems)
    assert "already holds a run" in text_of(app.train_panel.blockers)
    app.train_panel.overwrite.value = True
    assert app.can_train
    app.train_panel.overwrite.value = False
    app.params_panel.run_form.widgets["project_name"].value = "my-run-2"
    assert app.can_train


def test_resume_is_offered_only_for_a_run_with_a_checkpoint_that_did_not_finish(app_factory, demo, chat_jsonl):
    app = app_factory()
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = str(chat_jsonl)
    rundir = _fake_run(app.workdir / "my-run", state="stopped")
    app._refresh()
    assert app.train_panel.resume_button.disabled  # no checkpoint
    (rundir.path / "checkpoint-6").mkdir()
    app._refresh()
    assert not app.train_panel.resume_button.disabled
    rundir.write_status("running", pid=2**22 + 12345)  # a crashed process: no such pid
    app._refresh()
    assert not app.train_panel.resume_button.disabled
    rundir.write_status("finished")
    app._refresh()
    assert app.train_panel.resume_button.disabled
