"""Turn pydantic's errors into one line that names the path and the fix."""

from __future__ import annotations

import difflib
import typing

from pydantic import BaseModel, ValidationError


def closest(word: str, options: typing.Iterable[str]) -> str | None:
    """The option closest to ``word``, if any is close enough to suggest."""
    matches = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _model_at(model: type[BaseModel] | None, path: tuple) -> type[BaseModel] | None:
    """The pydantic model that owns the last key of ``path``."""
    for key in path:
        if model is None or not isinstance(key, str) or key not in model.model_fields:
            return None
        annotation = model.model_fields[key].annotation
        candidates = [annotation, *typing.get_args(annotation)]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return model


def _one(error: dict, model: type[BaseModel], prefix: tuple, task: str | None) -> str:
    loc = tuple(error.get("loc", ()))
    path = ".".join(str(p) for p in (*prefix, *loc)) or "config"
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        valid = list(owner.model_fields) if owner else []
        hint = closest(str(loc[-1]), valid) if loc else None
        where = f" of {task} params" if task and prefix == ("params",) and len(loc) == 1 else ""
        message = f"{path}: unknown key{where}"
        if hint:
            message += f"; did you mean '{hint}'?"
        elif valid:
            message += f"; valid keys: {', '.join(valid)}"
        return message
    if kind == "missing":
        return f"{path}: missing (required)"
    if kind == "literal_error":
        expected = (error.get("ctx") or {}).get("expected", "")
        return f"{path}: {error.get('input')!r} is not allowed; choose one of: {expected}"
    message = str(error.get("msg", "invalid value"))
    for noise in ("Value error, ", "Assertion failed, "):
        message = message.replace(noise, "")
    if "input" in error and kind not in ("value_error", "assertion_error") and not isinstance(error["input"], dict):
        message += f" (got {error['input']!r})"
    if not loc and not prefix and message.split(":")[0].replace(".", "").replace("_", "").isalnum():
        return message  # a model-level rule that already names its path
    return f"{path}: {message}"


def format_validation_error(
    exc: ValidationError, model: type[BaseModel], prefix: tuple = (), task: str | None = None
) -> str:
    """All of a ValidationError's problems on one line, the most useful first."""
    seen: list[str] = []
    for error in exc.errors():
        line = _one(error, model, prefix, task)
        # A union field reports one error per member: keep the first of each path.
        if not any(line.split(":")[0] == s.split(":")[0] for s in seen):
            seen.append(line)
    return "; ".join(seen) if seen else str(exc)
