"""The mapping guess for extractive-qa: SQuAD's columns, flat answer columns, other usual names."""

from __future__ import annotations

import pytest

from tunewidgets.data.columns import check_column_mapping, guess_column_mapping
from tunewidgets.errors import DataError
from tunewidgets.tiny import task_demo_frame

TASK = "extractive-qa"


def _rows(kind: str, n: int = 5) -> list[dict]:
    return task_demo_frame(kind, n=n).to_dict("records")


def test_squad_columns_map_to_the_three_roles():
    rows = [{"id": r["id"], "title": "Story", **r} for r in _rows("extractive-qa")]
    guess = guess_column_mapping(TASK, list(rows[0]), rows)
    assert guess == {"text_column": "context", "question_column": "question", "answer_column": "answers"}


def test_flat_answer_text_and_start_columns_are_recognised():
    rows = _rows("extractive-qa-flat")
    assert list(rows[0]) == ["id", "context", "question", "answer_text", "answer_start"]
    guess = guess_column_mapping(TASK, list(rows[0]), rows)
    assert guess == {"text_column": "context", "question_column": "question", "answer_column": "answer_text",
                     "answer_start_column": "answer_start"}


def test_other_usual_names_and_a_csv_of_dicts():
    rows = [{"passage": r["context"], "query": r["question"], "answer": str(r["answers"])}
            for r in _rows("extractive-qa")]
    assert guess_column_mapping(TASK, list(rows[0]), rows) == {
        "text_column": "passage", "question_column": "query", "answer_column": "answer"}


def test_a_missing_answer_column_is_named():
    columns = ["context", "question"]
    with pytest.raises(DataError, match="answer_column .* is required for task extractive-qa"):
        check_column_mapping(columns, {"text_column": "context", "question_column": "question"}, TASK)
    with pytest.raises(DataError, match="column 'answers' \\(answer_column\\) not found"):
        check_column_mapping(columns, {"text_column": "context", "question_column": "question",
                                       "answer_column": "answers"}, TASK)
