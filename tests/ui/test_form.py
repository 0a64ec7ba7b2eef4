"""The form is generated from the schema: every field, its widget, help, group and validation."""

from __future__ import annotations

import ipywidgets as widgets
import pytest
from ui_helpers import text_of

from tunewidgets.config import TASKS, field_specs
from tunewidgets.config.params_llm import LLMParams
from tunewidgets.config.run_config import HubConfig
from tunewidgets.ui.form import SchemaForm


@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_visible_field_of_every_task_gets_a_widget_with_its_help(task):
    model = TASKS[task].params
    form = SchemaForm(model)
    specs = field_specs(model)
    shown = {s.name for s in specs if s.group != "hidden"}
    assert set(form.widgets) == shown
    basic = {s.name for s in specs if s.group == "basic"}
    in_basic = {name for name in form.widgets if _contains(form.basic_box, form.widgets[name])}
    assert in_basic == basic
    assert all(not _contains(form.basic_box, form.widgets[s.name]) for s in specs if s.group == "advanced")
    for spec in specs:
        if spec.name in form.widgets:
            assert form.widgets[spec.name].tooltip == spec.help
    assert form.values() == model().model_dump()  # the defaults, hidden fields included
    assert form.accordion is not None and form.accordion.selected_index is None  # advanced starts collapsed


def _contains(box, widget) -> bool:
    for child in box.children:
        if child is widget or (hasattr(child, "children") and _contains(child, widget)):
            return True
    return False


def test_widget_kinds_follow_the_field_kinds():
    form = SchemaForm(LLMParams)
    w = form.widgets
    assert isinstance(w["peft"], widgets.Checkbox)
    assert isinstance(w["optimizer"], widgets.Dropdown) and "adamw_torch" in dict(w["optimizer"].options).values()
    assert isinstance(w["quantization"], widgets.Dropdown) and w["quantization"].value == ""  # (none)
    assert isinstance(w["epochs"], widgets.IntText)
    assert isinstance(w["lr"], widgets.Text) and w["lr"].value == "3e-05"
    assert isinstance(w["packing"], widgets.Dropdown) and w["packing"].value == ""  # bool | None: default
    assert isinstance(w["eval_steps"], widgets.Text) and w["eval_steps"].value == ""  # optional int
    assert "trainer" not in w  # hidden


def test_typed_values_are_parsed_and_validated_on_every_change():
    changes = []
    form = SchemaForm(LLMParams, on_change=changes.append)
    form.widgets["lr"].value = "1e-4"
    form.widgets["packing"].value = "true"
    form.widgets["quantization"].value = "int4"  # needs peft: a cross-field error on this field
    assert "needs peft" in text_of(form.error_labels["quantization"])
    form.widgets["peft"].value = True  # fixes it
    assert not form.errors
    form.widgets["block_size"].value = "[64, 128]"
    form.widgets["eval_steps"].value = "50"
    values = form.values()
    assert values["lr"] == 1e-4 and values["packing"] is True and values["quantization"] == "int4"
    assert values["block_size"] == [64, 128] and values["eval_steps"] == 50
    assert changes == ["lr", "packing", "quantization", "peft", "block_size", "eval_steps"]
    form.widgets["eval_steps"].value = "x"
    assert "not a whole number" in form.errors["eval_steps"]
    form.widgets["eval_steps"].value = ""
    assert not form.errors and form.values()["eval_steps"] is None


def test_set_values_fills_widgets_and_keeps_hidden_fields_and_shows_bad_ones():
    form = SchemaForm(LLMParams)
    form.set_values({"lr": 0.5, "trainer": "sft", "epochs": 0, "target_modules": "q_proj,v_proj"})
    assert form.widgets["lr"].value == "0.5" and form.values()["trainer"] == "sft"
    assert form.widgets["target_modules"].value == "q_proj,v_proj"
    assert "epochs" in form.errors and form.widgets["epochs"].value == 0
    assert form.values()["epochs"] == 1  # the last valid value
    form.widgets["epochs"].value = 2
    assert not form.errors


def test_a_secret_is_never_shown_back():
    form = SchemaForm(HubConfig)
    assert isinstance(form.widgets["token"], widgets.Password)
    form.set_values({"token": "hf_abc"})
    assert form.widgets["token"].value == ""
    assert form.values()["token"].get_secret_value() == "hf_abc"


def test_task_switch_rebuilds_the_form_and_keeps_changed_values(app_factory):
    app = app_factory()
    app.set_param("lr", 1e-3)
    app.set_param("epochs", 4)
    app.task_panel.dropdown.value = "text_classification"
    form = app.params_panel.params_form
    assert "max_seq_length" in form.widgets and "lora_r" not in form.widgets
    assert form.values()["lr"] == 1e-3 and form.values()["epochs"] == 4
    app.task_panel.dropdown.value = "llm-dpo"
    assert "dpo_beta" in app.params_panel.params_form.widgets
