"""HTML tables of data: the preview of the first rows, with column names, types and one-line cells."""

from __future__ import annotations

from typing import Any

from . import theme

PREVIEW_ROWS = 8


def describe_preview(result) -> str:
    if result.num_rows is None:
        rows = "row count unknown until loaded"
    else:
        rows = f"{'about ' if result.num_rows_estimated else ''}{result.num_rows:,} rows"
    return f"{result.source}: {rows}, {len(result.columns)} columns"


def _cell(value: Any, limit: int = 90) -> str:
    import json

    if isinstance(value, str):
        text = value
    else:
        try:
            if type(value).__name__ == "ndarray":
                value = value.tolist()
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = str(value)
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def preview_table(frame, columns: list[tuple[str, str]], rows: int = PREVIEW_ROWS) -> str:
    """An HTML table of the first rows: column names with their types, cells cut to one line."""
    head = "".join(f"<th>{theme.esc(name)}<br><small>{theme.esc(dtype)}</small></th>" for name, dtype in columns)
    body = []
    for record in frame.head(rows).to_dict("records"):
        cells = "".join(
            f'<td title="{theme.esc(_cell(record.get(name), 2000))}">{theme.esc(_cell(record.get(name)))}</td>'
            for name, _ in columns
        )
        body.append(f"<tr>{cells}</tr>")
    return (f'<div style="max-height:260px;overflow:auto;max-width:100%"><table class="tw-table" '
            f'style="{theme.TABLE_STYLE}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')
