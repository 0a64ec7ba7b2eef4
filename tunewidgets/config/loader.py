"""YAML in and out, ${ENV} substitution and --set overrides.

Every problem becomes a ConfigError with one line that names the path, so the
CLI, the app and the tests report the same thing.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import ValidationError

from ..errors import ConfigError
from .errors_format import format_validation_error
from .run_config import RunConfig

_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Secrets are written as references to the environment, never as values.
SECRET_FIELDS = {("hub", "token"): "${HF_TOKEN}"}


def substitute_env(value: Any, path: str = "") -> Any:
    """Replace ${VAR} by the environment's value, recursively.

    A value that is only ``${VAR}`` with VAR unset becomes None (AutoTrain's
    configs carry ``${HF_TOKEN}`` that many users never set); a reference
    inside a longer string with VAR unset is an error.
    """
    if isinstance(value, dict):
        return {k: substitute_env(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_env(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value
    whole = _ENV_RE.fullmatch(value.strip())
    if whole:
        return os.environ.get(whole.group(1)) or None

    def _replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"{path}: environment variable {name} is not set")
        return os.environ[name]

    return _ENV_RE.sub(_replace, value)


def parse_overrides(items: Iterable[str] | None) -> dict:
    """``["params.lr=1e-4", "data.path=x"]`` -> a nested dict (values parsed as YAML)."""
    result: dict = {}
    for item in items or []:
        if "=" not in item:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. --set params.lr=1e-4")
        key, raw = item.split("=", 1)
        key = key.strip()
        if not key or any(not part for part in key.split(".")):
            raise ConfigError(f"--set {item!r}: empty key")
        try:
            value = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError:
            value = raw
        if isinstance(value, str):
            value = _maybe_number(value)
        node = result
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {item!r}: {part} is not a section")
        node[parts[-1]] = value
    return result


def _maybe_number(text: str) -> Any:
    """YAML 1.1 reads 1e-4 as a string; users mean a number."""
    try:
        return float(text) if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+", text) else text
    except ValueError:
        return text


def deep_merge(base: dict, overrides: dict) -> dict:
    """``overrides`` merged into a copy of ``base`` (nested dicts merged, the rest replaced)."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "column_mapping":
            merged[key] = deep_merge(merged[key], value)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def read_yaml(path: str | Path) -> dict:
    """A config file as a dict, or a ConfigError naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file '{path}' does not exist")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    return parse_yaml_text(text, str(path))


def parse_yaml_text(text: str, name: str = "config") -> dict:
    """YAML text as a dict, or a ConfigError with the line and column."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{name}:{where}: invalid YAML: {problem}") from None
    if data is None:
        raise ConfigError(f"{name}: the config is empty")
    if not isinstance(data, dict):
        raise ConfigError(f"{name}: a config is a mapping of keys (task, base_model, data, params ...), "
                          f"got {type(data).__name__}")
    return data


def config_from_dict(data: dict, overrides: dict | Iterable[str] | None = None) -> RunConfig:
    """Validate a plain dict (env substituted, overrides merged) into a RunConfig."""
    if not isinstance(data, dict):
        raise ConfigError(f"a config is a mapping, got {type(data).__name__}")
    if overrides:
        over = overrides if isinstance(overrides, dict) else parse_overrides(overrides)
        data = deep_merge(data, over)
    data = substitute_env(data)
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, RunConfig)) from None


def load_config(source: str | Path | dict | RunConfig, overrides: dict | Iterable[str] | None = None) -> RunConfig:
    """A RunConfig from a YAML path, YAML text, a dict or a RunConfig, with overrides."""
    if isinstance(source, RunConfig):
        if not overrides:
            return source
        source = config_to_dict(source, secrets="keep")
    if isinstance(source, (str, Path)):
        text = str(source)
        if "\n" in text or (":" in text and not Path(text).exists() and not text.endswith((".yml", ".yaml"))):
            source = parse_yaml_text(text)
        else:
            source = read_yaml(source)
    return config_from_dict(source, overrides)


def config_to_dict(config: RunConfig, secrets: str = "env") -> dict:
    """The config as plain data in AutoTrain's layout.

    ``secrets="env"`` writes ``${HF_TOKEN}`` in place of the token (for files
    and exports); ``"keep"`` keeps the value (in memory only, never written).
    """
    data = config.model_dump(mode="json", exclude={"hub": {"token"}})
    token = config.hub_token
    data["hub"]["token"] = (token if secrets == "keep" else "${HF_TOKEN}")
    ordered = {k: data[k] for k in ("task", "base_model", "project_name", "log", "backend", "data", "params", "hub")}
    if data.get("sweep") is not None:  # an extension: a config without a sweep is written as before
        from .sweep import tidy_section

        ordered["sweep"] = tidy_section(data["sweep"])
    return ordered


def dump_config(config: RunConfig, path: str | Path | None = None) -> str:
    """YAML text of the config with secrets as ${VAR}; written to ``path`` if given."""
    text = yaml.safe_dump(config_to_dict(config, secrets="env"), sort_keys=False, allow_unicode=True)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
