"""What the labels look like before training: class counts, or a summary of numeric targets.

The app shows this under the preview so a user sees a missing or rare class, an
unexpected label spelling or a target on the wrong scale before spending a run on it.
Counting reads at most ``limit`` rows (the head, as the preview does) so a multi-GB
file still answers at once; an image folder's classes are counted exactly from the
listing, and data already in memory is counted whole.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

LIMIT = 5000


@dataclass
class Distribution:
    """Counts per class (``kind == "classes"``), a numeric summary (``kind == "values"``), or both for the
    lengths of answers (``kind == "lengths"``: counts per length in words, in order)."""

    column: str
    kind: str  # classes | values | lengths
    rows: int  # rows looked at
    exact: bool  # True when every row of the split was counted
    counts: list[tuple[str, int]] = field(default_factory=list)  # most frequent first
    summary: dict[str, float] = field(default_factory=dict)  # min, median, mean, max (values)
    unit: str = "rows"  # what was counted: rows, tags, objects

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


def _label(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _flatten(values: Iterable[Any], what: str) -> list[Any]:
    """Tags of token lists, or object categories of ``{"bbox": ..., "category": [...]}`` cells."""
    out: list[Any] = []
    for value in values:
        if what == "objects" and isinstance(value, dict):
            value = value.get("category", value.get("categories", []))
        if hasattr(value, "tolist"):
            value = value.tolist()
        if isinstance(value, (list, tuple)):
            out.extend(value)
    return out


def _is_numeric_target(values: list[Any]) -> bool:
    """Fractions, or more than 20 distinct whole numbers, are a regression target; a few whole numbers are classes."""
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not present or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return False
    return not all(float(v).is_integer() for v in present) or len(set(present)) > 20


def summarize(column: str, values: list[Any], *, kind: str = "auto", exact: bool, unit: str = "rows",
              class_counts: dict[str, int] | None = None) -> Distribution:
    """A Distribution of ``values``: ``kind`` is classes, values, tags, objects or auto (decide from the values)."""
    if class_counts is not None:
        counts = sorted(class_counts.items(), key=lambda item: (-item[1], item[0]))
        return Distribution(column, "classes", sum(class_counts.values()), True, counts)
    rows = len(values)
    if kind == "answers":
        return _answer_lengths(column, values, exact)
    if kind in ("tags", "objects"):
        values, unit = _flatten(values, kind), kind
        kind = "classes"
    if kind == "auto":
        kind = "values" if _is_numeric_target(values) else "classes"
    if kind == "values":
        numbers = sorted(float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
                         and math.isfinite(float(v)))
        summary = {}
        if numbers:
            middle = len(numbers) // 2
            median = numbers[middle] if len(numbers) % 2 else (numbers[middle - 1] + numbers[middle]) / 2
            summary = {"min": numbers[0], "median": median, "mean": sum(numbers) / len(numbers), "max": numbers[-1]}
        return Distribution(column, "values", rows, exact, summary=summary, unit=unit)
    counter = Counter(label for label in map(_label, values) if label is not None)
    counts = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return Distribution(column, "classes", rows, exact, counts, unit=unit)


MAX_WORDS = 10  # answers this long or longer share one bar


def _answer_lengths(column: str, values: list[Any], exact: bool) -> Distribution:
    """How long the answers are, in words (SQuAD-style answers or answer texts; see qa.py), and how many
    questions have none: a model learns spans of about these lengths (max_answer_length caps them)."""
    from .qa import answer_words

    words = [answer_words(value) for value in values]
    answered = sorted(n for n in words if n)
    counts = [("no answer", sum(1 for n in words if n == 0))]
    counts += [(f"{n} word{'s' if n > 1 else ''}", answered.count(n)) for n in range(1, MAX_WORDS)]
    counts.append((f"{MAX_WORDS}+ words", sum(1 for n in answered if n >= MAX_WORDS)))
    summary = {}
    if answered:
        middle = len(answered) // 2
        median = answered[middle] if len(answered) % 2 else (answered[middle - 1] + answered[middle]) / 2
        summary = {"min": answered[0], "median": median, "mean": sum(answered) / len(answered), "max": answered[-1]}
    return Distribution(column, "lengths", len(values), exact, [(k, n) for k, n in counts if n], summary,
                        unit="answers")


def label_distribution(source: Any, split: str, column: str, *, kind: str = "auto",
                       limit: int = LIMIT) -> Distribution:
    """The distribution of ``column`` in ``split`` of ``source`` (a path, a Hub id, a DataFrame or a Dataset)."""
    import os
    from pathlib import Path

    from .preview import preview

    if isinstance(source, (str, os.PathLike)) and kind in ("auto", "classes") and column == "label":
        path = Path(source).expanduser()
        if path.is_dir():
            from .image_folders import find_image_folder

            layout = find_image_folder(path, split)
            if layout is not None and layout.classes:
                return summarize(column, [], exact=True, class_counts=layout.class_counts())
    frame_like = type(source).__name__ in ("DataFrame", "Dataset", "DatasetDict")
    if frame_like:
        data = source[split] if type(source).__name__ == "DatasetDict" else source
        values = list(data[column])
        return summarize(column, values, kind=kind, exact=True)
    result = preview(source, split=split, n=limit)
    values = list(result.frame[column]) if column in result.frame.columns else []
    exact = result.num_rows is not None and not result.num_rows_estimated and len(values) >= result.num_rows
    return summarize(column, values, kind=kind, exact=exact)
