"""Bad input shows a red message where it was entered, raises nothing, and keeps Train disabled until fixed."""

from __future__ import annotations

from ui_helpers import FAST_PARAMS, set_params


def _ready_app(app_factory, demo, chat_jsonl):
    app = app_factory()
    app.model_panel.text.value = demo["model"]
    app.data_panel.path.value = str(chat_jsonl)
    set_params(app, **FAST_PARAMS, max_steps=5)
    assert app.can_train, app.problems
    return app


def test_a_missing_column_is_shown_and_blocks_train_until_mapped(app_factory, demo, chat_jsonl):
    app = _ready_app(app_factory, demo, chat_jsonl)
    dropdown = app.data_panel.mapping_widgets["text_column"]
    dropdown.value = ""  # the user clears the role
    message = app.data_panel.mapping_message
    assert "text_column" in message.value and "required" in message.value and "#c62828" in message.value
    assert message.layout.display is None and "tw-error" in message._dom_classes
    assert app.train_panel.train_button.disabled and not app.can_train
    assert any("column mapping" in p for p in app.problems)
    assert "column mapping" in app.train_panel.blockers.value
    app.train_panel.train_button.click()  # a click anyway does nothing but say why
    assert app.run is None and "cannot train yet" in app.train_panel.message.value

    dropdown.value = "messages"
    assert message.value == "" and message.layout.display == "none"
    assert app.can_train, app.problems


def test_a_loaded_config_naming_a_column_the_data_lacks_says_so(app_factory, demo, chat_jsonl):
    app = app_factory()
    app.load_config({"task": "llm-sft", "base_model": demo["model"],
                     "data": {"path": str(chat_jsonl), "column_mapping": {"text_column": "mesages"}}})
    assert app.data_panel.mapping() == {"text_column": "mesages"}
    text = app.data_panel.mapping_message.value
    assert "column 'mesages' (text_column) not found" in text and "did you mean 'messages'" in text
    assert not app.can_train
    app.data_panel.mapping_widgets["text_column"].value = "messages"
    assert app.can_train, app.problems


def test_a_bad_learning_rate_is_shown_under_the_field_and_blocks_train(app_factory, demo, chat_jsonl):
    app = _ready_app(app_factory, demo, chat_jsonl)
    form = app.params_panel.params_form
    lr = form.widgets["lr"]
    for bad, expected in [("-1", "greater than 0"), ("abc", "not a number"), ("5", "less than or equal to 1")]:
        lr.value = bad
        label = form.error_labels["lr"]
        assert expected in label.value and "#c62828" in label.value, (bad, label.value)
        assert "lr" in form.errors and not app.can_train
        assert any(p.startswith("hyperparameters: lr") for p in app.problems)
        assert form.values()["lr"] == 2e-3  # the last valid value is kept
    lr.value = "3e-4"
    assert form.error_labels["lr"].value == "" and not form.errors
    assert app.can_train and app.config.params.lr == 3e-4


def test_a_cross_field_error_clears_when_the_other_field_fixes_it(app_factory, demo, chat_jsonl):
    app = _ready_app(app_factory, demo, chat_jsonl)
    form = app.params_panel.params_form
    form.widgets["block_size"].value = "256"  # larger than model_max_length 128
    assert "larger than model_max_length" in form.error_labels["block_size"].value
    assert not app.can_train
    form.widgets["model_max_length"].value = 512
    assert not form.errors and app.can_train
    assert app.config.params.block_size == 256


def test_an_unreadable_file_is_shown_and_blocks_train_until_fixed(app_factory, demo, chat_jsonl, tmp_path):
    app = _ready_app(app_factory, demo, chat_jsonl)
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(b'{"text": "caf\xe9"}\n')
    app.data_panel.path.value = str(bad)
    message = app.data_panel.message.value
    assert "not UTF-8" in message and "#c62828" in message
    assert app.data_panel.preview_html.value == ""
    assert not app.can_train and any(p.startswith("data:") for p in app.problems)

    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "fine"}\n{"text": oops}\n')
    app.data_panel.path.value = str(broken)
    assert "malformed JSON" in app.data_panel.message.value and "line 2" in app.data_panel.message.value
    assert not app.can_train

    app.data_panel.path.value = str(tmp_path / "nope.jsonl")
    assert "does not exist" in app.data_panel.message.value and not app.can_train

    app.data_panel.path.value = str(chat_jsonl)
    assert app.data_panel.message.value == "" and app.can_train, app.problems


def test_a_model_path_that_does_not_exist_is_shown(app_factory, demo, chat_jsonl, tmp_path):
    app = _ready_app(app_factory, demo, chat_jsonl)
    app.model_panel.text.value = str(tmp_path / "no-such-model")
    assert "does not exist" in app.model_panel.message.value and not app.can_train
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    app.model_panel.text.value = str(empty)
    assert "no config.json" in app.model_panel.message.value and not app.can_train
    app.model_panel.text.value = demo["model"]
    assert app.model_panel.message.value == "" and "llama" in app.model_panel.info.value and app.can_train


def test_a_bad_project_name_and_a_bad_yaml_raise_nothing(app_factory, demo, chat_jsonl, tmp_path):
    app = _ready_app(app_factory, demo, chat_jsonl)
    name = app.params_panel.run_form.widgets["project_name"]
    name.value = "bad name!"
    assert "not a usable run name" in app.params_panel.run_form.error_labels["project_name"].value
    assert not app.can_train
    name.value = "good-name"
    assert app.can_train

    bad_yaml = tmp_path / "bad.yml"
    bad_yaml.write_text("task: llm-sft\nbase_model: x\nparams: {lrr: 0.1}\n")
    app.load_panel.path.value = str(bad_yaml)
    app.load_panel.button.click()
    assert "did you mean 'lr'" in app.load_panel.message.value and "#c62828" in app.load_panel.message.value
    assert app.load_config("task: [unclosed") is None
    assert "invalid YAML" in app.header_message.value
    assert app.model_panel.name == demo["model"]  # the form was left as it was
