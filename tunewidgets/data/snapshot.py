"""Write in-memory data (a DataFrame or Dataset from the kernel) to a file once, so a run's config reruns headless.

A run trained on a kernel object records where a copy of that data lies: the app's export and the run's
config.yml name the same file, whatever the run mode. The file's name carries a digest of its content, so
the same data is written once however often it is asked for (the app's Export, a Train click, a subprocess
run); the object itself is remembered too, so asking again costs nothing.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()
_WRITTEN: dict[tuple, tuple[Any, Any, dict]] = {}  # (ids of the objects, splits, folder) -> (train, valid, result)


def table_kind(obj: Any) -> str | None:
    """DataFrame, Dataset or DatasetDict (read off the type, without importing pandas or datasets), else None."""
    module = type(obj).__module__ or ""
    cls = type(obj).__name__
    if module.startswith("pandas") and cls == "DataFrame":
        return "DataFrame"
    if module.startswith("datasets") and cls in ("Dataset", "DatasetDict"):
        return cls
    return None


def _jsonl(frame: Any) -> str:
    if table_kind(frame) == "Dataset":
        frame = frame.to_pandas()
    text = frame.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
    return text if text.endswith("\n") else text + "\n"


def split_parts(data: Any, valid: Any = None, split: str = "train", valid_split: str | None = None) -> tuple:
    """(train, valid) objects: a DatasetDict gives its ``split`` (and ``valid_split``, when it has it)."""
    if table_kind(data) != "DatasetDict":
        return data, valid
    if valid is None and valid_split and valid_split in data:
        valid = data[valid_split]
    return data[split], valid


def snapshot(data: Any, folder: str | Path, name: str = "data", *, valid: Any = None, split: str = "train",
             valid_split: str | None = None) -> dict:
    """``{"path", "train_split", "valid_split"}``: where a copy of ``data`` (and ``valid``) lies under ``folder``.

    Train alone becomes ``<folder>/<name>-<digest>.jsonl``; with validation data a folder
    ``<name>-<digest>/`` holds ``train.jsonl`` and ``valid.jsonl``. For a DatasetDict ``split`` is its
    training split and ``valid_split`` (when it has one) its validation split. The same objects asked for
    again (under any name) give the same files, written once.
    """
    folder = Path(folder)
    train, valid = split_parts(data, valid, split, valid_split)
    key = (id(train), id(valid), str(folder))
    with _LOCK:
        known = _WRITTEN.get(key)
        if known is not None and known[0] is train and known[1] is valid and Path(known[2]["path"]).exists():
            return dict(known[2])
        texts = {"train": _jsonl(train)}
        if valid is not None:
            texts["valid"] = _jsonl(valid)
        digest = hashlib.sha1("\0".join(texts.values()).encode("utf-8")).hexdigest()[:10]
        stem = f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name) or 'data'}-{digest}"
        if valid is None:
            target = folder / f"{stem}.jsonl"
            _write_once(target, texts["train"])
            result = {"path": str(target), "train_split": "train", "valid_split": None}
        else:
            target = folder / stem
            for part, text in texts.items():
                _write_once(target / f"{part}.jsonl", text)
            result = {"path": str(target), "train_split": "train", "valid_split": "valid"}
        _WRITTEN[key] = (train, valid, result)
        return dict(result)


def _write_once(path: Path, text: str) -> None:
    """Atomically, and only when absent: the name says what is in it."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
