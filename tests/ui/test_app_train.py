"""The whole product path, driven like ipywidgets' own tests: set values, click, assert real outcomes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from ui_helpers import FAST_PARAMS, set_params, wait_until

from tunewidgets.run.rundir import RunDirectory


def _losses(run_dir):
    return [(m["step"], m["loss"]) for m in RunDirectory(run_dir).read_metrics() if "loss" in m]


@pytest.mark.slow
def test_train_from_a_jsonl_then_the_exported_yaml_reruns_headless_with_the_same_losses(
        app_factory, demo, chat_jsonl, tmp_path):
    app = app_factory()
    app.task_panel.dropdown.value = "llm-sft"
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = str(chat_jsonl)

    # the guessed mapping and the preview
    assert app.data_panel.mapping() == {"text_column": "messages"}
    assert app.data_panel.mapping_widgets["text_column"].value == "messages"
    assert "64 rows" in app.data_panel.info.value and "messages" in app.data_panel.preview_html.value

    # 20 steps train in well under a second here: redraw more often than the 2/s a user gets, so the test
    # can see the plot change during the run whatever the machine's speed.
    app.train_panel.plot.min_interval, app.train_panel.plot.budget = 0.02, 0.0
    set_params(app, **FAST_PARAMS, max_steps=20)
    assert app.params_panel.params_form.widgets["max_steps"].value == 20
    assert app.can_train, app.problems

    app.train_panel.train_button.click()
    assert app.run is not None and app.train_panel.running

    # the kernel stays usable: work in this thread while the run trains
    images, work, refused = set(), 0, False
    while not app.run.done:
        work += sum(i * i for i in range(20_000))  # plain CPU work in the main thread
        images.add(bytes(app.train_panel.plot.image.value))
        assert app.train_panel.train_button.disabled
        if not refused and app.run.state == "running":
            app.train_panel.train_button.click()  # a second Train is refused with a message
            refused = "a run is in progress" in app.train_panel.message.value
        _ = app.export_panel.yaml_text  # read other panels meanwhile
        wait_until(lambda: app.run.done, timeout=0.1)
    assert work > 0 and refused

    assert app.wait(300) == "finished", app.run.error
    assert app.status == "finished"
    assert "finished" in app.train_panel.status.value
    assert RunDirectory(app.run.run_dir).read_status()["state"] == "finished"
    assert len({png for png in images if png}) >= 2, "the plot image changed during the run"
    assert bytes(app.train_panel.plot.image.value).startswith(b"\x89PNG")
    assert app.train_panel.progress.value == app.train_panel.progress.max == 20
    assert "step 20 / 20" in app.train_panel.step.value
    assert app.train_panel.event_errors == []
    assert any("loss" in o["text"] for o in app.train_panel.log.outputs)
    assert app.model is not None and app.tokenizer is not None  # the trained model, in the kernel
    assert "final train loss" in app.results_panel.metrics.value

    # the exported YAML is the run's config.yml, byte for byte
    config_yml = (app.run.run_dir / "config.yml").read_text()
    assert app.export_yaml() == config_yml
    assert app.export_panel.yaml_text == config_yml
    saved = app.export_panel.save()
    assert saved and open(saved).read() == config_yml
    assert "tunewidgets train" in app.export_panel.cli.value
    assert "data:text/yaml;base64," in app.export_panel.download.value

    # after the run, Train asks before overwriting the run directory
    assert not app.can_train and any("already holds a run" in p for p in app.problems)

    # rerun the YAML headless: same losses on CPU
    from tunewidgets.cli import main

    other = tmp_path / "headless"
    assert main(["train", saved, "--workdir", str(other), "--quiet"]) == 0
    ours, theirs = _losses(app.run.run_dir), _losses(other / app.run.config.project_name)
    assert [s for s, _ in ours] == [s for s, _ in theirs] and len(ours) == 20
    for (_, a), (_, b) in zip(ours, theirs):
        assert math.isclose(a, b, abs_tol=1e-5), (a, b)


@pytest.mark.slow
def test_stop_mid_run_keeps_a_checkpoint_and_resume_finishes(app_factory, demo, chat_jsonl):
    app = app_factory()
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = str(chat_jsonl)
    set_params(app, **FAST_PARAMS, max_steps=40, save_strategy="no")
    app.params_panel.run_form.widgets["project_name"].value = "stop-me"
    app.train_panel.train_button.click()

    assert wait_until(lambda: app.train_panel.progress.value >= 3 or app.run.done, timeout=300)
    app.train_panel.stop_button.click()
    assert app.wait(300) == "stopped", app.run.error
    rundir = RunDirectory(app.run.run_dir)
    status = rundir.read_status()
    assert status["state"] == "stopped" and 3 <= status["step"] < 40
    assert rundir.last_checkpoint().name == f"checkpoint-{status['step']}"
    assert "stopped" in app.train_panel.status.value
    assert not app.train_panel.resume_button.disabled
    assert not app.can_train  # the directory holds a run: Resume, Overwrite or a new name

    app.train_panel.resume_button.click()
    assert app.run is not None and app.run.config.params.resume_from_checkpoint == "auto"
    assert app.wait(300) == "finished", app.run.error
    final = rundir.read_status()
    assert final["state"] == "finished" and final["step"] == 40
    steps = [m["step"] for m in rundir.read_metrics() if "loss" in m]
    assert steps[-1] == 40 and steps == sorted(steps)
    assert app.train_panel.progress.value == app.train_panel.progress.max == 40
    assert app.train_panel.resume_button.disabled


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["thread", "subprocess"])
def test_a_dataframe_in_the_kernel_is_written_once_and_the_export_is_the_runs_config(app_factory, demo, mode):
    from tunewidgets.tiny import make_demo_dataset

    frame = make_demo_dataset("sft-text", n=40, seed=1)
    app = app_factory(data=frame, namespace={"frame": frame})
    assert app.data_panel.source.value == "variable"
    assert app.data_panel.mapping() == {"text_column": "text"}
    app.model_panel.text.value = demo["model"]
    set_params(app, **FAST_PARAMS, max_steps=3, save_strategy="no")
    app.train_panel.mode.value = mode
    exported = app.export_yaml()  # the Export tab writes the data first
    run = app.train()
    assert run is not None and run.mode == mode
    assert (run.train_data is frame) == (mode == "thread")  # a thread run trains on the object itself
    assert app.wait(300) == "finished", run.error
    written = (run.run_dir / "config.yml").read_text()
    assert written == exported == app.export_yaml()
    snapshot = yaml.safe_load(written)["data"]["path"]
    assert snapshot.endswith(".jsonl") and snapshot.startswith(str(app.workdir / "data"))
    assert [p.name for p in (app.workdir / "data").iterdir()] == [Path(snapshot).name]  # written once
    rows = [json.loads(line) for line in open(snapshot)]
    assert [r["text"] for r in rows] == list(frame["text"])
    assert not list(app.workdir.glob(".tunewidgets-data*"))


def test_a_datasetdicts_splits_are_written_together_and_named_in_the_export(app_factory, demo):
    from datasets import Dataset, DatasetDict

    from tunewidgets.tiny import make_demo_dataset

    data = DatasetDict({"training": Dataset.from_pandas(make_demo_dataset("sft-text", n=30, seed=1)),
                        "held_out": Dataset.from_pandas(make_demo_dataset("sft-text", n=10, seed=2))})
    app = app_factory(data=data, namespace={"data": data})
    app.model_panel.text.value = demo["model"]
    app.data_panel.train_split.value = "training"
    app.data_panel.valid_split.value = "held_out"
    config = yaml.safe_load(app.export_yaml())["data"]
    assert config["train_split"] == "train" and config["valid_split"] == "valid"
    folder = Path(config["path"])
    assert sorted(p.name for p in folder.iterdir()) == ["train.jsonl", "valid.jsonl"]
    assert len(folder.joinpath("valid.jsonl").read_text().splitlines()) == 10
    assert app.export_yaml() == app.export_yaml()  # asked again: the same files, not new ones
    assert len(list((app.workdir / "data").iterdir())) == 1
