"""The Data panel: every source, the preview table, splits and the guessed mapping."""

from __future__ import annotations

import datetime

import pandas as pd
from ui_helpers import text_of

from tunewidgets.ui.variables import list_variables


def test_a_folder_lists_its_splits_and_picks_the_validation_split(app_factory, demo):
    app = app_factory()
    panel = app.data_panel
    panel.path.value = demo["data"]["sft-chat"]
    assert set(panel.train_split.options) == {"train", "valid"}
    assert panel.train_split.value == "train" and panel.valid_split.value == "valid"
    assert panel.data_config()["valid_split"] == "valid"
    table = panel.preview_html.value
    assert "<table" in table and "messages" in table and "list" in table  # name and type
    assert "180 rows" in text_of(panel.info)


def test_a_single_file_is_one_split(app_factory, chat_jsonl):
    app = app_factory()
    app.data_panel.path.value = str(chat_jsonl)
    assert app.data_panel.train_split.disabled and app.data_panel.valid_split.disabled
    assert app.data_panel.data_config()["valid_split"] is None


def test_an_upload_is_saved_into_the_workdir_and_previewed(app_factory, tmp_path):
    app = app_factory()
    content = b"review,label\nthis film was a delight from start to end,pos\nthe plot made no sense at all,neg\n"
    app.task_panel.dropdown.value = "text_classification"
    app.data_panel.source.value = "upload"
    app.data_panel.upload.value = ({"name": "../reviews.csv", "type": "text/csv", "size": len(content),
                                    "content": memoryview(content), "last_modified": datetime.datetime.now()},)
    saved = app.workdir / "uploads" / "reviews.csv"
    assert saved.read_bytes() == content
    assert app.data_panel.source.value == "path" and app.data_panel.path.value == str(saved)
    assert app.data_panel.mapping() == {"text_column": "review", "target_column": "label"}
    assert "2 rows" in text_of(app.data_panel.info)


def test_kernel_variables_list_dataframes_and_datasets(app_factory):
    import datasets

    frame = pd.DataFrame({"text": ["a b c d", "e f g h"]})
    dataset = datasets.Dataset.from_dict({"text": ["x y z", "u v w"]})
    namespace = {"frame": frame, "dataset": dataset, "number": 3, "_hidden": frame}
    assert [name for _, name in list_variables(namespace)] == ["dataset", "frame"]
    app = app_factory(namespace=namespace)
    panel = app.data_panel
    panel.source.value = "variable"
    assert [v for _, v in panel.variable.options] == ["dataset", "frame"]
    panel.variable.value = "frame"
    assert panel.in_memory_data() is frame and panel.mapping() == {"text_column": "text"}
    panel.variable.value = "dataset"
    assert panel.in_memory_data() is dataset and "2 rows" in text_of(panel.info)
    namespace["later"] = frame
    panel.variable_refresh.click()
    assert "later" in [v for _, v in panel.variable.options]


def test_trainer_app_data_argument_uses_the_object(app_factory):
    import datasets

    splits = datasets.DatasetDict({"train": datasets.Dataset.from_dict({"text": ["a b c"] * 3}),
                                   "test": datasets.Dataset.from_dict({"text": ["d e f"]})})
    app = app_factory(data=splits)
    assert app.data_panel.source.value == "variable"
    assert set(app.data_panel.train_split.options) == {"train", "test"}
    assert "3 rows" in text_of(app.data_panel.info)


def test_wrong_data_argument_is_shown_not_raised(app_factory):
    app = app_factory(data=[1, 2, 3])
    assert "DataFrame" in text_of(app.header_message)


def test_a_hub_dataset_offline_says_so(app_factory, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    app = app_factory()
    app.data_panel.source.value = "hub"
    app.data_panel.hub_id.value = "someone/some-dataset"
    assert app.join_background(60)
    message = text_of(app.data_panel.message)
    assert "some-dataset" in message and ("offline" in message or "not found" in message or "could not" in message)
    assert not app.can_train
    assert app.data_panel.data_config()["path"] == "someone/some-dataset"


def test_mapping_follows_the_task(app_factory, demo):
    app = app_factory()
    app.data_panel.path.value = demo["data"]["preference"]
    app.task_panel.dropdown.value = "llm-dpo"
    assert app.data_panel.mapping() == {"text_column": "chosen", "rejected_text_column": "rejected",
                                        "prompt_text_column": "prompt"}
    assert set(app.data_panel.mapping_widgets) == {"text_column", "rejected_text_column", "prompt_text_column",
                                                   "system_column"}
    app.task_panel.dropdown.value = "llm-sft"
    assert set(app.data_panel.mapping_widgets) == {"text_column", "prompt_text_column", "context_column",
                                                   "system_column"}
    assert app.data_panel.mapping() == {"text_column": "chosen", "prompt_text_column": "prompt"}  # SFT on pairs
    assert app.data_panel.template_row.layout.display is None
    app.task_panel.dropdown.value = "tabular"
    assert app.data_panel.template_row.layout.display == "none"
