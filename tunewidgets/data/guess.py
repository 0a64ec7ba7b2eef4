"""Guess the column mapping from the columns' names and values, and say how sure the guess is.

Each role of the task says what it wants (the kind of values, its usual names, best first). A role is
guessed from a column's name when one matches, from the values when only one column can be it, or from
the shape of the data (a prompt that both answers of a preference pair start with); a role it cannot
decide is left empty with a hint, never filled wrongly. A column is never given two roles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..config.task_spec import Role
from .chat import is_conversational

_IMAGE_SUFFIX = re.compile(r"\.(jpe?g|png|gif|bmp|webp|tiff?)$", re.IGNORECASE)


@dataclass(frozen=True)
class Guess:
    """One role's guess: the column (or columns), how it was found, and what to tell the user."""

    column: Any  # a column name, a list of them (many-column roles), or None
    how: str  # name | values | shape | "" (not guessed)
    note: str


def guess_roles(spec, columns: list[str], sample_rows: list[dict] | None = None) -> dict[str, Guess]:
    """A Guess for every role of the task ``spec``, in the roles' order."""
    columns = [str(c) for c in columns]
    kinds = {c: kind_of(c, sample_rows) for c in columns}
    taken: set[str] = set()
    found: dict[str, Guess] = {}
    for role in spec.roles:
        fits = [c for c in columns if c not in taken and _fits(kinds[c], role.kind)]
        guess = _guess(role, fits, found, sample_rows)
        if guess.column is not None:
            taken.update(guess.column if isinstance(guess.column, list) else [guess.column])
        found[role.key] = guess
    return found


def _guess(role: Role, fits: list[str], found: dict[str, Guess], rows: list[dict] | None) -> Guess:
    for other, names in role.only_with.items():
        partner = found.get(other)
        if partner is None or partner.column is None or _norm(str(partner.column)) not in {_norm(n) for n in names}:
            return Guess(None, "", _hint(role))
    choice = _by_name(fits, role.names, role.suffixes)
    if choice is not None:
        return Guess([choice] if role.many else choice, "name", f"from its name '{choice}'")
    if role.prefix_of and rows:
        choice = _shared_prefix(fits, [found.get(key) for key in role.prefix_of], rows)
        if choice is not None:
            return Guess(choice, "shape", f"'{choice}' starts both answers: it is their prompt")
    if rows and role.required and role.by_values and not role.many:
        choice = _by_kind(fits, role.kind, rows)
        if choice is not None:
            return Guess(choice, "values", f"from its values: '{choice}' is the only likely column; check it")
    return Guess(None, "", _hint(role))


def _hint(role: Role) -> str:
    if role.required:
        return f"not guessed: choose the column that holds {role.help}"
    return f"optional: {role.help}"


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _by_name(columns: list[str], names: tuple[str, ...], suffixes: tuple[str, ...] = ()) -> str | None:
    """The column whose name comes first in ``names`` (ignoring case, spaces, _ and -), else the first whose
    name ends in one of ``suffixes`` (PassengerId for an id)."""
    normalized = {_norm(c): c for c in reversed(columns)}
    for name in names:
        if _norm(name) in normalized:
            return normalized[_norm(name)]
    for suffix in suffixes:
        for column in columns:
            if _ends_with_word(column, suffix):
                return column
    return None


def _ends_with_word(column: str, word: str) -> bool:
    """``PassengerId``, ``passenger_id``, ``row-ID`` end with the word ``id``; ``Paid`` does not."""
    if len(column) <= len(word) or not column.lower().endswith(word.lower()):
        return False
    before, first = column[-len(word) - 1], column[-len(word)]
    return before in "_- ." or (before.islower() and first.isupper())


def _shared_prefix(columns: list[str], answers: list[Guess | None], rows: list[dict]) -> str | None:
    """The column whose text starts both guessed answers in every sample row (HH-RLHF style pairs)."""
    if any(a is None or not isinstance(a.column, str) for a in answers):
        return None
    for column in columns:
        values = [(r.get(column), *(r.get(a.column) for a in answers)) for r in rows]
        if values and all(isinstance(v, str) and v.strip() and all(isinstance(x, str) and x.startswith(v)
                                                                   for x in rest) for v, *rest in values):
            return column
    return None


def _by_kind(columns: list[str], wanted: str, rows: list[dict]) -> str | None:
    """With no name match: the single column of the right kind, or for text the one with the longest values."""
    kinds = {c: kind_of(c, rows) for c in columns}
    if wanted in ("text", "chat_or_text"):
        chats = [c for c in columns if kinds[c] == "chat"]
        if chats:
            return chats[0] if len(chats) == 1 else None
        texts = [c for c in columns if kinds[c] in ("text", "string")]
        return max(texts, key=lambda c: _mean_length(c, rows), default=None)
    exact = [c for c in columns if kinds[c] == {"label": "int", "number": "number"}.get(wanted, wanted)]
    return exact[0] if len(exact) == 1 else None


def _mean_length(column: str, rows: list[dict]) -> float:
    values = [len(r[column]) for r in rows if isinstance(r.get(column), str)]
    return sum(values) / len(values) if values else 0.0


def kind_of(column: str, rows: list[dict] | None) -> str:
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
