"""Small inline images for the data preview: image files, image bytes or PIL images, with boxes drawn.

A preview of an image data set is only useful if it shows the images: each cell of an image
column becomes a thumbnail (a PNG data URI, so it works the same in Jupyter, Voila and a
static export), and for object detection the row's boxes (COCO x, y, w, h) are drawn on it.
A file the app may not read (outside the served workspace) is never opened.
"""

from __future__ import annotations

import base64
import io
import os
from typing import Any, Callable

from ..data.loading import IMAGE_EXTENSIONS

SIZE = 64
_BOX_COLOURS = ("#ffbf00", "#00e5ff", "#ff3df2", "#7cff00", "#ff6a00")


def looks_like_image(value: Any) -> bool:
    """A path to an image file, a dict with image bytes or a path (datasets' Image feature), or a PIL image."""
    if isinstance(value, (str, os.PathLike)):
        return str(value).lower().endswith(IMAGE_EXTENSIONS)
    if isinstance(value, dict):
        return bool(value.get("bytes")) or looks_like_image(value.get("path") or "")
    return type(value).__module__.startswith("PIL.") and hasattr(value, "thumbnail")


def image_columns(frame) -> list[str]:
    """The columns whose first non-empty value looks like an image."""
    found = []
    for name in frame.columns:
        values = frame[name].dropna()
        if len(values) and looks_like_image(values.iloc[0]):
            found.append(str(name))
    return found


def objects_column(frame) -> str | None:
    """A column of ``{"bbox": [...], "category": [...]}`` cells (object detection), if there is one."""
    for name in frame.columns:
        values = frame[name].dropna()
        if len(values) and isinstance(values.iloc[0], dict) and "bbox" in values.iloc[0]:
            return str(name)
    return None


def _open(value: Any, readable: Callable[[str], bool] | None):
    from PIL import Image

    if isinstance(value, dict):
        if value.get("bytes"):
            return Image.open(io.BytesIO(value["bytes"]))
        value = value.get("path")
    if isinstance(value, (str, os.PathLike)):
        path = os.path.expanduser(str(value))
        if readable is not None and not readable(path):
            return None
        if not os.path.isfile(path):
            return None
        return Image.open(path)
    return value


def _boxes(objects: Any) -> list[tuple[list[float], Any]]:
    if not isinstance(objects, dict):
        return []
    boxes = objects.get("bbox") or []
    categories = objects.get("category") or objects.get("categories") or [None] * len(boxes)
    out = []
    for box, category in zip(boxes, categories):
        try:
            x, y, w, h = (float(v) for v in box)
        except (TypeError, ValueError):
            continue
        out.append(([x, y, w, h], category))
    return out


def _colour(category: Any) -> str:
    """One colour per category, the same in every process (str hashes are salted per process)."""
    key = category if isinstance(category, int) else sum(map(ord, str(category)))
    return _BOX_COLOURS[key % len(_BOX_COLOURS)]


def thumbnail_uri(value: Any, objects: Any = None, size: int = SIZE,
                  readable: Callable[[str], bool] | None = None) -> str | None:
    """A ``data:image/png`` URI of ``value`` scaled to fit ``size`` pixels, boxes drawn; None if unreadable."""
    from PIL import ImageDraw

    try:
        image = _open(value, readable)
        if image is None:
            return None
        image = image.convert("RGB")
        width, height = image.size
        scale = min(size / max(width, 1), size / max(height, 1))
        if scale > 1:  # small images (digits are 8x8) are enlarged without blurring
            image = image.resize((max(1, round(width * scale)), max(1, round(height * scale))), 0)
        else:
            image.thumbnail((size, size))
        scale = image.size[0] / max(width, 1)
        draw = ImageDraw.Draw(image)
        for (x, y, w, h), category in _boxes(objects):
            colour = _colour(category)
            draw.rectangle([x * scale, y * scale, (x + w) * scale - 1, (y + h) * scale - 1], outline=colour, width=2)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
    except Exception:  # noqa: BLE001 - a broken image shows as its path, never as an error in the preview
        return None
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
