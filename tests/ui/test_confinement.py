"""A served app (a workspace set) reads and writes only inside its workspace.

Each way out (``../``, an absolute path elsewhere, a symlink leading out) is
refused where it was typed, with a red message; nothing is read, written or
raised into the notebook, and Train stays disabled until the path is fixed.
"""

from __future__ import annotations

import datetime
import json
import os

import pytest
from ui_helpers import text_of

from tunewidgets.run.rundir import RunDirectory

SECRET = "TOPSECRET-7731"
RED = "#c62828"
WAYS_OUT = ["dotdot", "absolute", "symlink"]


@pytest.fixture()
def places(tmp_path):
    """A workspace and, beside it, a folder with a secret CSV, a YAML and a run; symlinks from inside to them."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text(f"text\n{SECRET} first row\n{SECRET} second row\n")
    (outside / "secret.yml").write_text(
        "task: llm-sft\nbase_model: secret/model\nproject_name: secret-run\n"
        "data: {path: secret.csv, column_mapping: {text_column: text}}\n")
    run = RunDirectory(outside / "run")
    run.path.mkdir()
    (run.path / "config.yml").write_text("task: llm-sft\nbase_model: secret/model\nproject_name: run\n")
    run.append_metrics({"step": 1, "epoch": 1.0, "loss": 1.0})
    run.write_status("finished", step=1, max_steps=1)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    os.symlink(outside / "secret.csv", workspace / "link.csv")
    os.symlink(outside / "secret.yml", workspace / "link.yml")
    os.symlink(outside / "run", workspace / "linkrun")
    os.symlink(outside / "new.yml", workspace / "dangling.yml")  # would create a file outside on write
    return {"ws": workspace.resolve(), "outside": outside.resolve()}


def _way_out(places, kind: str, name: str, link: str) -> str:
    return {"dotdot": f"../outside/{name}", "absolute": str(places["outside"] / name), "symlink": link}[kind]


@pytest.fixture()
def served(app_factory, places, chat_jsonl):
    """An app confined to the workspace, with a Hub model id and a good data file inside it."""
    good = places["ws"] / "chats.jsonl"
    good.write_text(chat_jsonl.read_text())

    def make():
        app = app_factory(workdir=places["ws"], workspace=places["ws"])
        app.model_panel.text.value = "some-owner/some-model"  # a Hub id: allowed, nothing read
        return app

    return make


def _everything_shown(app) -> str:
    """Every string value in the app's widget tree (what the page could show)."""
    seen, stack, texts = set(), [app.widget], []
    while stack:
        widget = stack.pop()
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        for name in ("value", "placeholder", "tooltip", "options"):
            value = getattr(widget, name, None)
            texts.append(value if isinstance(value, str) else repr(value))
        stack.extend(getattr(widget, "children", ()))
    return "\n".join(texts)


def _refused(message_widget) -> str:
    text = text_of(message_widget)
    assert "outside the workspace" in text, text
    assert RED in message_widget.value and message_widget.layout.display is None
    assert "tw-error" in message_widget._dom_classes
    return text


@pytest.mark.parametrize("kind", WAYS_OUT)
def test_a_data_path_leading_out_is_refused_and_blocks_train(served, places, kind):
    app = served()
    app.data_panel.path.value = "chats.jsonl"
    assert app.can_train, app.problems
    app.data_panel.path.value = _way_out(places, kind, "secret.csv", "link.csv")
    _refused(app.data_panel.message)
    assert not app.can_train and app.train_panel.train_button.disabled
    assert any(p.startswith("data:") and "outside the workspace" in p for p in app.problems)
    assert SECRET not in _everything_shown(app)  # neither previewed nor exported
    app.train_panel.train_button.click()
    assert app.run is None
    app.data_panel.path.value = "chats.jsonl"  # fixed: Train comes back
    assert app.data_panel.message.layout.display == "none" and app.can_train, app.problems


@pytest.mark.parametrize("kind", WAYS_OUT)
def test_saving_the_yaml_outside_is_refused(served, places, kind):
    app = served()
    app.data_panel.path.value = "chats.jsonl"
    export = app.export_panel
    export.path.value = _way_out(places, kind, "new.yml", "dangling.yml")
    export.save_button.click()
    _refused(export.message)
    assert not (places["outside"] / "new.yml").exists()
    export.path.value = "saved/run.yml"  # relative paths are the workspace's
    export.save_button.click()
    assert (places["ws"] / "saved" / "run.yml").read_text() == app.export_yaml()
    with pytest.raises(Exception, match="outside the workspace"):  # the Python API is confined too
        app.export_yaml(places["outside"] / "api.yml")
    assert not (places["outside"] / "api.yml").exists()


@pytest.mark.parametrize("kind", WAYS_OUT)
def test_loading_a_yaml_from_outside_is_refused(served, places, kind):
    app = served()
    load = app.load_panel
    load.path.value = _way_out(places, kind, "secret.yml", "link.yml")
    load.button.click()
    _refused(load.message)
    assert app.model_panel.name == "some-owner/some-model"  # the form is untouched
    assert "secret" not in app.params_panel.config_parts()["project_name"]


@pytest.mark.parametrize("kind", WAYS_OUT)
def test_attaching_to_a_run_outside_is_refused(served, places, kind):
    app = served()
    history = app.history_panel
    history.attach_path.value = _way_out(places, kind, "run", "linkrun")
    history.attach_button.click()
    _refused(history.message)
    assert app.status == "ready" and app.metrics == []
    assert "secret/model" not in app.model_panel.name
    history.refresh_button.click()  # the symlinked run is not listed either
    assert "linkrun" not in history.table.value


@pytest.mark.parametrize("kind", WAYS_OUT)
def test_a_model_path_leading_out_is_refused(served, places, tiny_llama, kind):
    app = served()
    app.data_panel.path.value = "chats.jsonl"
    os.symlink(tiny_llama, places["ws"] / "model-link")
    app.model_panel.text.value = {"dotdot": os.path.relpath(tiny_llama, places["ws"]), "absolute": tiny_llama,
                                  "symlink": "model-link"}[kind]
    _refused(app.model_panel.message)
    assert app.model_panel.info.value == ""  # nothing read from the folder
    assert not app.can_train and any(p.startswith("model:") for p in app.problems)
    app.model_panel.text.value = "gpt2"  # a Hub id stays allowed
    assert app.model_panel.error is None and app.can_train, app.problems


@pytest.mark.parametrize("kind", WAYS_OUT)
def test_a_chat_template_file_leading_out_is_refused(served, places, kind):
    (places["outside"] / "t.jinja").write_text("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    os.symlink(places["outside"] / "t.jinja", places["ws"] / "t.jinja")
    app = served()
    app.data_panel.path.value = "chats.jsonl"
    app.data_panel.chat_template.value = "file"
    app.data_panel.template_file.value = _way_out(places, kind, "t.jinja", "t.jinja")
    _refused(app.data_panel.template_message)
    assert not app.can_train and any(p.startswith("chat template:") for p in app.problems)
    app.data_panel.chat_template.value = "chatml"
    assert app.can_train, app.problems


def test_symlinks_inside_a_data_folder_and_split_names_cannot_lead_out(served, places):
    app = served()
    folder = places["ws"] / "data"
    folder.mkdir()
    (folder / "valid.csv").write_text("text\nhello\n")
    os.symlink(places["outside"] / "secret.csv", folder / "train.csv")
    app.data_panel.path.value = "data"
    _refused(app.data_panel.message)
    assert SECRET not in _everything_shown(app)
    (folder / "train.csv").unlink()
    (folder / "train.csv").write_text("text\nhi\n")
    app.data_panel.refresh()
    assert app.data_panel.error is None, app.data_panel.error
    app.data_panel.train_split.value = "../../outside/secret"  # typed: not a split of the folder, reset
    assert app.data_panel.train_split.value == "train"
    app.load_config({"task": "llm-sft", "base_model": "some-owner/some-model",  # kept as loaded: refused
                     "data": {"path": "data", "train_split": "../../outside/secret",
                              "column_mapping": {"text_column": "text"}}})
    assert "outside the workspace" in text_of(app.data_panel.message) and not app.can_train


def test_run_directories_and_uploads_stay_inside(served, places):
    app = served()
    app.data_panel.path.value = "chats.jsonl"
    os.symlink(places["outside"], places["ws"] / "escape")
    app.set_param("project_name", "escape")
    assert not app.can_train and any("outside the workspace" in p for p in app.problems)
    assert app.config_error and "outside the workspace" in app.config_error
    app.set_param("project_name", "fine")
    assert app.can_train, app.problems
    os.symlink(places["outside"], places["ws"] / "uploads")
    app.data_panel.upload.value = ({"name": "up.csv", "type": "text/csv", "size": 8, "content": b"text\nhi\n",
                                    "last_modified": datetime.datetime.now()},)
    assert "outside the workspace" in text_of(app.data_panel.message)
    assert not (places["outside"] / "up.csv").exists()


def test_the_workspace_comes_from_the_environment_and_is_the_default_workdir(app_factory, places, monkeypatch):
    monkeypatch.setenv("TUNEWIDGETS_WORKSPACE", str(places["ws"]))
    from tunewidgets import TrainerApp

    app = TrainerApp(namespace={})
    assert app.workspace == places["ws"] and app.workdir == places["ws"]
    assert "reads and writes only inside" in app.widget.children[1].value
    outside = TrainerApp(namespace={}, workdir=places["outside"])  # a workdir outside falls back, with a message
    assert outside.workdir == places["ws"] and "outside the workspace" in text_of(outside.header_message)
    app.data_panel.path.value = "/etc/passwd"
    assert "outside the workspace" in text_of(app.data_panel.message)


def test_without_a_workspace_paths_are_the_users(app_factory, places, monkeypatch):
    monkeypatch.delenv("TUNEWIDGETS_WORKSPACE", raising=False)
    app = app_factory(workdir=places["ws"])
    assert app.workspace is None
    app.data_panel.path.value = str(places["outside"] / "secret.csv")
    assert app.data_panel.error is None and app.data_panel.num_rows == 2
    assert json.loads(json.dumps(app.data_panel.mapping())) == {"text_column": "text"}
