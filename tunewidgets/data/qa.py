"""SQuAD-style answers in every shape users bring them, checked against their context.

AutoTrain's ``answer_column`` holds ``{"text": [...], "answer_start": [...]}`` (SQuAD); a CSV holds that
dict as a string (JSON or a Python literal, as AutoTrain reads it). Many data sets are flat instead: the
answer's text in one column and its character start in another (``answer_start_column``), or no start at
all (the answer's first occurrence in the context is used). Empty lists (or an empty text) are a question
the context does not answer, as in SQuAD v2.

Everything here is plain Python (no pandas, no datasets): training, the app's preview and the ejected
script read answers the same way.
"""

from __future__ import annotations

import ast
import json
import math
from typing import Any

from ..errors import DataError

_SHAPE = '{"text": ["..."], "answer_start": [0]}'


def read_answers(value: Any, start: Any = None, context: str | None = None) -> dict:
    """``{"text": [...], "answer_start": [...]}`` from a cell of the answer column (and of the start column);
    raises ValueError saying what is wrong with it. A text without a start is looked up in ``context``; an
    empty cell, an empty text or empty lists are a question the context does not answer."""
    value = _plain(value)
    if isinstance(value, str):
        value = _parsed(value)
    if isinstance(value, dict):
        return _from_dict(value)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        parts = [_from_dict(v) for v in value]  # [{"text": "Paris", "answer_start": 14}, ...]
        return {"text": [t for p in parts for t in p["text"]],
                "answer_start": [s for p in parts for s in p["answer_start"]]}
    if value is None or value == [] or (isinstance(value, str) and not value.strip()):
        return {"text": [], "answer_start": []}
    texts = value if isinstance(value, list) else [value]
    if not all(isinstance(t, str) for t in texts):
        raise ValueError(f"the answer is {type(texts[0]).__name__} {texts[0]!r:.60}: expected a text or {_SHAPE}")
    if not _missing(start):
        starts = _plain(start)
        return _paired(texts, [_integer(s) for s in (starts if isinstance(starts, list) else [starts])])
    if context is None:
        return {"text": list(texts), "answer_start": [-1] * len(texts)}
    found = [context.find(t) for t in texts]
    for text, where in zip(texts, found):
        if where < 0:
            raise ValueError(f"the answer {text!r:.60} is not in its context (and no answer_start says where it is)")
    return {"text": list(texts), "answer_start": found}


def answer_problem(context: str, answers: dict) -> str | None:
    """What is wrong with ``answers`` against ``context`` (None: every answer is where it says)."""
    for text, start in zip(answers["text"], answers["answer_start"]):
        if len(text) > len(context):
            return f"the answer {text!r:.60} ({len(text)} characters) is longer than its context ({len(context)})"
        if context[start:start + len(text)] != text or start < 0:
            where = context.find(text)
            found = f"; the answer starts at {where}" if where >= 0 else "; the answer is not in the context"
            if 0 <= start < len(context):
                there = f"reads {context[start:start + len(text)]!r:.60} there"
            else:
                there = f"has {len(context)} characters"
            return f"answer_start {start} does not point at the answer {text!r:.60}: the context {there}{found}"
    return None


def checked_answers(contexts: list, questions: list, answers: list, starts: list | None, *, split: str,
                    names: dict[str, str]) -> list[dict]:
    """Every row's answers read and checked; a bad row is a DataError naming the split, the row and the column.

    ``names`` says how to name the columns in messages (``{"context": "'context' column", ...}``)."""
    out = []
    for index, (context, question, value) in enumerate(zip(contexts, questions, answers)):
        row = f"the {split} split's row {index + 1}"
        for what, text in (("context", context), ("question", question)):
            if not isinstance(text, str) or not text.strip():
                shown = "no text" if text is None or isinstance(text, str) else f"{type(text).__name__} {text!r:.40}"
                raise DataError(f"{row}: the {names[what]} holds {shown}: expected text")
        start = starts[index] if starts is not None else None
        try:
            parsed = read_answers(value, start, context)
        except ValueError as exc:
            raise DataError(f"{row}, {names['answers']}: {exc}") from None
        problem = answer_problem(context, parsed)
        if problem:
            column = names["answer_start"] if starts is not None else names["answers"]
            raise DataError(f"{row}, {column}: {problem}")
        out.append(parsed)
    return out


# --------------------------------------------------------------------------- what the app shows


def answer_span(context: Any, value: Any, start: Any = None) -> tuple[int, int] | None:
    """The first answer's (start, end) in ``context``, for the preview to mark; None when there is none."""
    if not isinstance(context, str):
        return None
    try:
        answers = read_answers(value, start, context)
    except (ValueError, TypeError):
        return None
    if not answers["text"] or answer_problem(context, answers):
        return None
    first = answers["answer_start"][0]
    return first, first + len(answers["text"][0])


def answer_words(value: Any) -> int | None:
    """Words in the first answer (0: the question has no answer; None: not an answer)."""
    try:
        answers = read_answers(value)
    except (ValueError, TypeError):
        return None
    return len(answers["text"][0].split()) if answers["text"] else 0


def preview_marks(rows: list[dict], mapping: dict) -> list[dict]:
    """For each row, ``{context column: (start, end)}`` of its answer: what the data preview highlights."""
    context, answer = mapping.get("text_column"), mapping.get("answer_column")
    start = mapping.get("answer_start_column")
    if not isinstance(context, str) or not isinstance(answer, str):
        return [{} for _ in rows]
    out = []
    for row in rows:
        span = answer_span(row.get(context), row.get(answer), row.get(start) if isinstance(start, str) else None)
        out.append({context: span} if span else {})
    return out


# --------------------------------------------------------------------------- helpers


def _plain(value: Any) -> Any:
    """numpy arrays and scalars (pandas, Parquet) as Python lists and numbers; NaN as None."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _missing(start: Any) -> bool:
    start = _plain(start)
    return start is None or start == [] or (isinstance(start, (int, float)) and not isinstance(start, bool)
                                            and start < 0)


def _parsed(text: str) -> Any:
    """A dict written as a string (JSON, or Python's repr as pandas writes it to CSV), else the text itself."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return text
    try:
        return json.loads(stripped)
    except ValueError:
        pass
    try:
        return ast.literal_eval(stripped)
    except (ValueError, SyntaxError):
        if stripped.startswith("{"):
            raise ValueError(f"{text!r:.60} is neither JSON nor a Python dict: expected {_SHAPE}") from None
        return text


def _from_dict(value: dict) -> dict:
    if "text" not in value or "answer_start" not in value:
        raise ValueError(f"the answer {value!r:.80} needs the keys 'text' and 'answer_start' ({_SHAPE})")
    texts, starts = _plain(value["text"]), _plain(value["answer_start"])
    texts = texts if isinstance(texts, list) else [texts]
    starts = starts if isinstance(starts, list) else [starts]
    if not all(isinstance(t, str) for t in texts):
        raise ValueError(f"the answer's text must be strings, got {texts!r:.60}")
    pairs = [(t, s) for t, s in zip(texts, starts) if t != ""]  # an empty text is SQuAD v2's "no answer"
    if len(texts) != len(starts):
        raise ValueError(f"the answer has {len(texts)} texts but {len(starts)} answer_start values")
    return _paired([t for t, _ in pairs], [_integer(s) for _, s in pairs])


def _paired(texts: list[str], starts: list[int]) -> dict:
    if len(texts) != len(starts):
        raise ValueError(f"the answer has {len(texts)} texts but {len(starts)} answer_start values")
    return {"text": list(texts), "answer_start": starts}


def _integer(value: Any) -> int:
    value = _plain(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"answer_start must be a whole number, got {value!r:.40}") from None
    if not number.is_integer():
        raise ValueError(f"answer_start must be a whole number, got {value!r:.40}")
    return int(number)
