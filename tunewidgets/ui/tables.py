"""HTML tables of data: the preview of the first rows, with column names, types and one-line cells."""

from __future__ import annotations

from typing import Any, Callable

from . import theme

PREVIEW_ROWS = 8
THUMB = 44  # thumbnail size in the preview, pixels


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


def _image_cell(value: Any, objects: Any, readable: Callable[[str], bool] | None) -> str | None:
    from .thumbnails import thumbnail_uri

    uri = thumbnail_uri(value, objects, size=THUMB, readable=readable)
    if uri is None:
        return None
    title = theme.esc(_cell(value.get("path") if isinstance(value, dict) else value, 2000))
    return (f'<td title="{title}" class="tw-thumb-cell"><img class="tw-thumb" src="{uri}" alt="{title}" '
            f'style="max-width:{THUMB}px;max-height:{THUMB}px;image-rendering:pixelated;display:block"></td>')


def preview_table(frame, columns: list[tuple[str, str]], rows: int = PREVIEW_ROWS,
                  readable: Callable[[str], bool] | None = None, marks: list[dict] | None = None) -> str:
    """An HTML table of the first rows: column names with their types, cells cut to one line.

    Image columns show thumbnails (with the row's boxes drawn for object detection); ``readable``
    says which files may be opened for them; ``marks`` (per row, {column: (start, end)}) are spans of a
    text cell to highlight (an answer in its context), shown within the cell's line."""
    from .thumbnails import image_columns, objects_column

    head = "".join(f"<th>{theme.esc(name)}<br><small>{theme.esc(dtype)}</small></th>" for name, dtype in columns)
    shown = frame.head(rows)
    images = set(image_columns(shown))
    boxes = objects_column(shown) if images else None
    body = []
    for index, record in enumerate(shown.to_dict("records")):
        cells = []
        row_marks = marks[index] if marks and index < len(marks) else {}
        for name, _ in columns:
            value = record.get(name)
            thumb = _image_cell(value, record.get(boxes) if boxes else None, readable) if name in images else None
            shown_text = _marked_cell(value, *row_marks[name]) if name in row_marks else theme.esc(_cell(value))
            cells.append(thumb or f'<td title="{theme.esc(_cell(value, 2000))}">{shown_text}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    height = 8 * (THUMB + 10) if images else 260  # every preview row visible with its thumbnail
    return (f'<div style="max-height:{height}px;overflow:auto;max-width:100%"><table class="tw-table" '
            f'style="{theme.TABLE_STYLE}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _marked_cell(value: str, start: int, end: int, limit: int = 90) -> str:
    """A text cell cut to one line around the span [start, end), the span marked."""
    before, span, after = value[:start], value[start:end], value[end:]
    room = max(limit - len(span), 10)
    if len(before) > room // 2:
        before = "…" + before[-(room // 2):]
    if len(after) > room - len(before):
        after = after[:max(room - len(before), 1)] + "…"
    clean = [part.replace("\n", " ⏎ ") for part in (before, span, after)]
    return (f'{theme.esc(clean[0])}<mark class="tw-mark" style="background:{theme.LOSS_SHADE}">{theme.esc(clean[1])}'
            f'</mark>{theme.esc(clean[2])}')
