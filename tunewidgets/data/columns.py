"""Column mapping: check it and apply it (the guess lives in guess.py).

AutoTrain configs name the user's columns per role (``text_column: review``).
Checking happens before anything trains, with messages that name the role, the
closest existing column and the columns there are; applying renames the
columns to the names the trainers read, so no trainer deals with user names.
"""

from __future__ import annotations

import difflib
from typing import Any

from ..config.tasks import TASKS, TaskSpec, canonical_task
from ..errors import DataError


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
    check_column_mapping(column_names(dataset), mapping, info.name)
    if info.keeps_unmapped_columns:
        return dataset
    renames = {}
    for role in info.roles:
        names = _names(mapping.get(role.key), role)
        if names:
            renames[names[0]] = role.renamed_to
    dataset = dataset.select_columns(list(renames))
    return dataset.rename_columns({old: new for old, new in renames.items() if old != new})


def column_names(dataset) -> list[str]:
    """A dataset's columns; a stream whose format does not say them shows them in its first row."""
    names = dataset.column_names
    if names is None:
        first = next(iter(dataset.take(1)), None)
        names = list(first) if first else []
    return list(names)


def guess_column_mapping(task: str, columns: list[str], sample_rows: list[dict] | None = None) -> dict[str, Any]:
    """The roles the guess (``data/guess.py``) is sure enough of: from names, values or the data's shape."""
    from .guess import guess_roles

    return {key: guess.column for key, guess in guess_roles(_task(task), columns, sample_rows).items()
            if guess.column is not None}


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
