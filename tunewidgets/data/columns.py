"""Column mapping: check it, apply it, and guess it.

AutoTrain configs name the user's columns per role (``text_column: review``).
Checking happens before anything trains, with messages that name the role, the
closest existing column and the columns there are; applying renames the
columns to the names the trainers read, so no trainer deals with user names.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from ..config.tasks import TASKS, TaskSpec, canonical_task
from ..errors import DataError
from .chat import is_conversational


def check_column_mapping(columns: list[str], mapping: dict[str, Any], task: str) -> None:
    """Raise DataError unless every required role is mapped to a column that exists."""
    info = _task(task)
    roles = {r.key: r for r in info.roles}
    columns = [str(c) for c in columns]
    have = ", ".join(columns) or "(none)"
    for key in mapping:
        if key not in roles:
            close = difflib.get_close_matches(key, list(roles), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise DataError(f"unknown column role '{key}' for task {info.name}{hint} roles: {', '.join(roles)}")
    used: dict[str, str] = {}
    for role in info.roles:
        names = _names(mapping.get(role.key), role)
        if not names:
            if role.required:
                guess = guess_column_mapping(info.name, columns).get(role.key)
                hint = f"; e.g. {role.key}: {guess}" if isinstance(guess, str) else ""
                raise DataError(f"{role.key} ({role.help}) is required for task {info.name}{hint}; columns: {have}")
            continue
        for name in names:
            if name not in columns:
                raise DataError(f"column '{name}' ({role.key}) not found{_did_you_mean(name, columns)}columns: {have}")
            if name in used:
                raise DataError(f"column '{name}' is mapped to both {used[name]} and {role.key}: use it for one role")
            used[name] = role.key


def apply_column_mapping(dataset, mapping: dict[str, Any], task: str):
    """Check the mapping, rename the mapped columns to their canonical names and drop the rest.

    A task whose unmapped columns are features (tabular) keeps every column and its names.
    """
    info = _task(task)
    check_column_mapping(list(dataset.column_names), mapping, info.name)
    if info.keeps_unmapped_columns:
        return dataset
    renames = {}
    for role in info.roles:
        names = _names(mapping.get(role.key), role)
        if names:
            renames[names[0]] = role.renamed_to
    dataset = dataset.select_columns(list(renames))
    return dataset.rename_columns({old: new for old, new in renames.items() if old != new})


def guess_column_mapping(task: str, columns: list[str], sample_rows: list[dict] | None = None) -> dict[str, Any]:
    """A best guess of the mapping from column names and, when given, sample values.

    Names are matched against the usual spellings per role; sample values rule
    out columns of the wrong kind (numbers as text, prose as a label) and fill
    roles no name matched. A column is never given two roles; roles with no good
    candidate are left out.
    """
    info = _task(task)
    columns = [str(c) for c in columns]
    kinds = {c: _kind_of(c, sample_rows) for c in columns}
    taken: set[str] = set()
    mapping: dict[str, Any] = {}
    for role in info.roles:
        wanted = role.kind
        fits = [c for c in columns if c not in taken and _fits(kinds[c], wanted)]
        choice = _by_name(fits, list(role.names))
        if choice is None and sample_rows and role.required and not role.many:
            choice = _by_kind(fits, wanted, sample_rows)
        if choice is not None:
            mapping[role.key] = [choice] if role.many else choice
            taken.add(choice)
    return mapping


# --------------------------------------------------------------------------- checking helpers


def _task(task: str) -> TaskSpec:
    name = canonical_task(task)
    if name is None:
        close = difflib.get_close_matches(str(task), list(TASKS), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise DataError(f"unknown task '{task}'{hint} tasks: {', '.join(TASKS)}")
    return TASKS[name]


def _names(value: Any, role) -> list[str]:
    """The column names a mapping value gives: none, one, or (for many-column roles) several."""
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        if len(value) > 1 and not role.many:
            raise DataError(f"{role.key} takes one column, got {len(value)}: {', '.join(value)}")
        return list(value)
    raise DataError(f"{role.key} must be a column name, got {value!r}")


def _did_you_mean(name: str, columns: list[str]) -> str:
    lowered = {c.lower(): c for c in columns}
    close = [lowered[name.lower()]] if name.lower() in lowered else difflib.get_close_matches(name, columns, n=1)
    return f"; did you mean '{close[0]}'? " if close else "; "


# --------------------------------------------------------------------------- guessing helpers

_IMAGE_SUFFIX = re.compile(r"\.(jpe?g|png|gif|bmp|webp|tiff?)$", re.IGNORECASE)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _by_name(columns: list[str], names: list[str]) -> str | None:
    """The column whose name comes first in ``names`` (ignoring case, spaces, _ and -)."""
    normalized = {_norm(c): c for c in reversed(columns)}
    for name in names:
        if _norm(name) in normalized:
            return normalized[_norm(name)]
    return None


def _by_kind(columns: list[str], wanted: str, rows: list[dict]) -> str | None:
    """With no name match: the single column of the right kind, or for text the one with the longest values."""
    kinds = {c: _kind_of(c, rows) for c in columns}
    if wanted in ("text", "chat_or_text"):
        chats = [c for c in columns if kinds[c] == "chat"]
        if chats:
            return chats[0]
        texts = [c for c in columns if kinds[c] in ("text", "string")]
        return max(texts, key=lambda c: _mean_length(c, rows), default=None)
    exact = [c for c in columns if kinds[c] == {"label": "int", "number": "number"}.get(wanted, wanted)]
    return exact[0] if len(exact) == 1 else None


def _mean_length(column: str, rows: list[dict]) -> float:
    values = [len(r[column]) for r in rows if isinstance(r.get(column), str)]
    return sum(values) / len(values) if values else 0.0


def _kind_of(column: str, rows: list[dict] | None) -> str:
    """The kind of a column's sample values: chat, text (prose), string (short), int, number, bool,
    list, dict, image or unknown."""
    values = [r.get(column) for r in rows or [] if isinstance(r, dict) and r.get(column) is not None]
    if not values:
        return "unknown"
    value = values[0]
    if is_conversational(value):
        return "chat"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int) or type(value).__name__.startswith("int"):
        return "int"
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        return "number"
    if isinstance(value, str):
        if _IMAGE_SUFFIX.search(value):
            return "image"
        return "text" if _mean_length(column, rows) > 30 or len(value.split()) > 3 else "string"
    if isinstance(value, dict):
        return "image" if {"bytes", "path"} & set(value) else "dict"
    if isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray":
        return "list"
    if type(value).__module__.startswith("PIL"):
        return "image"
    return "unknown"


def _fits(kind: str, wanted: str) -> bool:
    """Whether values of ``kind`` can fill a role that wants ``wanted`` (unknown fits anything)."""
    if kind == "unknown" or wanted == "any":
        return True
    allowed = {
        "text": {"text", "string"},
        "chat_or_text": {"text", "string", "chat"},
        "label": {"string", "int", "bool", "number"},
        "number": {"int", "number"},
        "list": {"list"},
        "dict": {"dict", "list"},
        "image": {"image", "string", "dict"},
    }
    return kind in allowed.get(wanted, {kind})
