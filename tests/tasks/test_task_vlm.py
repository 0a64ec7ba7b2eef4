"""vlm:vqa and vlm:captioning: rows for TRL, the loss on the answer in every prompt layout, training from YAML
(LoRA, merge, eval loss), saved runs answering Try the model, the checks, and AutoTrain's PaliGemma config.

Tiny VLMs stand for the Hub's: ``vlm`` (LLaVA-style, a chat template: Qwen2.5-VL and LLaVA take this path),
``idefics3`` (SmolVLM-style: image tiles, the same template) and ``paligemma`` (no chat template: PaliGemma's
prefix and suffix).
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from tests.conftest import autotrain_configs_dir, needs_autotrain_configs
from tests.tasks.task_helpers import config, read_metrics, tiny_model, train_cli, write_config
from tunewidgets import tiny
from tunewidgets.cli import main

VQA = {"image_column": "image", "prompt_text_column": "question", "text_column": "answer"}
CAPTIONS = {"image_column": "image", "text_column": "caption"}
FEW = {"max_steps": 2, "batch_size": 4, "gradient_accumulation": 1, "lr": 1e-3, "logging_steps": 1}


@pytest.fixture(scope="module")
def vqa_data(tmp_path_factory) -> str:
    return tiny.make_task_demo("vlm-vqa", tmp_path_factory.mktemp("vqa"), n=24)


@pytest.fixture(scope="module")
def caption_data(tmp_path_factory) -> str:
    return tiny.make_task_demo("vlm-captioning", tmp_path_factory.mktemp("captions"), n=24)


def _red_square(path=None):
    from PIL import Image

    image = Image.new("RGB", (24, 24), (220, 40, 40))
    if path is not None:
        image.save(path)
    return image


# --------------------------------------------------------------------------- rows and layouts


def test_rows_become_trls_prompt_and_completion_with_the_image_decoded(tmp_path):
    from datasets import Dataset
    from PIL import Image

    from tunewidgets.tasks.vlm.data import prepare_split

    _red_square(tmp_path / "a.png")
    mapped = Dataset.from_list([{"image": "a.png", "prompt": "How many shapes?", "text": 1},
                                {"image": "a.png", "prompt": "What colour is it?", "text": 2}])  # numbers: text
    shown = {"image": "'img' column", "text": "'answer' column", "prompt": "'question' column"}
    chat = prepare_split(mapped, "train", root=tmp_path, chat=True, captioning=False, shown=shown)
    assert chat[0]["prompt"] == [{"role": "user", "content": "How many shapes?"}]
    assert chat[0]["completion"] == [{"role": "assistant", "content": "1"}]
    assert isinstance(chat[0]["image"], Image.Image) and chat[0]["image"].mode == "RGB"
    plain = prepare_split(mapped, "train", root=tmp_path, chat=False, captioning=False, shown=shown)
    assert (plain[1]["prompt"], plain[1]["completion"]) == ("answer en What colour is it?", "2")  # PaliGemma's
    captions = prepare_split(mapped.remove_columns("prompt"), "train", root=tmp_path, chat=True, captioning=True,
                             shown=shown)
    assert captions[0]["prompt"] == [{"role": "user", "content": "Describe the image."}]
    assert prepare_split(mapped.remove_columns("prompt"), "train", root=tmp_path, chat=False, captioning=True,
                         shown=shown)[0]["prompt"] == "caption en"


def test_images_as_bytes_or_a_datasets_image_column(tmp_path):
    from datasets import Dataset, Features, Value
    from datasets import Image as ImageFeature

    from tunewidgets.tasks.vlm.data import prepare_split

    path = tmp_path / "a.png"
    _red_square(path)
    shown = {"image": "'image' column", "text": "'caption' column", "prompt": "'prompt' column"}
    as_bytes = Dataset.from_list([{"image": {"bytes": path.read_bytes(), "path": None}, "text": "a red square"}])
    hub_like = Dataset.from_dict({"image": [str(path)], "text": ["a red square"]},
                                 features=Features({"image": ImageFeature(), "text": Value("string")}))
    for data in (as_bytes, hub_like):
        rows = prepare_split(data, "train", chat=False, captioning=True, shown=shown)
        assert rows[0]["image"].size == (24, 24) and rows[0]["completion"] == "a red square"


@pytest.mark.parametrize("kind, template", [("vlm", True), ("idefics3", True), ("vlm", False), ("paligemma", False)],
                         ids=["chat-template", "smolvlm-tiles", "no-template", "paligemma-suffix"])
def test_the_answer_alone_counts_for_the_loss(kind, template):
    from transformers import AutoProcessor

    from tunewidgets.tasks.vlm.checks import _collator
    from tunewidgets.tasks.vlm.data import user_prompt

    processor = AutoProcessor.from_pretrained(tiny_model(kind))
    if not template:
        processor.chat_template = None
    prompt = user_prompt("What colour is the shape?", captioning=False, chat=template)
    rows = [{"image": _red_square(), "prompt": prompt, "completion": "red"},
            {"image": _red_square(), "prompt": prompt, "completion": "a red square"}]
    if template:
        rows = [{"image": r["image"], "prompt": [{"role": "user", "content": r["prompt"]}],
                 "completion": [{"role": "assistant", "content": r["completion"]}]} for r in rows]
    batch = _collator(processor, template, None)(rows)
    tokenizer = processor.tokenizer
    for index, answer in enumerate(("red", "a red square")):
        labels = batch["labels"][index]
        trained = tokenizer.decode(labels[labels != -100])
        assert trained == answer + ("<|im_end|>\n" if template else tokenizer.eos_token), trained
        shown = tokenizer.decode(batch["input_ids"][index][batch["attention_mask"][index].bool()])
        assert shown.count("<image>") == (5 * 4 if kind == "idefics3" else 16)  # 4 tiles and the whole, or 16
        assert "What colour is the shape?" in shown
    assert batch["pixel_values"].shape[0] == 2


def test_the_mapping_is_guessed_from_autotrain_like_columns():
    from tunewidgets.data.columns import guess_column_mapping

    rows = [{"image": "a.png", "question": "What colour is the shape?", "multiple_choice_answer": "red"}]
    assert guess_column_mapping("vlm:vqa", list(rows[0]), rows) == {
        "image_column": "image", "prompt_text_column": "question", "text_column": "multiple_choice_answer"}
    rows = [{"file_name": "a.png", "caption": "a red circle"}]
    assert guess_column_mapping("vlm:captioning", list(rows[0]), rows) == {
        "image_column": "file_name", "text_column": "caption"}


# --------------------------------------------------------------------------- training


def test_vqa_trains_from_yaml_evaluates_and_the_saved_run_answers(vqa_data, tmp_path):
    from tunewidgets.run.saved import load_saved
    from tunewidgets.tasks.vlm.predict import predict

    run = train_cli(config("vlm:vqa", tiny_model("vlm"), vqa_data, VQA, valid="valid", eval_strategy="steps",
                           eval_steps=2, **FEW), tmp_path)
    records = read_metrics(run)
    assert [r["step"] for r in records if "loss" in r] == [1, 2] and any("eval_loss" in r for r in records)
    assert "prompts laid out by the processor's chat template" in (run / "train.log").read_text()
    model, processor = load_saved(run)  # as Try the model loads a run trained elsewhere
    assert type(model).__name__ == "LlavaForConditionalGeneration" and processor.chat_template
    answer = predict(model, processor, _red_square(), prompt="What colour is the shape?", max_new_tokens=3)
    assert isinstance(answer.text, str)


@pytest.mark.parametrize("merge", [True, False], ids=["merged", "adapter"])
def test_lora_saves_the_merged_model_or_the_adapter(caption_data, tmp_path, merge):
    from tunewidgets.run.saved import load_saved
    from tunewidgets.tasks.vlm.predict import answer

    run = train_cli(config("vlm:captioning", tiny_model("vlm"), caption_data, CAPTIONS, peft=True, lora_r=4,
                           lora_alpha=8, merge_adapter=merge, **FEW), tmp_path)
    assert (run / "adapter" / "adapter_config.json").is_file() == merge
    assert (run / "config.json").is_file() == merge and (run / "adapter_config.json").is_file() != merge
    model, processor = load_saved(run)
    assert type(model).__name__.startswith("LlavaForConditionalGeneration" if merge else "PeftModel")
    assert isinstance(answer(model, processor, _red_square(), captioning=True, max_new_tokens=3), str)


def test_paligemma_trains_on_prefix_and_suffix_and_answers(caption_data, tmp_path):
    from tunewidgets.run.saved import load_saved
    from tunewidgets.tasks.vlm.predict import answer

    run = train_cli(config("vlm:captioning", tiny_model("paligemma"), caption_data, CAPTIONS, valid="valid",
                           eval_strategy="steps", eval_steps=2, **FEW), tmp_path)
    assert any("eval_loss" in r for r in read_metrics(run))
    assert "prefix and suffix" in (run / "train.log").read_text()
    model, processor = load_saved(run)
    assert type(model).__name__ == "PaliGemmaForConditionalGeneration" and not processor.chat_template
    assert isinstance(answer(model, processor, _red_square(), captioning=True, max_new_tokens=3), str)


def test_a_smolvlm_style_model_takes_the_same_path(vqa_data, tmp_path):
    from tunewidgets.run.saved import load_saved
    from tunewidgets.tasks.vlm.predict import answer

    run = train_cli(config("vlm:vqa", tiny_model("idefics3"), vqa_data, VQA, **FEW), tmp_path)
    assert [r["step"] for r in read_metrics(run) if "loss" in r] == [1, 2]
    model, processor = load_saved(run)
    assert type(model).__name__ == "Idefics3ForConditionalGeneration"
    assert isinstance(answer(model, processor, _red_square(), "What colour is the shape?", max_new_tokens=3), str)


def test_a_text_model_is_refused_with_what_the_task_needs(vqa_data, demo, tmp_path, capsys):
    cfg = config("vlm:vqa", demo["model"], vqa_data, VQA, **FEW)  # the tiny Llama: no image processor
    assert main(["train", str(write_config(cfg, tmp_path)), "--workdir", str(tmp_path), "--quiet"]) == 2
    assert "has no image processor" in capsys.readouterr().err


# --------------------------------------------------------------------------- checks


def test_checks_shade_the_answer_and_name_rows_that_would_stop_the_run(vqa_data):
    from tunewidgets.config import load_config
    from tunewidgets.data.preview import preview

    rows = preview(vqa_data, "train", n=6).frame.to_dict("records")
    rows[2]["image"] = "/no/such/image.png"
    cfg = load_config(config("vlm:vqa", tiny_model("vlm"), vqa_data, VQA))
    report = cfg.task_info.checks(cfg, rows, 19)
    view = report.view
    trained = "".join(text for text, loss in zip(view.texts, view.loss) if loss)
    assert trained == rows[0]["answer"] + "<|im_end|>\n" and view.texts.count("<image>") == 16
    assert report.lengths and len(report.lengths) == 5 and report.max_length == max(report.lengths)
    errors = [text for level, text in report.warnings if level == "error"]
    assert errors and "row 3, image: image file '/no/such/image.png' does not exist" in errors[0]
    assert report.view_of(1).ids  # another example, on demand


# --------------------------------------------------------------------------- AutoTrain's config


@needs_autotrain_configs
def test_autotrains_paligemma_config_loads_unchanged_and_trains_here(tmp_path, capsys):
    from tunewidgets.config import load_config

    path = autotrain_configs_dir() / "more" / "vlm__paligemma_vqa.yml"
    raw = yaml.safe_load(path.read_text())
    loaded = load_config(path)
    assert (loaded.task, loaded.params.peft, loaded.params.quantization) == ("vlm:vqa", True, "int4")
    assert loaded.data.column_mapping == raw["data"]["column_mapping"] and loaded.params.lr == 2e-5
    # its data in the shape of abhishek/vqa_small (question, multiple_choice_answer), split "validation"
    data = tiny.make_task_demo("vlm-vqa", tmp_path / "data", n=20, splits=("train", "validation"))
    for split in ("train", "validation"):
        meta = tmp_path / "data" / split / "metadata.jsonl"
        rows = [json.loads(line) for line in meta.read_text().splitlines()]
        meta.write_text("".join(json.dumps({"file_name": r["file_name"], "question": r["question"],
                                            "multiple_choice_answer": r["answer"]}) + "\n" for r in rows))
    args = ["train", str(path), "--workdir", str(tmp_path), "--quiet", "--set", f"base_model={tiny_model('paligemma')}",
            "--set", f"data.path={data}", "--set", "params.max_steps=2"]
    assert main(args) == 2  # QLoRA on a machine without CUDA: said clearly, before anything trains
    assert "needs a CUDA GPU" in capsys.readouterr().err
    assert main([*args, "--set", "params.quantization=null"]) == 0
    run = tmp_path / raw["project_name"]
    assert any("eval_loss" in r for r in read_metrics(run)) and (run / "adapter_config.json").is_file()
    assert "mixed_precision fp16 needs a GPU" in (run / "train.log").read_text()
    shutil.rmtree(run)


# --------------------------------------------------------------------------- the demo


def test_demo_make_builds_a_tiny_vlm_and_the_shapes(tmp_path, capsys):
    from transformers import AutoConfig, AutoProcessor

    assert tiny.demo_cli(["make", str(tmp_path), "--kind", "vlm"]) == 0
    out = capsys.readouterr().out
    assert f"data vlm-vqa: {tmp_path}/data/vlm-vqa" in out and "data vlm-captioning" in out
    assert AutoConfig.from_pretrained(tmp_path / "tiny-vlm").model_type == "llava"
    assert AutoProcessor.from_pretrained(tmp_path / "tiny-vlm").chat_template
    rows = [json.loads(line) for line in (tmp_path / "data" / "vlm-vqa" / "train" / "metadata.jsonl").open()]
    assert len(rows) == 160 and {r["question"] for r in rows} == {"What colour is the shape?", "What shape is it?"}
    assert {r["answer"] for r in rows} == {"red", "green", "blue", "yellow", "circle", "square", "triangle"}


@pytest.mark.slow
def test_the_demo_vqa_loss_falls_within_a_minute(tmp_path):
    """The offline demo as the app and ``tunewidgets demo train`` run it: coloured shapes, 3 epochs."""
    from tunewidgets.config import load_config
    from tunewidgets.config.tasks import get_task
    from tunewidgets.run.engine import Run
    from tunewidgets.tasks.shared.demo import demo_config

    cfg = load_config(demo_config(get_task("vlm:vqa"), tmp_path / "demo"))
    run = Run(cfg, workdir=tmp_path / "runs", mode="foreground").run()
    assert run.state == "finished", run.error
    losses = [r["loss"] for r in run.metrics if "loss" in r]
    evals = [r["eval_loss"] for r in run.metrics if "eval_loss" in r]
    assert losses[-1] < losses[0] / 3 and evals[-1] < evals[0], (losses, evals)
    duration = json.loads((run.run_dir / "status.json").read_text())["duration"]
    print(f"vlm:vqa demo: loss {losses[0]:.3f} -> {losses[-1]:.3f}, eval_loss {evals[0]:.3f} -> {evals[-1]:.3f}, "
          f"{len(losses) * 2} steps in {duration:.0f} s")
