"""Show the first rows of a data set without loading all of it.

The app previews data as soon as a path is typed, so a multi-GB file must
answer in well under a second: only the head of a file is read, and the row
count is exact only where it is cheap (Parquet metadata, small files) and
otherwise estimated from the head's average line length.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tunewidgets.data.loading import is_hub_id, load_hub, read_file, split_files, utf8_error_message
from tunewidgets.errors import DataError

_SMALL_FILE = 16 << 20  # below this, counting JSONL lines exactly is cheap
_CHUNK = 1 << 16


@dataclass
class Preview:
    """The head of a data set and what is known about its size."""

    frame: Any  # pandas.DataFrame of the first n rows
    columns: list[tuple[str, str]]  # (name, dtype string)
    num_rows: int | None  # None when unknown without reading everything
    source: str  # a description for the UI
    num_rows_estimated: bool = False


def preview(source: Any, split: str = "train", n: int = 20) -> Preview:
    """The first ``n`` rows of ``split`` of ``source`` (anything ``load_split`` takes)."""
    import sys

    # A Dataset can only be here if the user already imported datasets: do not pay its import otherwise.
    datasets = sys.modules.get("datasets")
    if datasets is None:
        class datasets:  # noqa: N801 - a stand-in no object is an instance of
            DatasetDict = Dataset = type("_Never", (), {})

    if isinstance(source, datasets.DatasetDict):
        if split not in source:
            raise DataError(f"split '{split}' not found; splits: {', '.join(source) or '(none)'}")
        source = source[split]
    if isinstance(source, datasets.Dataset):
        frame = source.select(range(min(n, source.num_rows))).to_pandas()
        columns = [(name, _feature_dtype(f)) for name, f in source.features.items()]
        return Preview(frame, columns, source.num_rows, f"Dataset ({source.num_rows} rows)")
    if isinstance(source, list):
        import pandas as pd

        frame = pd.DataFrame(source[:n])
        return Preview(frame, _frame_columns(frame), len(source), f"list of {len(source)} rows")
    if type(source).__name__ == "DataFrame":
        frame = source.head(n)
        return Preview(frame, _frame_columns(frame), len(source), f"DataFrame ({len(source)} rows)")
    if not isinstance(source, (str, os.PathLike)):
        raise DataError(f"cannot preview a {type(source).__name__}: pass a path, a Hub id, a DataFrame or a Dataset")
    if is_hub_id(source):
        return _preview_hub(str(source), split, n)
    path = Path(source).expanduser()
    if path.is_dir():
        from .image_folders import find_image_folder

        images = find_image_folder(path, split)
        if images is not None:
            return _preview_image_folder(images, n)
    files = [path] if path.is_file() else split_files(path, split)
    try:
        return _preview_files(files, n)
    except DataError:
        raise
    except Exception as exc:  # a reader library failing on odd bytes must not surface as a traceback
        text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise DataError(f"could not preview '{files[0]}': {text}") from exc


# --------------------------------------------------------------------------- files


def _preview_files(files: list[Path], n: int) -> Preview:
    first = files[0]
    if first.stat().st_size == 0:
        raise DataError(f"file is empty: '{first}'")
    ext = first.suffix.lower()
    if ext == ".parquet":
        frame, total, estimated = _head_parquet(first, n)
        if len(files) > 1:
            import pyarrow.parquet as pq

            total = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    else:
        if ext in (".csv", ".tsv"):
            frame, total, estimated, per_row = _head_csv(first, n, "\t" if ext == ".tsv" else ",")
        else:
            frame, total, estimated, per_row = _head_json(first, n)
        if len(files) > 1 and per_row:
            total = sum(round(f.stat().st_size / per_row) for f in files)
            estimated = True
        elif len(files) > 1:
            total, estimated = None, False
    where = str(first) if len(files) == 1 else f"{first.parent}/ ({len(files)} files)"
    return Preview(frame, _frame_columns(frame), total, where, estimated)


def _head_parquet(path: Path, n: int):
    """First batch only; the row count comes from the footer metadata."""
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
        batch = next(handle.iter_batches(batch_size=max(n, 1)), None)
    except Exception as exc:
        raise DataError(f"cannot read Parquet file '{path}': {exc}") from exc
    frame = batch.to_pandas() if batch is not None else handle.schema_arrow.empty_table().to_pandas()
    return frame.head(n), handle.metadata.num_rows, False


def _head_csv(path: Path, n: int, sep: str):
    """``read_csv(nrows=n)``; the count is exact when the head reached the end of the file."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, sep=sep, nrows=n)
    except UnicodeDecodeError as exc:
        raise DataError(utf8_error_message(path, max_bytes=64 << 20) or f"'{path}' is not UTF-8: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"file is empty: '{path}'") from exc
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"malformed CSV in '{path}': {str(exc).strip().splitlines()[-1]}") from exc
    lines, at_end = _raw_lines(path, n + 1)
    if len(frame) < n or at_end:
        return frame, len(frame), False, None
    data_bytes = sum(len(line) for line in lines[1:])
    per_row = data_bytes / max(len(lines) - 1, 1)
    header = len(lines[0]) if lines else 0
    return frame, round((path.stat().st_size - header) / per_row), True, per_row


def _head_json(path: Path, n: int):
    """The first ``n`` objects of a JSON Lines file, or of a JSON array."""
    import pandas as pd

    if _first_char(path) == "[":
        rows, complete = _json_array_head(path, n)
        if not complete and path.stat().st_size <= _SMALL_FILE:
            with open(path, encoding="utf-8-sig") as handle:
                document = json.load(handle)
            return pd.DataFrame(rows), len(document) if isinstance(document, list) else None, False, None
        return pd.DataFrame(rows), len(rows) if complete else None, False, None
    lines, at_end = _raw_lines(path, n, skip_blank=True)
    if path.suffix.lower() == ".json" and lines and not _is_object_line(lines[0][1]):
        return _head_document(path, n)
    rows = [_parse_line(path, number, raw) for number, raw in lines]
    frame = pd.DataFrame(rows)
    if at_end:
        return frame, len(rows), False, None
    size = path.stat().st_size
    if size <= _SMALL_FILE:
        with open(path, "rb") as handle:
            return frame, sum(1 for line in handle if line.strip()), False, None
    per_row = sum(len(raw) for _, raw in lines) / max(len(lines), 1)
    return frame, round(size / per_row), True, per_row


def _is_object_line(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False


def _head_document(path: Path, n: int):
    """A .json file that is one object over many lines ({"data": [...]}) can only be read whole."""
    if path.stat().st_size > 4 * _SMALL_FILE:
        raise DataError(f"'{path}' is one large JSON document: convert it to JSON Lines to preview it")
    dataset = read_file(path)
    return dataset.select(range(min(n, dataset.num_rows))).to_pandas(), dataset.num_rows, False, None


def _raw_lines(path: Path, n: int, skip_blank: bool = False):
    """Up to ``n`` raw lines and whether the file ended; with skip_blank, (line number, bytes) pairs."""
    out = []
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            if skip_blank and not line.strip():
                continue
            if len(out) == n:
                return out, False
            out.append((number, line) if skip_blank else line)
        return out, True


def _parse_line(path: Path, number: int, raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"'{path}' is not UTF-8: byte 0x{raw[exc.start:exc.start + 1].hex()} "
                        f"in line {number}; save it as UTF-8") from exc
    try:
        row = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"malformed JSON in '{path}' line {number}: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(row, dict):
        raise DataError(f"'{path}' line {number} is a {type(row).__name__}, expected a JSON object")
    return row


def _first_char(path: Path) -> str | None:
    with open(path, "rb") as handle:
        head = handle.read(_CHUNK).lstrip(b"\xef\xbb\xbf \t\r\n")
    return chr(head[0]) if head else None


def _json_array_head(path: Path, n: int) -> tuple[list, bool]:
    """Decode the first ``n`` items of a JSON array incrementally; True when the array ended."""
    decoder = json.JSONDecoder()
    rows: list = []
    try:
        with open(path, encoding="utf-8-sig") as handle:
            buf = handle.read(_CHUNK)
            pos = buf.index("[") + 1
            while len(rows) < n:
                while pos < len(buf) and buf[pos] in " \t\r\n,":
                    pos += 1
                if pos < len(buf) and buf[pos] == "]":
                    return rows, True
                try:
                    if pos >= len(buf):
                        raise json.JSONDecodeError("need more", buf, pos)
                    item, pos = decoder.raw_decode(buf, pos)
                except json.JSONDecodeError as exc:
                    more = handle.read(_CHUNK)
                    if not more:
                        raise DataError(f"malformed JSON in '{path}' after item {len(rows)}: {exc.msg}") from exc
                    buf, pos = buf[pos:] + more, 0
                    continue
                if not isinstance(item, dict):
                    raise DataError(f"'{path}' item {len(rows) + 1} is a {type(item).__name__}, expected an object")
                rows.append(item)
    except UnicodeDecodeError as exc:
        raise DataError(utf8_error_message(path, max_bytes=64 << 20) or f"'{path}' is not UTF-8") from exc
    return rows, False


def _preview_image_folder(layout, n: int) -> Preview:
    """Image paths (and class names, or the metadata's columns) of the first rows; the count is exact."""
    import pandas as pd

    where = f"image folder {layout.folder}"
    if layout.metadata is None:
        frame = pd.DataFrame(layout.head_rows(n))
        if layout.classes:
            where += f" ({len(layout.classes)} classes)"
        return Preview(frame, _frame_columns(frame), layout.num_images, where)
    preview_meta = _preview_files([layout.metadata], n)
    frame = preview_meta.frame.copy()
    if "file_name" not in frame.columns:
        raise DataError(f"'{layout.metadata}' needs a file_name column naming each image; columns: "
                        f"{', '.join(map(str, frame.columns))}")
    images = [str((layout.folder / str(name)).resolve()) for name in frame.pop("file_name")]
    frame.insert(len(frame.columns), "image", images)
    return Preview(frame, _frame_columns(frame), preview_meta.num_rows, where + f" with {layout.metadata.name}",
                   preview_meta.num_rows_estimated)


# --------------------------------------------------------------------------- Hub


def _preview_hub(dataset_id: str, split: str, n: int) -> Preview:
    """Stream the first rows; the row count comes from the dataset card when it has one."""
    import pandas as pd

    stream = load_hub(dataset_id, split, streaming=True)
    try:
        rows = list(stream.take(n))
    except Exception as exc:
        raise DataError(f"could not read Hub dataset '{dataset_id}': {exc}") from exc
    frame = pd.DataFrame(rows)
    info = getattr(stream, "info", None)
    name = split.rpartition(":")[2] or "train"
    splits = getattr(info, "splits", None) or {}
    total = splits[name].num_examples if name in splits else None
    columns = (
        [(k, _feature_dtype(f)) for k, f in stream.features.items()] if stream.features else _frame_columns(frame)
    )
    return Preview(frame, columns, total, f"Hub dataset '{dataset_id}' split '{split}'")


# --------------------------------------------------------------------------- dtypes


def _frame_columns(frame) -> list[tuple[str, str]]:
    return [(str(name), _series_dtype(frame[name])) for name in frame.columns]


def _series_dtype(series) -> str:
    """A short type name: string, int64, float64, bool, list, dict ..."""
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return "string"
    if dtype != object:  # noqa: E721 - dtype equality (numpy's dtype('O') == object); `is` would never match
        return str(dtype)
    values = series.dropna()
    if values.empty:
        return "null"
    value = values.iloc[0]
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray":
        return "list"
    return type(value).__name__


def _feature_dtype(feature) -> str:
    """The same short names for ``datasets`` features."""
    kind = type(feature).__name__
    if kind == "Value":
        return "string" if feature.dtype in ("string", "large_string") else feature.dtype
    if kind == "ClassLabel":
        return f"class_label({', '.join(feature.names[:5])}{', ...' if len(feature.names) > 5 else ''})"
    if kind in ("List", "Sequence", "LargeList") or isinstance(feature, list):
        return "list"
    if isinstance(feature, dict):
        return "dict"
    return kind.lower()
