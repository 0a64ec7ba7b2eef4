"""Each task's form shows the fields it reads: the LLM tasks share one params model, and an SFT form shows no
DPO settings, a reward model's no generation settings (TaskSpec.form_hides). A YAML may still set a hidden field:
it is kept as it was through the app and written back on export."""

from __future__ import annotations

import pytest
import yaml

from tunewidgets.config.tasks import TASKS


@pytest.mark.parametrize("task", [name for name, spec in TASKS.items() if spec.form_hides])
def test_every_hidden_field_is_a_field_of_the_tasks_params(task):
    spec = TASKS[task]
    assert set(spec.form_hides) <= set(spec.params.model_fields), set(spec.form_hides) - set(spec.params.model_fields)


@pytest.mark.parametrize("task, shown, hidden", [
    ("llm-sft", {"assistant_only_loss", "packing", "neftune_noise_alpha", "eval_generate"},
     {"model_ref", "dpo_beta", "dpo_loss_type", "max_prompt_length"}),
    ("llm-generic", {"add_eos_token", "block_size", "eval_generate"}, {"assistant_only_loss", "dpo_beta", "packing"}),
    ("llm-dpo", {"model_ref", "dpo_beta", "dpo_loss_type", "max_prompt_length", "eval_generate"},
     {"packing", "neftune_noise_alpha", "add_eos_token"}),
    ("llm-orpo", {"dpo_beta", "max_prompt_length"}, {"model_ref", "dpo_loss_type", "assistant_only_loss"}),
    ("llm-reward", {"max_prompt_length"}, {"eval_generate", "dpo_beta", "model_ref", "packing"}),
    ("llm-grpo", {"beta", "num_generations", "max_completion_length"}, {"dpo_beta", "model_ref", "max_prompt_length"}),
])
def test_the_form_shows_what_the_task_reads(app_factory, task, shown, hidden):
    app = app_factory()
    app.task_panel.dropdown.value = task
    fields = set(app.params_panel.params_form.widgets)
    assert shown <= fields, shown - fields
    assert not (hidden & fields), hidden & fields
    assert not {f"params.{name}" for name in hidden} & set(app.sweep_panel.field.options)


def test_switching_tasks_rebuilds_the_form_for_the_same_params_model(app_factory):
    app = app_factory()
    app.task_panel.dropdown.value = "llm-sft"
    app.set_param("lr", 1e-4)
    app.task_panel.dropdown.value = "llm-dpo"
    form = app.params_panel.params_form
    assert "dpo_loss_type" in form.widgets and form.instance.lr == 1e-4  # a changed value carried over
    app.task_panel.dropdown.value = "llm-sft"
    assert "dpo_loss_type" not in app.params_panel.params_form.widgets


def test_a_hidden_field_a_yaml_sets_is_written_back_as_it_was(app_factory, demo, tmp_path):
    config = {"task": "llm-sft", "base_model": demo["model"], "project_name": "kept",
              "data": {"path": demo["data"]["sft-chat"], "column_mapping": {"text_column": "messages"}},
              "params": {"lr": 2e-4, "max_prompt_length": 77}}
    path = tmp_path / "in.yml"
    path.write_text(yaml.safe_dump(config))
    app = app_factory()
    app.load_config(str(path))
    assert "max_prompt_length" not in app.params_panel.params_form.widgets
    exported = yaml.safe_load(app.export_panel.yaml_text)
    assert exported["params"]["max_prompt_length"] == 77 and exported["params"]["lr"] == 2e-4
    app.task_panel.dropdown.value = "llm-dpo"  # a task that reads it: the form shows the kept value
    assert app.params_panel.params_form.instance.max_prompt_length == 77 and app.params_panel.kept == {}
