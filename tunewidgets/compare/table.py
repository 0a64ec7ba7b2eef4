"""The comparison as a terminal reads it: one row per prompt, the answers side by side in wrapped columns, a rule
between prompts; one block per prompt when the terminal is too narrow for the columns to be read."""

from __future__ import annotations

import textwrap
from typing import Sequence

MIN_COLUMN = 14  # narrower text columns are unreadable: the blocks are used instead
MAX_LINES = 16  # lines shown of one cell (the JSONL keeps every word)
SEPARATOR = " | "


def render(columns: Sequence[str], rows: Sequence[dict], width: int = 100) -> str:
    """``columns``: the contenders' keys; each row has ``prompt``, ``reference`` and one answer per key. The
    reference column is left out when no prompt has one."""
    heads = ["prompt", *(["reference"] if any(r.get("reference") is not None for r in rows) else []), *columns]
    number = max(len(str(len(rows))), 1)
    room = width - number - len(SEPARATOR) * len(heads)
    if room // max(len(heads), 1) < MIN_COLUMN:
        return _blocks(heads, rows, width)
    widths = _widths(room, len(heads))
    lines = [_line(["#", *heads], [number, *widths])]
    rule = "-+-".join("-" * w for w in [number, *widths])
    lines.append(rule.replace("-", "="))
    for index, row in enumerate(rows, 1):
        cells = [_wrap(_cell(row, head), w) for head, w in zip(heads, widths)]
        height = max(len(c) for c in cells)
        for i in range(height):
            first = str(index) if i == 0 else ""
            lines.append(_line([first, *(c[i] if i < len(c) else "" for c in cells)], [number, *widths]))
        lines.append(rule)
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _blocks(heads: Sequence[str], rows: Sequence[dict], width: int) -> str:
    """One block per prompt: each field's name, then its text wrapped to the terminal's width."""
    label = max(len(h) for h in heads) + 2
    inner = width - label if width - label >= MIN_COLUMN else max(width, MIN_COLUMN)
    out = []
    for index, row in enumerate(rows, 1):
        out.append(f"--- {index} " + "-" * max(width - len(str(index)) - 5, 3))
        for head in heads:
            wrapped = _wrap(_cell(row, head), inner)
            if inner == width - label:
                out += [f"{(head + ':') if i == 0 else '':<{label}}{text}" for i, text in enumerate(wrapped)]
            else:  # too narrow even for a label beside the text: the label on its own line
                out += [f"{head}:", *wrapped]
    return "\n".join(line.rstrip() for line in out) + "\n"


def _widths(room: int, count: int) -> list[int]:
    base, extra = divmod(room, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


def _cell(row: dict, head: str) -> str:
    value = row.get(head)
    if value is None:
        return "-" if head == "reference" else ""
    text = "".join(c if c.isprintable() or c == "\n" else "\ufffd" for c in str(value).replace("\t", " "))
    return text if text.strip() else "(empty)"


def _wrap(text: str, width: int) -> list[str]:
    """The text wrapped to ``width``, its own line breaks kept, at most MAX_LINES lines."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, width, replace_whitespace=True, drop_whitespace=True,
                               break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES - 1] + [f"… ({len(lines) - MAX_LINES + 1} more lines)"[:width]]
    return lines


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return SEPARATOR.join(f"{cell:<{w}}" for cell, w in zip(cells, widths))
