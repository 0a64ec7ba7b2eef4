"""Export: the YAML is the config, the link downloads it, the CLI line reruns it, the script trains the same."""

from __future__ import annotations

import base64
import re
import runpy

import pytest

from tunewidgets.config import dump_config, load_config
from tunewidgets.config.tasks import TASKS
from tunewidgets.ui.export import cli_command, config_yaml, download_link, ejectable_tasks, python_script


def _config(demo, task="llm-sft", **params):
    data = {"path": demo["data"]["sft-chat"], "train_split": "train", "valid_split": "valid",
            "chat_template": "chatml", "column_mapping": {"text_column": "messages"}}
    if task in ("llm-dpo", "llm-orpo", "llm-reward", "llm-cpo"):
        data = {"path": demo["data"]["preference"], "column_mapping": {
            "text_column": "chosen", "rejected_text_column": "rejected", "prompt_text_column": "prompt"}}
    if task == "llm-kto":  # the script is only compiled here: a label column is named, not read
        data = {"path": demo["data"]["preference"], "column_mapping": {
            "text_column": "chosen", "target_column": "label", "prompt_text_column": "prompt"}}
    if task == "llm-grpo":  # prompts, and the chosen/rejected columns go to the reward functions
        data = {"path": demo["data"]["preference"], "column_mapping": {"prompt_text_column": "prompt"}}
        params = {"reward_functions": ["think_format_reward"], **params}
    return load_config({"task": task, "base_model": demo["model"], "project_name": "exp", "data": data,
                        "params": params, "hub": {"token": "hf_secret_sentinel"}})


def test_yaml_is_dump_config_and_never_holds_the_token(demo):
    config = _config(demo, lr=1e-4)
    text = config_yaml(config)
    assert text == dump_config(config)
    assert "hf_secret_sentinel" not in text and "${HF_TOKEN}" in text
    assert load_config(text.replace("${HF_TOKEN}", "x")).params.lr == 1e-4


def test_download_link_carries_the_text():
    link = download_link("task: llm-sft\n", "run.yml")
    assert 'download="run.yml"' in link
    payload = re.search(r"base64,([A-Za-z0-9+/=]+)", link).group(1)
    assert base64.b64decode(payload).decode() == "task: llm-sft\n"


def test_cli_command_quotes_paths():
    assert cli_command("/a b/run.yml", "/w") == "tunewidgets train '/a b/run.yml' --workdir /w"
    assert cli_command("run.yml", resume=True) == "tunewidgets train run.yml --resume"


LLM_TASKS = [name for name in ejectable_tasks() if name.startswith("llm-")]


@pytest.mark.parametrize("task", LLM_TASKS)
def test_the_ejected_script_compiles_for_every_llm_task(demo, task):
    script = python_script(_config(demo, task, peft=True, merge_adapter=True), workdir="/tmp/out")
    compile(script, f"<{task}>", "exec")
    bound = dict(TASKS[task].eject.bound)
    if bound.get("packs"):  # llm-generic trains as the run does: transformers' Trainer on block_size blocks
        assert "group_texts(" in script and "trainer = Trainer(" in script
    else:
        assert f"from {bound['module']} import {bound['config_class']}, {bound['trainer_class']}" in script
    assert "LoraConfig(r=16" in script and "hf_secret_sentinel" not in script
    assert "merge_and_unload().save_pretrained(OUTPUT_DIR)" in script and "trainer.save_state()" in script


def test_every_task_ejects_to_a_script():
    assert sorted(ejectable_tasks()) == sorted(TASKS)


def test_the_script_for_a_task_without_eject_says_how_to_rerun_it(monkeypatch):
    import dataclasses

    from tunewidgets.config.task_spec import CATALOG

    config = load_config({"task": "tabular", "base_model": "x", "project_name": "tab", "data": {"path": "d.csv"}})
    monkeypatch.setitem(CATALOG._load(), "tabular", dataclasses.replace(TASKS["tabular"], eject=None))
    script = python_script(config)
    assert script.startswith("# Eject to code writes a plain script for llm-sft")
    assert "tunewidgets train tab.yml" in script and "not trainable" not in script


@pytest.mark.slow
def test_the_ejected_script_trains_with_the_same_losses(demo, tmp_path):
    from tunewidgets.run.engine import Run

    config = _config(demo, max_steps=4, logging_steps=1, batch_size=4, gradient_accumulation=1, lr=2e-3,
                     block_size=64, model_max_length=128, assistant_only_loss=True, eval_strategy="no")
    run = Run(config, workdir=tmp_path / "ours", mode="foreground").run()
    assert run.state == "finished", run.error
    ours = [m["loss"] for m in run.metrics if "loss" in m]
    script = tmp_path / "ejected.py"
    script.write_text(python_script(config, workdir=tmp_path / "theirs", num_examples=180))
    namespace = runpy.run_path(str(script))
    theirs = [h["loss"] for h in namespace["trainer"].state.log_history if "loss" in h]
    assert theirs == pytest.approx(ours, abs=1e-5)
    assert (tmp_path / "theirs" / "exp" / "model.safetensors").exists()
    assert (tmp_path / "theirs" / "exp" / "trainer_state.json").exists()


def test_the_export_panel_saves_where_asked_and_follows_the_project_name(app_factory, demo, tmp_path):
    app = app_factory()
    app.load_config(_config(demo))
    panel = app.export_panel
    assert panel.path.value.endswith("exp.yml")
    app.params_panel.run_form.widgets["project_name"].value = "renamed"
    assert panel.path.value.endswith("renamed.yml") and "project_name: renamed" in panel.yaml_text
    panel.path.value = str(tmp_path / "elsewhere" / "mine.yml")
    panel.save_button.click()
    saved = (tmp_path / "elsewhere" / "mine.yml").read_text()
    assert saved == app.export_yaml() and "saved" in panel.message.value
    assert "mine.yml" in panel.cli.value and 'download="mine.yml"' in panel.download.value
    assert panel.script.value == ""  # the script is made on demand
    panel.eject_button.click()
    assert "SFTTrainer" in panel.script.value and 'download="mine.py"' in panel.script_download.value
    app.set_param("lr", 5e-4)  # once shown, it follows the form
    assert "learning_rate=0.0005" in panel.script_text


@pytest.mark.parametrize("task", ["text_classification", "tabular"])
def test_the_eject_button_writes_every_tasks_script(app_factory, task, tmp_path):
    from tunewidgets.tasks.shared.demo import demo_config

    app = app_factory()
    config = load_config(demo_config(TASKS[task], tmp_path / "demo"))
    app.load_config(config)
    app.export_panel.eject_button.click()
    script = app.export_panel.script.value
    assert ("Trainer(" if task != "tabular" else "Search(") in script and "could not generate" not in script
    assert app.export_panel.script_text == python_script(config, workdir=app.workdir,
                                                         num_examples=app.data_panel.num_rows,
                                                         device=app.params_panel.device_info)
