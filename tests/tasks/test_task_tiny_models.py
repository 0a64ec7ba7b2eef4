"""The offline tiny builders beyond Llama (BERT, T5, ViT, YOLOS) and the task demo data."""

from __future__ import annotations

import json

import pytest

from tests.tasks.task_helpers import tiny_model
from tunewidgets import tiny


def test_model_kinds():
    assert {"llama", "bert", "t5", "vit", "yolos"} <= set(tiny.model_kinds())


def test_bert_has_a_wordpiece_tokenizer_and_loads_as_any_head():
    from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer

    path = tiny_model("bert")
    tok = AutoTokenizer.from_pretrained(path)
    assert tok.convert_ids_to_tokens(tok("The film was great.")["input_ids"]) == [
        "[CLS]", "the", "film", "was", "great", ".", "[SEP]"]
    assert tok.is_fast and tok("a b", is_split_into_words=False).word_ids() == [None, 0, 1, None]
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=3)
    assert model.config.model_type == "bert" and sum(p.numel() for p in model.parameters()) < 500_000
    assert AutoModelForTokenClassification.from_pretrained(path, num_labels=5).config.num_labels == 5


def test_t5_generates_and_its_tokenizer_round_trips():
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    path = tiny_model("t5")
    tok = AutoTokenizer.from_pretrained(path)
    text = "Anna: I will buy apples at the market today.\nTom: Ok, see you!"
    ids = tok(text)["input_ids"]
    assert ids[-1] == tok.eos_token_id and tok.unk_token_id not in ids
    assert tok.decode(ids, skip_special_tokens=True) == text
    model = AutoModelForSeq2SeqLM.from_pretrained(path)
    out = model.generate(**tok([text], return_tensors="pt"), max_new_tokens=5, min_new_tokens=5)
    assert out.shape[1] == 6  # the decoder start token and five new ones


def test_vit_and_yolos_come_with_image_processors():
    from PIL import Image
    from transformers import AutoImageProcessor, AutoModelForImageClassification, AutoModelForObjectDetection

    image = Image.new("RGB", (50, 30))
    vit = tiny_model("vit")
    pixels = AutoImageProcessor.from_pretrained(vit)(image, return_tensors="pt")["pixel_values"]
    assert pixels.shape == (1, 3, 32, 32)
    assert AutoModelForImageClassification.from_pretrained(vit, num_labels=10)(pixel_values=pixels).logits.shape == (
        1, 10)
    yolos = tiny_model("yolos")
    det = AutoModelForObjectDetection.from_pretrained(yolos)
    assert det.config.id2label == {0: "red box", 1: "blue bar"}
    inputs = AutoImageProcessor.from_pretrained(yolos)(image, return_tensors="pt")
    assert max(inputs["pixel_values"].shape[-2:]) == 64
    assert det(**inputs).pred_boxes.shape == (1, 10, 4)


@pytest.mark.parametrize("kind, columns", [
    ("text-classification", ["text", "label"]),
    ("text-regression", ["text", "target"]),
    ("token-classification", ["tokens", "tags"]),
    ("seq2seq", ["id", "dialogue", "summary"]),
    ("st-pair", ["anchor", "positive"]),
    ("st-pair-class", ["premise", "hypothesis", "label"]),
    ("st-pair-score", ["sentence1", "sentence2", "score"]),
    ("st-triplet", ["anchor", "positive", "negative"]),
    ("st-qa", ["question", "answer"]),
])
def test_text_demo_shapes_and_determinism(kind, columns, tmp_path):
    frame = tiny.task_demo_frame(kind, n=30, seed=2)
    assert list(frame.columns) == columns and len(frame) == 30
    assert frame.equals(tiny.task_demo_frame(kind, n=30, seed=2))
    tiny.make_task_demo(kind, tmp_path, n=30, splits=("train", "valid"))
    lines = [(tmp_path / f"{s}.jsonl").read_text().count("\n") for s in ("train", "valid")]
    assert lines == [24, 6]


def test_conll_shaped_tags_and_keyword_labels():
    row = tiny.task_demo_frame("token-classification", n=1, int_labels=True).iloc[0]
    assert len(row["tokens"]) == len(row["ner_tags"]) == len(row["pos_tags"])
    assert all(0 <= t < len(tiny.CONLL_TAGS) for t in row["ner_tags"])
    frame = tiny.task_demo_frame("text-classification", n=50)
    for text, label in frame.itertuples(index=False):
        words = {w.strip(".,").lower() for w in text.split()}
        assert bool(words & set(tiny._POSITIVE)) == (label == "positive")


def test_image_demos_write_folders(tmp_path):
    tiny.make_task_demo("image-classification", tmp_path / "cls", n=30, splits=("train",))
    assert sum(1 for _ in (tmp_path / "cls" / "train").rglob("*.png")) == 30
    assert {p.name for p in (tmp_path / "cls" / "train").iterdir()} <= {str(d) for d in range(10)}
    tiny.make_task_demo("object-detection", tmp_path / "det", n=10)
    meta = [json.loads(line) for line in (tmp_path / "det" / "valid" / "metadata.jsonl").read_text().splitlines()]
    assert len(meta) == 2 and set(meta[0]["objects"]) == {"bbox", "category"}
    x, y, w, h = meta[0]["objects"]["bbox"][0]
    assert 0 <= x and x + w <= 64 and 0 <= y and y + h <= 64
    tiny.make_task_demo("tabular-classification", tmp_path / "tab", n=None, splits=("train",))
    assert (tmp_path / "tab" / "train.csv").read_text().count("\n") == 570  # header + 569 rows


def test_make_demo_builds_an_image_model_once(tmp_path):
    paths = tiny.make_demo(tmp_path, kind="vit")
    weights = tmp_path / "tiny-vit" / "model.safetensors"
    stamp = weights.stat().st_mtime_ns
    assert tiny.make_demo(tmp_path, kind="vit") == paths and weights.stat().st_mtime_ns == stamp
