"""Thumbnails in the data preview: files, bytes, PIL images, boxes drawn, unreadable files skipped."""

from __future__ import annotations

import base64
import io

import pandas as pd
from PIL import Image

from tunewidgets.ui.tables import preview_table
from tunewidgets.ui.thumbnails import image_columns, looks_like_image, objects_column, thumbnail_uri


def _decode(uri: str) -> Image.Image:
    assert uri.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB")


def test_a_small_image_is_enlarged_and_boxes_are_drawn(tmp_path):
    path = tmp_path / "a.png"
    Image.new("RGB", (16, 16), (255, 255, 255)).save(path)
    plain = _decode(thumbnail_uri(str(path)))
    assert plain.size == (64, 64) and plain.getpixel((8, 8)) == (255, 255, 255)
    boxed = _decode(thumbnail_uri(str(path), {"bbox": [[2, 2, 8, 8]], "category": [0]}))
    assert boxed.getpixel((8, 8)) != (255, 255, 255)  # the box's edge at (2, 2) scaled by 4
    assert boxed.getpixel((40, 40)) == (255, 255, 255)  # outside the box nothing changed


def test_bytes_and_pil_images_and_what_is_not_an_image(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (200, 100), (0, 0, 255)).save(buffer, format="PNG")
    assert _decode(thumbnail_uri({"bytes": buffer.getvalue(), "path": None})).size == (64, 32)
    assert _decode(thumbnail_uri(Image.new("RGB", (10, 10)))).size == (64, 64)
    assert thumbnail_uri(str(tmp_path / "missing.png")) is None
    (tmp_path / "broken.png").write_bytes(b"not a png")
    assert thumbnail_uri(str(tmp_path / "broken.png")) is None
    assert looks_like_image("x/y.JPG") and not looks_like_image("a sentence") and not looks_like_image(3)


def test_the_preview_table_shows_thumbnails_only_for_readable_image_columns(tmp_path):
    for name in ("a", "b"):
        Image.new("RGB", (8, 8)).save(tmp_path / f"{name}.png")
    frame = pd.DataFrame({"image": [str(tmp_path / "a.png"), str(tmp_path / "b.png")], "label": ["x", "y"],
                          "objects": [{"bbox": [[0, 0, 2, 2]], "category": [1]}] * 2})
    assert image_columns(frame) == ["image"] and objects_column(frame) == "objects"
    columns = [("image", "string"), ("label", "string"), ("objects", "dict")]
    html = preview_table(frame, columns)
    assert html.count('<img class="tw-thumb"') == 2 and ">x<" in html
    refused = preview_table(frame, columns, readable=lambda path: not path.endswith("b.png"))
    assert refused.count('<img class="tw-thumb"') == 1 and "b.png" in refused  # shown as its path instead
