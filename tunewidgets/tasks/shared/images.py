"""Images for the vision tasks: paths (relative to the data folder), bytes, or PIL images, opened as RGB.

Paths are checked before training starts, so a missing file is a DataError that names it
instead of a crash in the middle of an epoch.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ...errors import DataError


def data_root(config) -> Path | None:
    """The folder relative image paths are read from: data.path itself, or the folder of a data file."""
    path = config.data.path
    if not path:
        return None
    local = Path(os.path.expanduser(str(path)))
    if local.is_dir():
        return local
    if local.is_file():
        return local.parent
    return None


def resolve(value: Any, root: Path | None) -> Any:
    """An absolute path for a relative path string; other values as they are."""
    if isinstance(value, str):
        path = Path(os.path.expanduser(value))
        if not path.is_absolute() and root is not None:
            candidates = [root / path, *(root / split / path for split in _subdirs(root))]
            path = next((c for c in candidates if c.is_file()), root / path)
        return str(path)
    return value


def _subdirs(root: Path) -> list[str]:
    try:
        return sorted(p.name for p in root.iterdir() if p.is_dir())
    except OSError:
        return []


def check_images(dataset, column: str, split: str, root: Path | None):
    """Resolve relative paths and fail on the first missing file or a value that is not an image."""
    values = dataset[column]
    resolved = []
    for index, value in enumerate(values):
        value = resolve(value, root)
        if isinstance(value, str):
            if not os.path.isfile(value):
                raise DataError(f"image file '{value}' (row {index + 1} of the {split} split) does not exist")
        elif not _is_image_value(value):
            raise DataError(f"the {split} split's image column holds {type(value).__name__} at row {index + 1}: "
                            "expected a path, image bytes or an image")
        resolved.append(value)
    if all(isinstance(v, str) for v in resolved):
        dataset = dataset.remove_columns(column).add_column(column, resolved)
    return dataset


def _is_image_value(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(value.get("bytes") or value.get("path"))
    return isinstance(value, (bytes, bytearray)) or type(value).__module__.startswith("PIL")


def open_image(value: Any):
    """A PIL RGB image from a path, bytes, a {bytes, path} dict (datasets' Image) or an image."""
    from PIL import Image, UnidentifiedImageError

    try:
        if isinstance(value, dict):
            value = value.get("bytes") or value.get("path")
        if isinstance(value, (bytes, bytearray)):
            image = Image.open(io.BytesIO(value))
        elif isinstance(value, str):
            image = Image.open(value)
        else:
            image = value
        return image.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        where = value if isinstance(value, str) else "an image value"
        raise DataError(f"cannot read image {where}: {exc}") from exc
