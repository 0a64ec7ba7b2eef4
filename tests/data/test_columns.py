"""Checking, applying and guessing column mappings."""

from __future__ import annotations

import pytest

from tunewidgets.data.columns import apply_column_mapping, check_column_mapping, guess_column_mapping
from tunewidgets.errors import DataError

CHAT = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello there"}]


# --------------------------------------------------------------------------- check


def test_misspelled_column_names_role_closest_and_columns():
    with pytest.raises(DataError) as info:
        check_column_mapping(["text", "label"], {"text_column": "txt", "target_column": "label"}, "text_classification")
    assert str(info.value) == "column 'txt' (text_column) not found; did you mean 'text'? columns: text, label"


def test_missing_column_without_close_match():
    with pytest.raises(DataError) as info:
        check_column_mapping(["text", "label"], {"text_column": "text", "target_column": "zzz"}, "text_classification")
    assert str(info.value) == "column 'zzz' (target_column) not found; columns: text, label"


def test_case_difference_is_suggested():
    with pytest.raises(DataError, match="did you mean 'Text'"):
        check_column_mapping(["Text", "label"], {"text_column": "text", "target_column": "label"},
                             "text_classification")


def test_required_role_missing_suggests_a_guess():
    with pytest.raises(DataError, match=r"text_column .* is required for task llm-sft; e.g. text_column: messages"):
        check_column_mapping(["messages", "id"], {}, "llm")  # alias of llm-sft
    with pytest.raises(DataError, match="rejected_text_column"):
        check_column_mapping(["chosen", "rejected"], {"text_column": "chosen", "rejected_text_column": None}, "llm-dpo")


def test_optional_role_may_be_left_out():
    check_column_mapping(["chosen", "rejected"], {"text_column": "chosen", "rejected_text_column": "rejected"},
                         "llm-dpo")


def test_unknown_role_and_task():
    with pytest.raises(DataError, match="unknown column role 'txt_column'.*did you mean 'text_column'"):
        check_column_mapping(["text"], {"txt_column": "text"}, "llm-sft")
    with pytest.raises(DataError, match="unknown task 'text_clasification'.*did you mean 'text_classification'"):
        check_column_mapping(["text"], {"text_column": "text"}, "text_clasification")


def test_one_column_for_two_roles_and_lists_for_single_roles():
    with pytest.raises(DataError, match="mapped to both text_column and target_column"):
        check_column_mapping(["text"], {"text_column": "text", "target_column": "text"}, "seq2seq")
    with pytest.raises(DataError, match="text_column takes one column"):
        check_column_mapping(["a", "b"], {"text_column": ["a", "b"]}, "llm-sft")


def test_many_column_role_checks_every_column():
    check_column_mapping(["id", "x", "y1", "y2"], {"id_column": "id", "target_columns": ["y1", "y2"]}, "tabular")
    with pytest.raises(DataError, match="column 'y3' \\(target_columns\\) not found"):
        check_column_mapping(["id", "y1"], {"target_columns": ["y1", "y3"]}, "tabular")


# --------------------------------------------------------------------------- apply


def test_apply_renames_to_canonical_names_and_drops_the_rest():
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"content": ["a", "b"], "text": ["x", "y"], "extra": [1, 2]})
    out = apply_column_mapping(ds, {"text_column": "content", "target_column": "text"}, "seq2seq")
    assert out.column_names == ["text", "target"]
    assert out.to_list() == [{"text": "a", "target": "x"}, {"text": "b", "target": "y"}]


def test_apply_for_preference_and_sentence_tasks():
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"q": ["p"], "good": ["c"], "bad": ["r"]})
    out = apply_column_mapping(
        ds, {"text_column": "good", "rejected_text_column": "bad", "prompt_text_column": "q"}, "llm-orpo"
    )
    assert out.to_list() == [{"prompt": "p", "text": "c", "rejected": "r"}]
    ds = datasets.Dataset.from_dict({"anchor": ["a"], "positive": ["p"], "negative": ["n"]})
    out = apply_column_mapping(
        ds, {"sentence1_column": "anchor", "sentence2_column": "positive", "sentence3_column": "negative"}, "st:triplet"
    )
    assert out.to_list() == [{"sentence1": "a", "sentence2": "p", "sentence3": "n"}]


def test_apply_checks_first_and_keeps_tabular_features():
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"id": [1], "f1": [0.5], "y": [1]})
    with pytest.raises(DataError, match="column 'target' \\(target_columns\\) not found"):
        apply_column_mapping(ds, {"target_columns": ["target"]}, "tabular")
    out = apply_column_mapping(ds, {"id_column": "id", "target_columns": ["y"]}, "tabular")
    assert out.column_names == ["id", "f1", "y"]


# --------------------------------------------------------------------------- guess


@pytest.mark.parametrize(
    "task,columns,expected",
    [
        ("llm-sft", ["id", "messages"], {"text_column": "messages"}),
        ("llm-sft", ["Text", "source"], {"text_column": "Text"}),
        ("llm-dpo", ["prompt", "chosen", "rejected"],
         {"text_column": "chosen", "rejected_text_column": "rejected", "prompt_text_column": "prompt"}),
        ("text_classification", ["review", "sentiment"], {"text_column": "review", "target_column": "sentiment"}),
        ("token_classification", ["id", "tokens", "pos_tags", "ner_tags"],
         {"tokens_column": "tokens", "tags_column": "ner_tags"}),
        ("seq2seq", ["id", "dialogue", "summary"], {"text_column": "dialogue", "target_column": "summary"}),
        ("st:pair_class", ["premise", "hypothesis", "label"],
         {"sentence1_column": "premise", "sentence2_column": "hypothesis", "target_column": "label"}),
        ("sentence-transformers:triplet", ["anchor", "positive", "negative"],
         {"sentence1_column": "anchor", "sentence2_column": "positive", "sentence3_column": "negative"}),
        ("image_classification", ["img", "labels"], {"image_column": "img", "target_column": "labels"}),
        ("object_detection", ["image", "objects", "width"], {"image_column": "image", "objects_column": "objects"}),
        ("tabular", ["ID", "age", "income", "target"], {"id_column": "ID", "target_columns": ["target"]}),
        ("text_classification", ["foo", "bar"], {}),
    ],
)
def test_guess_from_names(task, columns, expected):
    assert guess_column_mapping(task, columns) == expected


def test_guess_never_maps_one_column_twice():
    guess = guess_column_mapping("seq2seq", ["text"])
    assert guess == {"text_column": "text"}
    guess = guess_column_mapping("sentence-transformers:pair", ["sentence"])
    assert list(guess.values()) == ["sentence"]


def test_guess_uses_sample_values():
    rows = [{"a": "this is a long review of a product", "b": 1, "c": "pos"}] * 3
    assert guess_column_mapping("text_classification", ["a", "b", "c"], rows) == {
        "text_column": "a", "target_column": "b",
    }
    # a numeric target: the string "label" column is skipped for the float "score"
    rows = [{"review": "a good film, i liked it", "label": "pos", "score": 4.5}]
    assert guess_column_mapping("text_regression", ["review", "label", "score"], rows) == {
        "text_column": "review", "target_column": "score",
    }


def test_guess_finds_conversations_by_value():
    import json

    rows = [{"id": 1, "dialog_a": json.dumps(CHAT), "note": "x"}]
    assert guess_column_mapping("llm-sft", ["id", "note", "dialog_a"], rows) == {"text_column": "dialog_a"}
    # conversations are not text for a classifier
    rows = [{"text": CHAT, "label": 1}]
    assert guess_column_mapping("text_classification", ["text", "label"], rows) == {"target_column": "label"}


def test_seq2seq_target_is_text_when_values_are_seen():
    rows = [{"id": "0", "dialogue": "Li: I will buy apples today.\nOmar: Ok!", "summary": "Li will buy apples."}] * 3
    assert guess_column_mapping("seq2seq", ["id", "dialogue", "summary"], rows) == {
        "text_column": "dialogue", "target_column": "summary"}
