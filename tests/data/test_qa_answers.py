"""SQuAD-style answers in every shape (dict, JSON or Python text from a CSV, flat text and start, text alone),
checked against their context with errors that name the row and column, and what the app shows of them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tunewidgets.data.distribution import label_distribution, summarize
from tunewidgets.data.qa import (
    answer_problem,
    answer_span,
    answer_words,
    checked_answers,
    preview_marks,
    read_answers,
)
from tunewidgets.errors import DataError

CONTEXT = "Anna lives in Paris. Tom works for Globex."
PARIS = {"text": ["Paris"], "answer_start": [14]}
NAMES = {"context": "'context' column", "question": "'question' column", "answers": "'answers' column",
         "answer_start": "'answer_start' column"}


@pytest.mark.parametrize("value, start", [
    (PARIS, None),
    ({"text": "Paris", "answer_start": 14}, None),  # scalars, not lists
    ('{"text": ["Paris"], "answer_start": [14]}', None),  # JSON, as a CSV cell
    ("{'text': ['Paris'], 'answer_start': [14]}", None),  # Python's repr, as pandas writes a dict to CSV
    ({"text": np.array(["Paris"]), "answer_start": np.array([14])}, None),  # Parquet through pandas
    ([{"text": "Paris", "answer_start": 14}], None),  # a list of answers
    ("Paris", 14),  # flat: the text and its start
    ("Paris", 14.0),  # a start read as a float (CSV with empty cells)
    ("Paris", None),  # the text alone: its first occurrence in the context
    ("Paris", -1),
])
def test_every_shape_reads_as_squads_dict(value, start):
    assert read_answers(value, start, CONTEXT) == PARIS


@pytest.mark.parametrize("value, start", [
    ({"text": [], "answer_start": []}, None), ('{"text": [], "answer_start": []}', None),
    ({"text": [""], "answer_start": [-1]}, None), ("", -1), (None, None), (float("nan"), float("nan")), ([], None),
])
def test_empty_answers_are_unanswered_questions(value, start):
    assert read_answers(value, start, CONTEXT) == {"text": [], "answer_start": []}


@pytest.mark.parametrize("value, start, expected", [
    ({"text": ["Paris"]}, None, "needs the keys 'text' and 'answer_start'"),
    ({"text": ["Paris", "Tom"], "answer_start": [14]}, None, "2 texts but 1 answer_start"),
    ("{'text': ['Paris'", None, "neither JSON nor a Python dict"),
    ("Rome", None, "'Rome' is not in its context"),
    ("Paris", "fourteen", "answer_start must be a whole number"),
    (42, None, "expected a text"),
])
def test_malformed_answers_say_what_is_wrong(value, start, expected):
    with pytest.raises(ValueError, match=expected):
        read_answers(value, start, CONTEXT)


def test_a_start_that_misses_the_answer_says_where_it_is():
    problem = answer_problem(CONTEXT, {"text": ["Paris"], "answer_start": [3]})
    assert "answer_start 3 does not point at the answer 'Paris'" in problem
    assert "reads 'a liv' there" in problem and "the answer starts at 14" in problem
    assert "has 42 characters" in answer_problem(CONTEXT, {"text": ["Paris"], "answer_start": [90]})
    assert "not in the context" in answer_problem(CONTEXT, {"text": ["Rome"], "answer_start": [0]})
    assert "longer than its context" in answer_problem("Paris.", {"text": ["Paris is big"], "answer_start": [0]})
    assert answer_problem(CONTEXT, PARIS) is None


def test_checked_answers_name_the_split_the_row_and_the_column():
    contexts, questions = [CONTEXT] * 3, ["Where does Anna live?"] * 3
    good = checked_answers(contexts, questions, [PARIS, PARIS, {"text": [], "answer_start": []}], None, split="train",
                           names=NAMES)
    assert good[0] == PARIS and good[2]["text"] == []
    with pytest.raises(DataError, match=r"the train split's row 3, 'answers' column: answer_start 3 does not point"):
        checked_answers(contexts, questions, [PARIS, PARIS, {"text": ["Paris"], "answer_start": [3]}], None,
                        split="train", names=NAMES)
    with pytest.raises(DataError, match=r"row 2, 'answer_start' column: answer_start 0 does not point"):
        checked_answers(contexts, questions, ["Paris", "Paris", "Paris"], [14, 0, 14], split="valid", names=NAMES)
    with pytest.raises(DataError, match=r"row 1, 'answers' column: .*needs the keys"):
        checked_answers(contexts, questions, [{"answer": "Paris"}] * 3, None, split="train", names=NAMES)
    with pytest.raises(DataError, match=r"row 2: the 'question' column holds no text"):
        checked_answers(contexts, ["Where?", None, "Who?"], [PARIS] * 3, None, split="train", names=NAMES)
    with pytest.raises(DataError, match=r"row 1: the 'context' column holds int 7"):
        checked_answers([7], ["Where?"], [PARIS], None, split="train", names=NAMES)


def test_the_preview_marks_the_answer_in_its_context():
    rows = [{"c": CONTEXT, "q": "Where does Anna live?", "a": PARIS},
            {"c": CONTEXT, "q": "Who?", "a": {"text": [], "answer_start": []}},
            {"c": CONTEXT, "q": "Where?", "a": {"text": ["Paris"], "answer_start": [2]}}]  # wrong: not marked
    mapping = {"text_column": "c", "question_column": "q", "answer_column": "a"}
    assert preview_marks(rows, mapping) == [{"c": (14, 19)}, {}, {}]
    flat = [{"c": CONTEXT, "t": "Globex", "s": 35}]
    assert preview_marks(flat, {"text_column": "c", "answer_column": "t", "answer_start_column": "s"}) == \
        [{"c": (35, 41)}]
    assert preview_marks(rows, {"text_column": "c"}) == [{}, {}, {}]  # not mapped yet
    assert answer_span(None, PARIS) is None


def test_answer_lengths_for_the_distribution(tmp_path):
    assert answer_words(PARIS) == 1 and answer_words("New York") == 2 and answer_words(None) == 0
    assert answer_words({"text": ["x"]}) is None  # not an answer: left out
    values = [PARIS, {"text": ["Cape Town"], "answer_start": [0]}, {"text": [], "answer_start": []},
              "{'text': ['a b c d e f g h i j k'], 'answer_start': [0]}"]
    dist = summarize("answers", values, kind="answers", exact=True)
    assert dist.kind == "lengths" and dist.rows == 4
    assert dist.counts == [("no answer", 1), ("1 word", 1), ("2 words", 1), ("10+ words", 1)]
    assert dist.summary["max"] == 11 and math.isclose(dist.summary["median"], 2)

    import pandas as pd

    path = tmp_path / "train.csv"  # a CSV holds the dicts as text
    pd.DataFrame({"context": [CONTEXT] * 3, "answers": [PARIS, PARIS, {"text": [], "answer_start": []}]}).to_csv(
        path, index=False)
    dist = label_distribution(str(path), "train", "answers", kind="answers")
    assert dist.exact and dict(dist.counts) == {"no answer": 1, "1 word": 2}
