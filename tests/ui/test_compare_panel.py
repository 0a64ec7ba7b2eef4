"""Results > Compare: finished runs of text-writing tasks are listed; the chosen runs and their base model answer
validation prompts (with references) or typed ones side by side; wrong choices are said, not raised; a served
workspace refuses a base model outside it."""

from __future__ import annotations

import base64
import json

import pytest
import yaml
from ui_helpers import text_of, wait_until

from tunewidgets.cli import main


def _train(demo, workdir, name, data="sft-chat", **params):
    config = {"task": "llm-sft", "base_model": demo["model"], "project_name": name,
              "data": {"path": demo["data"][data], "train_split": "train", "valid_split": "valid",
                       "chat_template": "tokenizer" if data == "sft-chat" else None,
                       "column_mapping": {"text_column": "messages" if data == "sft-chat" else "text"}},
              "params": {"max_steps": 4, "batch_size": 8, "gradient_accumulation": 1, "lr": 5e-3, "block_size": 64,
                         "model_max_length": 128, "logging_steps": 2, "save_strategy": "no", **params}}
    path = workdir / f"{name}.yml"
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config))
    assert main(["train", str(path), "--workdir", str(workdir), "--quiet"]) == 0
    return workdir / name


@pytest.fixture()
def two_runs(demo, tmp_path):
    workdir = tmp_path / "runs"
    return workdir, _train(demo, workdir, "full"), _train(demo, workdir, "lora", peft=True, lora_r=4, lora_alpha=8)


def test_runs_and_base_answer_validation_prompts_side_by_side(app_factory, two_runs):
    workdir, full, lora = two_runs
    app = app_factory(workdir=workdir)
    panel = app.compare_panel
    assert "Compare" in app.results_panel.tabs.titles
    values = [v for _, v in panel.runs.options]
    assert set(values) == {str(full), str(lora)}  # finished llm-sft runs, listed when the app opens
    panel.runs.value = (str(full), str(lora))
    panel.count.value = 3
    panel.button.click()
    assert app.join_background(300)
    assert panel.message.value == "", panel.message.value
    assert panel.comparison.columns == ["base", "full", "lora"]
    rows = panel.comparison.rows
    assert len(rows) == 3 and all(r["reference"] for r in rows)
    assert all(isinstance(r[k], str) for r in rows for k in ("base", "full", "lora"))
    table = text_of(panel.table)
    assert all(r["reference"] in table for r in rows) and "lora" in table and "base" in table
    assert "3 prompts, 3 models" in text_of(panel.progress)
    link = panel.download.value
    data = link.split("base64,")[1].split('"')[0]
    records = [json.loads(line) for line in base64.b64decode(data).decode().splitlines()]
    assert [set(r) for r in records] == [{"prompt", "reference", "base", "full", "lora"}] * 3
    assert not panel.button.disabled


def test_typed_prompts_without_the_base(app_factory, two_runs):
    workdir, full, _ = two_runs
    app = app_factory(workdir=workdir)
    panel = app.compare_panel
    panel.runs.value = (str(full),)
    panel.base.value = False
    panel.source.value = "typed"
    assert panel.prompts.layout.display is None and panel.count.layout.display == "none"
    panel.prompts.value = "What is 2 plus 2?\n\n  What does a cow say?  \n"
    panel.button.click()
    assert app.join_background(300)
    assert panel.comparison.columns == ["full"]
    assert [r["prompt"] for r in panel.comparison.rows] == ["What is 2 plus 2?", "What does a cow say?"]
    assert all(r["reference"] is None for r in panel.comparison.rows)


def test_wrong_choices_are_said_in_the_panel(app_factory, two_runs):
    workdir, full, _ = two_runs
    app = app_factory(workdir=workdir)
    panel = app.compare_panel
    panel.button.click()
    assert "choose one or more runs" in panel.message.value
    panel.runs.value = (str(full),)
    panel.source.value = "typed"
    panel.button.click()
    assert "type one or more prompts" in panel.message.value
    assert not app.background.busy("compare")


def test_a_run_without_validation_data_says_how_to_ask_instead(app_factory, demo, tmp_path):
    workdir = tmp_path / "runs"
    run = _train(demo, workdir, "novalid")
    config = yaml.safe_load((run / "config.yml").read_text())
    config["data"]["valid_split"] = None
    (run / "config.yml").write_text(yaml.safe_dump(config))
    app = app_factory(workdir=workdir)
    app.compare_panel.runs.value = (str(run),)
    app.compare_panel.button.click()
    assert app.join_background(120)
    message = text_of(app.compare_panel.message)
    assert "has no validation split" in message and "choose My prompts and type some" in message, message


def test_a_served_workspace_refuses_a_base_model_outside_it(app_factory, demo, tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    run = _train(demo, workspace / "runs", "inside")  # its base model (the session's demo) lies outside
    app = app_factory(workdir=workspace / "runs", workspace=workspace)
    panel = app.compare_panel
    assert str(run) in [v for _, v in panel.runs.options]
    panel.runs.value = (str(run),)
    panel.button.click()
    assert "outside" in panel.message.value or "workspace" in panel.message.value, panel.message.value
    assert not app.background.busy("compare")


@pytest.mark.slow
def test_a_vision_language_run_answers_validation_images_and_refuses_typed_prompts(app_factory, tmp_path):
    from tests.tasks.task_helpers import config, tiny_model
    from tunewidgets import tiny

    data = tiny.make_task_demo("vlm-vqa", tmp_path / "vqa", n=24)
    workdir = tmp_path / "runs"
    workdir.mkdir()
    cfg = config("vlm:vqa", tiny_model("vlm"), data,
                 {"image_column": "image", "prompt_text_column": "question", "text_column": "answer"},
                 valid="valid", max_steps=2, batch_size=4, gradient_accumulation=1, lr=1e-3)
    cfg["project_name"] = "vqa"
    (workdir / "vqa.yml").write_text(yaml.safe_dump(cfg))
    assert main(["train", str(workdir / "vqa.yml"), "--workdir", str(workdir), "--quiet"]) == 0
    app = app_factory(workdir=workdir)
    panel = app.compare_panel
    panel.runs.value = (str(workdir / "vqa"),)
    panel.count.value = 2
    panel.max_new_tokens.value = 3
    panel.button.click()
    assert app.join_background(300)
    assert panel.message.value == "", panel.message.value
    assert panel.comparison.columns == ["base", "vqa"] and len(panel.comparison.rows) == 2
    assert all(r["prompt"].startswith("What") and r["reference"] for r in panel.comparison.rows)
    panel.source.value = "typed"
    panel.prompts.value = "What colour is the shape?"
    panel.button.click()
    assert app.join_background(120)
    assert "use Validation prompts (their rows carry the images)" in text_of(panel.message)


def test_runs_chosen_in_history_are_chosen_in_compare(app_factory, two_runs):
    workdir, full, lora = two_runs
    app = app_factory(workdir=workdir)
    app.history_panel.refresh_button.click()
    app.history_panel.select.value = (str(lora),)
    assert app.compare_panel.runs.value == (str(lora),)
    app.history_panel.select.value = (str(full), str(lora))
    assert set(app.compare_panel.runs.value) == {str(full), str(lora)}


def test_on_a_served_dashboard_compare_waits_for_a_training_slot_and_stop_cancels(app_factory, two_runs,
                                                                                   tmp_path, monkeypatch):
    from tunewidgets.run import slots

    workdir, full, _ = two_runs
    monkeypatch.setenv(slots.MAX_ENV, "1")
    monkeypatch.setenv(slots.DIR_ENV, str(tmp_path / "slots"))
    held = slots.take("someone's run", on_wait=lambda text: None, should_stop=lambda: False)
    app = app_factory(workdir=workdir)
    panel = app.compare_panel
    panel.runs.value = (str(full),)
    panel.base.value = False
    panel.button.click()
    assert wait_until(lambda: "waiting for a free training slot" in text_of(panel.progress), timeout=30)
    assert "someone's run" in text_of(panel.progress) and "the comparison starts" in text_of(panel.progress)
    panel.stop_button.click()
    assert app.join_background(30)
    assert "stopped before any model answered" in text_of(panel.progress) and panel.comparison is None
    held.release()
    panel.count.value = 2
    panel.button.click()  # the slot is free: it compares, and gives the slot back
    assert app.join_background(120) and panel.comparison.columns == ["full"]
    again = slots.take("next", on_wait=lambda text: None, should_stop=lambda: True)
    assert again is not None
    again.release()
