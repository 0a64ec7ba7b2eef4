"""Load one split of a data set from wherever the user keeps it.

A config's ``data.path`` may be a file, a folder of ``<split>.<ext>`` files, a
Hub dataset id, or (in a notebook) a DataFrame or Dataset already in memory.
Every way in ends as a :class:`datasets.Dataset`, and every bad input ends as a
:class:`~tunewidgets.errors.DataError` that names the file, the line or the fix.
Local files are read into memory with pandas or pyarrow rather than through
``datasets.load_dataset`` so their errors can name lines and nothing is written
to the datasets cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

from tunewidgets.errors import DataError

DATA_EXTENSIONS = (".csv", ".tsv", ".jsonl", ".json", ".parquet")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff")
_SPLIT_ORDER = ("train", "validation", "valid", "val", "dev", "eval", "test")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")
_SHARD = re.compile(r"^(?P<split>.+?)-\d{5}-of-\d{5}$")
_TRUE = {"1", "on", "yes", "true"}
_OFFLINE_LOCK = threading.Lock()


# --------------------------------------------------------------------------- public


def load_split(source: Any, split: str = "train", *, token: str | None = None, streaming: bool = False):
    """Return ``split`` of ``source`` as a ``datasets.Dataset``.

    ``source`` is a DataFrame, a Dataset, a DatasetDict, a list of row dicts, a
    path to a file or to a folder of ``<split>.<ext>`` files, or a Hub dataset
    id whose split may be written ``config:split`` as AutoTrain does. With
    ``streaming`` a path or a Hub id gives an ``IterableDataset`` read as it is used.
    """
    import datasets

    if streaming and isinstance(source, (str, os.PathLike)):
        return stream_split(source, split, token=token)

    if isinstance(source, datasets.Dataset):
        return source
    if isinstance(source, datasets.DatasetDict):
        if split not in source:
            raise DataError(f"split '{split}' not found; splits: {', '.join(source) or '(none)'}")
        return source[split]
    if isinstance(source, list):
        return _from_rows(source, "the list of rows")
    if _is_dataframe(source):
        return _from_pandas(source, "the DataFrame")
    if not isinstance(source, (str, os.PathLike)):
        raise DataError(
            f"cannot load data from a {type(source).__name__}: pass a path, a Hub dataset id, "
            "a pandas DataFrame or a datasets.Dataset"
        )
    path = _local_path(source)
    if path is None:
        return load_hub(str(source), split, token=token)
    if path.is_dir():
        images = image_folder_split(path, split)
        if images is not None:
            return images
    if path.is_dir() and ":" in split and not split_files_exist(path, split):
        # AutoTrain's Hub form "config:split" on a local copy of a Hub repo: <path>/<config>/<split>.<ext>
        config_name, split = split.split(":", 1)
        path = path / config_name
        if not path.is_dir():
            raise DataError(f"split '{config_name}:{split}': no folder '{path}' for config '{config_name}'")
    files = [path] if path.is_file() else split_files(path, split)
    parts = [_guarded(read_file, f) for f in files]
    if len(parts) == 1:
        return parts[0]
    try:
        return datasets.concatenate_datasets(parts)
    except Exception as exc:  # schemas differ between shards
        raise DataError(f"the files of split '{split}' in '{path}' have different columns or types: {exc}") from exc


def stream_split(source: str | os.PathLike, split: str = "train", *, token: str | None = None):
    """``split`` of a path or a Hub id as an ``IterableDataset``: rows are read as training asks for them,
    so data larger than memory (or than the disk, from the Hub) trains."""
    import datasets

    path = _local_path(source)
    if path is None:
        return load_hub(str(source), split, token=token, streaming=True)
    files = [path] if path.is_file() else split_files(path, split)
    fmt = _format(files[0])
    builder = {"parquet": "parquet", "csv": "csv", "tsv": "csv"}.get(fmt, "json")
    options = {"delimiter": "\t"} if fmt == "tsv" else {}
    try:
        return datasets.load_dataset(builder, data_files=[str(f) for f in files], split="train", streaming=True,
                                     **options)
    except Exception as exc:
        raise DataError(f"cannot stream '{path}' as {fmt}: {_short(exc)}") from exc


def is_stream(dataset: Any) -> bool:
    """True for an ``IterableDataset``: no length, no random access."""
    return type(dataset).__name__ == "IterableDataset"


def list_splits(path: str | os.PathLike) -> list[str]:
    """The split names a local folder holds (``train``, ``valid`` ... first).

    A single file is one split, ``train``. A Hub id gives ``[]``: its splits are
    unknown without asking the Hub.
    """
    local = _local_path(path)
    if local is None:
        return []
    if local.is_file():
        return ["train"]
    names: set[str] = set()
    for entry in local.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if any(f.suffix.lower() in DATA_EXTENSIONS + IMAGE_EXTENSIONS or f.is_dir() for f in entry.iterdir()):
                names.add(entry.name)
        elif entry.suffix.lower() in DATA_EXTENSIONS:
            names.add(_split_of(entry.stem))
    known = [s for s in _SPLIT_ORDER if s in names]
    return known + sorted(names - set(known))


def split_files(folder: str | os.PathLike, split: str) -> list[Path]:
    """The data files that hold ``split`` in ``folder``.

    Looks for ``<split>.<ext>``, shards ``<split>-00000-of-00002.<ext>`` and a
    subfolder ``<split>/`` of data files; all files must share one format.
    """
    folder = Path(folder)
    files = sorted(
        f for f in folder.iterdir() if f.is_file() and f.suffix.lower() in DATA_EXTENSIONS
        and _split_of(f.stem) == split
    ) if folder.is_dir() else []
    sub = folder / split
    if not files and sub.is_dir():
        files = _subfolder_files(sub)
    if not files:
        there = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir() if not p.name.startswith("."))
        expected = ", ".join(f"{split}{ext}" for ext in DATA_EXTENSIONS)
        raise DataError(
            f"no file for split '{split}' in folder '{folder}': expected one of {expected} or a folder "
            f"'{split}/'; files there: {', '.join(there) or '(none)'}"
        )
    formats = {_format(f) for f in files}
    if len(formats) > 1:
        raise DataError(
            f"split '{split}' in '{folder}' has files of several formats "
            f"({', '.join(f.name for f in files)}): keep one"
        )
    return files


def image_folder_split(folder: str | os.PathLike, split: str):
    """``split`` of ``folder`` when ``folder/split/`` is an image folder, else None.

    Layouts (as Hugging Face's imagefolder): one subfolder per class (rows ``image``, ``label``:
    the subfolder's name), or images beside a ``metadata.jsonl|csv|parquet`` whose ``file_name``
    column names them (its other columns are kept; ``file_name`` becomes ``image``), or bare images
    (rows ``image``). ``image`` holds absolute paths; the tasks open the files. A ``<split>.<ext>``
    data file in ``folder`` wins over an image folder of the same name.
    """
    import datasets

    from .image_folders import find_image_folder

    layout = find_image_folder(folder, split)
    if layout is None:
        return None
    sub, metadata = layout.folder, layout.metadata
    if metadata:
        table = _guarded(read_file, metadata)
        if "file_name" not in table.column_names:
            raise DataError(f"'{metadata}' needs a file_name column naming each image; columns: "
                            f"{', '.join(table.column_names)}")
        rows = table.to_list()
        for number, row in enumerate(rows, 1):
            name = row.pop("file_name")
            image = sub / str(name)
            if not image.is_file():
                raise DataError(f"image '{name}' listed in '{metadata}' (row {number}) does not exist in '{sub}'")
            row["image"] = str(image.resolve())
        return _from_rows(rows, f"'{metadata}'")
    if layout.classes:
        rows = [{"image": str(f.resolve()), "label": name} for name, files in layout.classes.items() for f in files]
    else:
        rows = [{"image": str(f.resolve())} for f in layout.images]
    return datasets.Dataset.from_list(rows)


def read_file(path: str | os.PathLike):
    """Read one CSV, TSV, JSONL, JSON or Parquet file into a ``datasets.Dataset``.

    Through datasets' own loader first: the rows land in its cache as Arrow and come back memory-mapped,
    so memory stays flat as data grows, and a rerun on the same file (same path, size and modification
    time) reads the cache and reuses every cached map after it, tokenization included. When that loader
    fails, the readers below say what is wrong and where (the line, the byte, the column)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data path '{path}' does not exist")
    if path.stat().st_size == 0:
        raise DataError(f"file is empty: '{path}'")
    fmt = _format(path)
    dataset = _memory_mapped(path, fmt)
    if dataset is not None:
        return dataset
    if fmt == "parquet":
        dataset = _read_parquet(path)
    elif fmt in ("csv", "tsv"):
        dataset = _read_csv(path, "\t" if fmt == "tsv" else ",")
    else:
        dataset = _read_json(path)
    if dataset.num_rows == 0:
        raise DataError(f"file '{path}' has no rows")
    return dataset


def _memory_mapped(path: Path, fmt: str):
    """``datasets.load_dataset`` on one local file (memory-mapped, cached), or None when it cannot read it."""
    import datasets

    message = utf8_error_message(path) if fmt != "parquet" else None
    if message:
        raise DataError(message)
    if fmt in ("json", "jsonl") and _json_layout(path) != "lines":
        return None  # a JSON document or array: the json module's reader below
    builder = {"parquet": "parquet", "csv": "csv", "tsv": "csv"}.get(fmt, "json")
    options = {"delimiter": "\t"} if fmt == "tsv" else {}
    try:
        with _offline_mode():  # a local file: never ask the Hub about it
            dataset = datasets.load_dataset(builder, data_files=str(path), split="train", **options)
    except Exception:  # noqa: BLE001 - the precise readers below name the problem
        return None
    if dataset.num_rows == 0 or "Json(" in repr(dataset.features):
        return None  # no rows, or values whose types differ between rows: the readers below say where
    return _as_string(dataset)


def _as_string(dataset):
    """``large_string`` columns (pandas 3, Parquet) as ``string``, like JSONL's (cached like any map)."""
    import datasets

    casts = {name: datasets.Value("string") for name, feature in dataset.features.items()
             if getattr(feature, "dtype", None) == "large_string"}
    return dataset.cast(datasets.Features({**dataset.features, **casts})) if casts else dataset


def load_hub(dataset_id: str, split: str = "train", *, token: str | None = None, streaming: bool = False):
    """Load a split of a Hub data set, failing fast and clearly when offline.

    ``split`` may be ``config:split``. When offline mode is set (even after
    ``datasets`` was imported) or the Hub cannot be reached, only the local
    cache is used, so there are no minutes of retries.
    """
    import datasets

    config, _, name = split.rpartition(":")
    offline = hub_offline() or not _hub_reachable()
    context = _offline_mode() if offline else contextlib.nullcontext()
    try:
        with context:
            return datasets.load_dataset(
                dataset_id, config or None, split=name or "train", token=token, streaming=streaming
            )
    except Exception as exc:
        raise _hub_error(dataset_id, split, exc) from exc


def hub_offline() -> bool:
    """True when the user asked for offline mode, through the environment or ``datasets``."""
    env = any(os.environ.get(v, "").strip().lower() in _TRUE
              for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"))
    if env:
        return True
    import datasets.config

    return bool(datasets.config.HF_HUB_OFFLINE)


def is_hub_id(source: Any) -> bool:
    """True when ``source`` is not a local path and looks like ``name`` or ``owner/name``.

    Raises DataError for a path that looks local (``./x``, ``x.csv``) but does not exist.
    """
    return isinstance(source, (str, os.PathLike)) and _local_path(source) is None


# --------------------------------------------------------------------------- paths


def _local_path(source: str | os.PathLike) -> Path | None:
    """The local path ``source`` names, None for a Hub id; DataError for a missing local path."""
    text = os.fspath(source)
    path = Path(text).expanduser()
    if path.exists():
        return path
    looks_local = (
        isinstance(source, os.PathLike)
        or text.startswith(("./", "../", "/", "~", ".\\"))
        or text.lower().endswith(DATA_EXTENSIONS)
        or not _HUB_ID.match(text)
    )
    if looks_local:
        raise DataError(f"data path '{text}' does not exist")
    return None


def _split_of(stem: str) -> str:
    """``train`` for ``train`` and for a shard ``train-00000-of-00002``."""
    match = _SHARD.match(stem)
    return match["split"] if match else stem


def _format(path: Path) -> str:
    ext = path.suffix.lower()
    if ext not in DATA_EXTENSIONS:
        raise DataError(f"cannot read '{path}': use one of {', '.join(DATA_EXTENSIONS)}")
    return ext[1:]


def _subfolder_files(sub: Path) -> list[Path]:
    entries = [p for p in sub.iterdir() if not p.name.startswith(".")]
    images = any(p.is_dir() or p.suffix.lower() in IMAGE_EXTENSIONS for p in entries)
    if images:
        raise DataError(
            f"'{sub}' is an image folder, not data files: load it with load_split, which lists its images"
        )
    return sorted(p for p in entries if p.is_file() and p.suffix.lower() in DATA_EXTENSIONS)


# --------------------------------------------------------------------------- readers


def _read_parquet(path: Path):
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise DataError(f"cannot read Parquet file '{path}': {exc}") from exc
    return _from_arrow(table)


def _read_csv(path: Path, sep: str):
    import pandas as pd

    try:
        frame = pd.read_csv(path, sep=sep)
    except UnicodeDecodeError as exc:
        raise DataError(utf8_error_message(path) or f"'{path}' is not UTF-8: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"file is empty: '{path}'") from exc
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"malformed {'TSV' if sep == chr(9) else 'CSV'} in '{path}': {_short(exc)}") from exc
    return _from_pandas(frame, f"'{path}'")


def _read_json(path: Path):
    """JSONL through pyarrow (fast); JSON arrays and odd files through the json module."""
    message = utf8_error_message(path)
    if message:
        raise DataError(message)
    layout = _json_layout(path)
    if not layout:
        raise DataError(f"file is empty: '{path}'")
    if layout == "array" or (layout == "document" and path.suffix.lower() == ".json"):
        return _from_rows(_rows_of_document(_load_json_document(path), path), f"'{path}'")
    import pyarrow as pa
    import pyarrow.json as pj

    try:
        return _from_arrow(pj.read_json(path))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass  # find the bad line, or let the json module merge types pyarrow would not
    rows = list(_iter_json_lines(path))
    return _from_rows(rows, f"'{path}'")


def _json_layout(path: Path) -> str:
    """``array``, ``lines`` (first line a whole object) or ``document`` (one object over many lines);
    ``""`` if blank."""
    with open(path, encoding="utf-8-sig") as handle:
        for line in handle:
            if line.strip():
                if line.lstrip().startswith("["):
                    return "array"
                try:
                    return "lines" if isinstance(json.loads(line), dict) else "document"
                except json.JSONDecodeError:
                    return "document"
    return ""


def _iter_json_lines(path: Path):
    """Yield the objects of a JSON Lines file; DataError names the first bad line."""
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"malformed JSON in '{path}' line {number}: {exc.msg} (column {exc.colno})") from exc
            if not isinstance(row, dict):
                raise DataError(f"'{path}' line {number} is a {type(row).__name__}, expected a JSON object")
            yield row


def _load_json_document(path: Path):
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise DataError(f"malformed JSON in '{path}' line {exc.lineno}: {exc.msg} (column {exc.colno})") from exc


def _rows_of_document(document: Any, path: Path) -> list[dict]:
    """Rows of a JSON document: a list of objects, or an object with one such list (``{"data": [...]}``)."""
    if isinstance(document, dict):
        lists = [v for v in document.values() if isinstance(v, list)]
        if len(lists) == 1:
            document = lists[0]
    if not isinstance(document, list) or not all(isinstance(r, dict) for r in document):
        raise DataError(f"'{path}' must hold JSON objects, one per line, or a list of objects")
    return document


def utf8_error_message(path: str | os.PathLike, max_bytes: int | None = None) -> str | None:
    """A message naming the line and byte offset of the first non-UTF-8 byte, None if the file is clean.

    A fast chunked check first, then a line scan of a bad file only; ``max_bytes``
    bounds both so a preview never reads a whole multi-GB file.
    """
    import codecs

    limit = max_bytes if max_bytes is not None else float("inf")
    decoder = codecs.getincrementaldecoder("utf-8")()
    done = 0
    try:
        with open(path, "rb") as handle:
            while done < limit and (chunk := handle.read(int(min(1 << 24, limit - done)))):
                decoder.decode(chunk)
                done += len(chunk)
            if max_bytes is None:
                decoder.decode(b"", final=True)
        return None
    except UnicodeDecodeError:
        pass
    offset = 0
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.end == len(line) and offset + len(line) >= limit:
                    return None  # a character cut by the limit, not a bad byte
                bad = line[exc.start:exc.start + 1].hex()
                return (f"'{path}' is not UTF-8: byte 0x{bad} at offset {offset + exc.start} (line {number}); "
                        "save it as UTF-8")
            offset += len(line)
            if offset >= limit:
                return None
    return f"'{path}' is not UTF-8 (it ends inside a multi-byte character); save it as UTF-8"


# --------------------------------------------------------------------------- conversions


def split_files_exist(folder: Path, split: str) -> bool:
    try:
        return bool(split_files(folder, split))
    except DataError:
        return False


def _guarded(reader, path: Path):
    """Run a file reader; anything it raises that is not already a DataError becomes one naming the file."""
    try:
        return reader(path)
    except DataError:
        raise
    except Exception as exc:  # a reader library failing on odd bytes must not surface as a traceback
        raise DataError(f"could not read '{path}' as {_format(path)}: {_short(exc)}") from exc


def _is_dataframe(obj: Any) -> bool:
    return type(obj).__name__ == "DataFrame" and type(obj).__module__.startswith("pandas")


def _from_arrow(table):
    """A Dataset of an Arrow table; ``large_string`` (pandas 3, Parquet) becomes ``string`` like JSONL's."""
    import datasets
    import pyarrow as pa

    fields = [f.with_type(pa.string()) if f.type == pa.large_string() else f for f in table.schema]
    with contextlib.suppress(pa.ArrowException):  # a column over 2 GB stays large_string
        table = table.cast(pa.schema(fields, metadata=table.schema.metadata))
    return datasets.Dataset(table)


def _from_pandas(frame, what: str):
    import pyarrow as pa

    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except Exception as exc:  # pyarrow cannot type a column (mixed values)
        raise DataError(f"cannot convert {what} to a dataset: {_short(exc)}") from exc
    return _from_arrow(table)


def _from_rows(rows: list, what: str):
    import datasets

    if not rows:
        raise DataError(f"{what} has no rows")
    try:
        return datasets.Dataset.from_list(rows)
    except Exception as exc:  # types differ between rows
        clash = _first_type_clash(rows)
        if clash:
            column, row, first, other = clash
            raise DataError(
                f"column '{column}' of {what} mixes types: {first} in the first rows but {other} at row {row + 1}; "
                "make every value of the column the same type"
            ) from exc
        raise DataError(f"the rows of {what} do not share column types: {_short(exc)}") from exc


def _first_type_clash(rows: list) -> tuple[str, int, str, str] | None:
    """The first column whose values change type (None aside): (column, row, first type, other type)."""
    seen: dict[str, type] = {}
    for index, row in enumerate(rows):
        for key, value in row.items():
            if value is None:
                continue
            kind = float if isinstance(value, int) and not isinstance(value, bool) else type(value)
            if key not in seen:
                seen[key] = kind
            elif seen[key] is not kind:
                return key, index, seen[key].__name__, type(value).__name__
    return None


def _short(exc: Exception) -> str:
    text = " ".join(str(a) for a in exc.args) if exc.args else str(exc)
    return text.strip().splitlines()[-1] if text.strip() else type(exc).__name__


# --------------------------------------------------------------------------- Hub


def _hub_reachable(timeout: float = 3.0) -> bool:
    """A quick TCP check of the Hub endpoint, so a machine without network fails in seconds.

    With a proxy configured the check is skipped (the proxy decides).
    """
    import socket
    from urllib.parse import urlparse

    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def _offline_mode():
    """Switch datasets and huggingface_hub to offline mode for one call (cache only, no retries)."""
    import datasets.config
    from huggingface_hub import constants

    with _OFFLINE_LOCK:
        saved = datasets.config.HF_HUB_OFFLINE, constants.HF_HUB_OFFLINE
        datasets.config.HF_HUB_OFFLINE = constants.HF_HUB_OFFLINE = True
        try:
            yield
        finally:
            datasets.config.HF_HUB_OFFLINE, constants.HF_HUB_OFFLINE = saved


def _hub_error(dataset_id: str, split: str, exc: Exception) -> DataError:
    from datasets.exceptions import DatasetNotFoundError

    text = _short(exc)
    if isinstance(exc, DataError):
        return exc
    lowered = text.lower()
    if isinstance(exc, ConnectionError) or any(w in lowered for w in ("offline", "reach", "not cached")):
        return DataError(
            f"could not reach the Hugging Face Hub to load dataset '{dataset_id}' (offline?): "
            "download it or pass a local path"
        )
    if isinstance(exc, DatasetNotFoundError):
        return DataError(
            f"dataset '{dataset_id}' was not found on the Hugging Face Hub "
            "(check the id; a private or gated dataset needs a token)"
        )
    return DataError(f"could not load split '{split}' of Hub dataset '{dataset_id}': {text}")
