"""The vision-language tasks in the app: the offline demo's preview (thumbnails beside question and answer), the
guessed mapping, the checks, Try the model with an uploaded image and a question, in thread and subprocess runs,
and the exported YAML rerun from the CLI."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from ui_helpers import text_of, wait_until

from tunewidgets.config.tasks import TASKS


def _demo(app, task):
    app.task_panel.dropdown.value = task
    app.model_panel.demo_button.click()
    assert wait_until(lambda: app.data_panel.has_data and app.model_panel.name
                      and not app.background.busy("demo"), timeout=180), app.model_panel.message.value
    assert app.task_panel.task == task


def _upload(results, picture: Path) -> None:
    content = picture.read_bytes()
    results.image_upload.value = ({"name": picture.name, "type": "image/png", "size": len(content),
                                   "content": memoryview(content), "last_modified": datetime.datetime.now()},)


@pytest.mark.parametrize("task", ["vlm:vqa", "vlm:captioning"])
def test_the_demo_previews_thumbnails_beside_the_text_and_the_checks_shade_the_answer(app_factory, task):
    app = app_factory()
    _demo(app, task)
    data = app.data_panel
    html = data.preview_html.value
    assert html.count('<img class="tw-thumb"') >= 8  # a thumbnail in every row shown ...
    words = ("What colour is the shape?", "What shape is it?") if task == "vlm:vqa" else ("a red", "a blue")
    assert any(word in html for word in words)  # ... beside its question and answer (or caption)
    assert data.mapping() == dict(TASKS[task].demo.mapping) and data.mapping_error is None
    other = app_factory()  # the roles found from the columns alone
    other.task_panel.dropdown.value = task
    other.data_panel.path.value = data.path.value
    assert other.data_panel.mapping() == dict(TASKS[task].demo.mapping)
    assert app.can_train, app.problems

    app.checks_panel.run_now()
    mask = app.checks_panel.mask.value
    assert mask.count("&lt;image&gt;") == 16 and "tw-tok-loss" in mask, app.checks_panel.message.value
    assert "tokens trained" in mask and "exceed" in text_of(app.checks_panel.summary)

    results = app.results_panel
    results.enable_generation(False, task=task)
    assert results.image_upload.layout.display is None and results.prompt.layout.display is None
    assert results.generate_button.description == "Generate" and results.chat.layout.display == "none"


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["thread", "subprocess"])
def test_vqa_trains_in_the_app_answers_an_uploaded_image_and_its_yaml_reruns(app_factory, mode, tmp_path):
    import yaml

    from tunewidgets.cli import main

    app = app_factory()
    _demo(app, "vlm:vqa")
    app.set_param("max_steps", 10)
    app.train_panel.mode.value = mode
    app.train_panel.train_button.click()
    assert app.wait(600) == "finished", (app.run.error, app.train_panel.log.outputs[-3:])
    assert app.train_panel.event_errors == [] and app.train_panel.plot.series["loss"].y
    assert (app.run.model is None) == (mode == "subprocess")  # loaded from the run directory for Try the model

    results = app.results_panel
    assert not results.generate_button.disabled
    results.prompt.value = "What colour is the shape?"
    _upload(results, next(Path(app.data_panel.path.value).glob("valid/*.png")))
    results.generate_button.click()
    assert wait_until(lambda: "tw-generated" in results.output.value or results.message.value, timeout=120)
    assert results.message.value == "" and 'class="tw-predicted-image"' in results.output.value
    assert type(app.model).__name__ == "LlavaForConditionalGeneration"

    exported = yaml.safe_load(app.export_yaml())
    assert exported["task"] == "vlm:vqa" and exported["data"]["column_mapping"]["prompt_text_column"] == "question"
    exported.update(project_name="again")
    exported["params"]["max_steps"] = 2
    path = tmp_path / "exported.yml"
    path.write_text(yaml.safe_dump(exported))
    assert main(["train", str(path), "--workdir", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "again" / "model.safetensors").is_file()
