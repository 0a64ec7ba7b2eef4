"""The DataFrames and Datasets in the notebook's namespace, found without importing pandas or datasets."""

from __future__ import annotations

from typing import Any

from ..data.snapshot import table_kind


def list_variables(namespace: dict | None) -> list[tuple[str, str]]:
    """(label, name) for the DataFrames and Datasets in a namespace, without importing pandas or datasets."""
    found = []
    for name, obj in (namespace or {}).items():
        if name.startswith("_"):
            continue
        kind = table_kind(obj)
        if kind:
            found.append((f"{name}  ({kind}{rows_text(obj)})", name))
    return sorted(found, key=lambda item: item[1].lower())


def rows_text(obj: Any) -> str:
    try:
        if type(obj).__name__ == "DatasetDict":
            return ", splits " + ", ".join(obj.keys())
        return f", {len(obj):,} rows"
    except Exception:  # noqa: BLE001
        return ""
