"""The ``sweep:`` section: a hyperparameter search over any field of a run config.

An extension beyond AutoTrain's format; a config without it is unchanged. Pure pydantic (no optuna, no torch):
``tunewidgets sweep`` and the app's Sweep panel read it, ``tunewidgets.sweep`` runs it with Optuna.

.. code-block:: yaml

    sweep:
      trials: 8
      metric: eval_loss              # a metrics.jsonl key
      direction: minimize
      params:
        params.lr: {type: loguniform, low: 1.0e-5, high: 1.0e-3}
        params.batch_size: {type: categorical, choices: [4, 8]}
        params.lora_r: {type: int, low: 8, high: 64, step: 8}
      sampler: tpe                   # tpe | random | grid
      pruner: median                 # median | none (fed from the metric as it is logged during training)
      storage: null                  # default: sqlite in the project folder; any Optuna RDB URL (postgresql://...)
      timeout: null                  # seconds: no new trial starts after it

Every range is checked where it is written: the dotted key must name a field of the config, and the range's ends
(and a value inside it, and every choice) must be values that field accepts; ``check_sweep`` does it by validating
configs with those values set, the same way each sampled trial is validated.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import field_validator, model_validator

from ..errors import ConfigError
from .fields import BASIC, StrictModel, field

if TYPE_CHECKING:  # pragma: no cover
    from .run_config import RunConfig

RANGE_TYPES = ("loguniform", "uniform", "int", "categorical")
SAMPLERS = ("tpe", "random", "grid")
# Sections of the run config a sweep may vary; the rest (task, project_name, hub, sweep itself) name the run.
SWEEPABLE_SECTIONS = ("base_model", "data", "params")
_NUMBER_RE = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _number(value: Any) -> Any:
    """YAML 1.1 reads 1e-4 as a string: a user means the number."""
    if isinstance(value, str) and _NUMBER_RE.fullmatch(value.strip()):
        text = value.strip()
        return float(text) if any(c in text for c in ".eE") else int(text)
    return value


class ParamRange(StrictModel):
    """The values one field takes in the sweep."""

    type: Literal["loguniform", "uniform", "int", "categorical"] = field(
        ..., "loguniform | uniform (floats), int (integers), categorical (a list of choices).", BASIC)
    low: float | None = field(None, "Lowest value (loguniform, uniform, int).", BASIC)
    high: float | None = field(None, "Highest value (loguniform, uniform, int).", BASIC)
    step: float | None = field(None, "Step between values (uniform, int); the grid sampler needs it for floats.",
                               BASIC, gt=0)
    choices: list[Any] | None = field(None, "The values to try (categorical).", BASIC)

    @field_validator("low", "high", "step", mode="before")
    @classmethod
    def _numbers(cls, value):
        return _number(value)

    @field_validator("choices", mode="before")
    @classmethod
    def _choice_numbers(cls, value):
        return [_number(v) for v in value] if isinstance(value, list) else value

    @model_validator(mode="after")
    def _check_range(self):
        if self.type == "categorical":
            if not self.choices:
                raise ValueError("a categorical range needs choices: a non-empty list of values")
            if self.low is not None or self.high is not None or self.step is not None:
                raise ValueError("a categorical range takes choices, not low/high/step")
            return self
        if self.choices is not None:
            raise ValueError(f"a {self.type} range takes low and high, not choices (use type: categorical)")
        if self.low is None or self.high is None:
            raise ValueError(f"a {self.type} range needs low and high")
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is greater than high ({self.high:g})")
        if self.type == "loguniform":
            if self.low <= 0:
                raise ValueError(f"a loguniform range needs low > 0 (got {self.low:g})")
            if self.step is not None:
                raise ValueError("a loguniform range takes no step")
        if self.type == "int":
            for name in ("low", "high", "step"):
                value = getattr(self, name)
                if value is not None and float(value) != int(value):
                    raise ValueError(f"an int range needs whole numbers: {name} is {value:g}")
        return self

    # --- the values a check tries
    def probe_values(self) -> list[Any]:
        """Values that must fit the field: the ends, one inside (fractional for float types), every choice."""
        if self.type == "categorical":
            return list(self.choices or [])
        low, high = float(self.low), float(self.high)
        if self.type == "int":
            return sorted({int(low), int(high), int(low + (high - low) // 2)})
        inside = math.sqrt(low * high) if self.type == "loguniform" else (low + high) / 2
        if self.step is not None:
            inside = low + self.step * math.floor((high - low) / self.step / 2)
        # A float range must fit a float field: a value with a fraction fails an int field even when low and
        # high happen to be whole numbers.
        if inside == int(inside) and self.step is None:
            inside = low + (high - low) * 0.37
        return [low, high, inside]

    def grid_values(self) -> list[Any]:
        """Every value of the range, for the grid sampler."""
        if self.type == "categorical":
            return list(self.choices or [])
        if self.type == "int":
            return list(range(int(self.low), int(self.high) + 1, int(self.step or 1)))
        if self.step is None:
            raise ValueError("the grid sampler needs a step for a float range (or type: categorical)")
        count = int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1
        return [round(self.low + i * self.step, 12) for i in range(count)]


class SweepConfig(StrictModel):
    """A hyperparameter search: which fields vary, what is optimised, and where the study is kept."""

    trials: int = field(10, "Trials in total: a rerun continues the same study up to this number.", BASIC, ge=1)
    metric: str = field("eval_loss", "The metrics.jsonl key to optimise (its last logged value).", BASIC)
    direction: Literal["minimize", "maximize"] = field("minimize", "Minimize or maximize the metric.", BASIC)
    params: dict[str, ParamRange] = field(
        ..., "The ranges: dotted config keys (params.lr, params.batch_size, ...) to ranges.", BASIC)
    sampler: Literal["tpe", "random", "grid"] = field("tpe", "tpe (default), random or grid.", BASIC)
    pruner: Literal["median", "none"] = field(
        "median", "median stops a trial whose metric, as it is logged during training, is worse than the median "
        "of earlier trials at the same step; none runs every trial to its end.", "advanced")
    storage: str | None = field(
        None, "Where the study lives: default an SQLite file in the project folder; any Optuna RDB URL "
        "(postgresql://..., mysql://...) lets workers on several machines share one study.", "advanced")
    study_name: str | None = field(None, "The study's name in the storage (default: project_name).", "advanced")
    timeout: float | None = field(None, "Seconds after which no new trial starts (default: none).", "advanced",
                                  gt=0)
    seed: int | None = field(None, "Seed of the sampler (one worker then samples the same ranges again).",
                             "advanced")

    @field_validator("params")
    @classmethod
    def _some_params(cls, value: dict):
        if not value:
            raise ValueError("a sweep needs at least one range, e.g. params.lr: {type: loguniform, low: 1e-5, "
                             "high: 1e-3}")
        return value

    @model_validator(mode="after")
    def _check_grid(self):
        if self.sampler == "grid":
            for key, rng in self.params.items():
                try:
                    rng.grid_values()
                except ValueError as exc:
                    raise ValueError(f"params.{key}: {exc}") from None
        return self

    def grid_size(self) -> int:
        size = 1
        for rng in self.params.values():
            size *= len(rng.grid_values())
        return size


def tidy_section(data: dict) -> dict:
    """The sweep section as written to YAML: each range without its unused keys (a round trip gives it back)."""
    ranges = {key: {k: v for k, v in rng.items() if v is not None} for key, rng in data.get("params", {}).items()}
    return {**data, "params": ranges}


def set_dotted(data: dict, key: str, value: Any) -> dict:
    """``data`` with ``a.b.c`` set to ``value`` (nested dicts created as needed; ``data`` is changed)."""
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value
    return data


def check_key(config: "RunConfig", key: str) -> None:
    """A ConfigError unless ``key`` names a field of ``config`` that a sweep may vary."""
    from .errors_format import closest

    parts = key.split(".")
    where = f"sweep.params.{key}"
    valid_keys = ["base_model", *(f"data.{name}" for name in type(config.data).model_fields),
                  *(f"params.{name}" for name in type(config.params).model_fields)]
    if parts[0] not in SWEEPABLE_SECTIONS or len(parts) != (1 if parts[0] == "base_model" else 2):
        hint = closest(key, valid_keys) or closest(f"params.{key}", valid_keys)
        raise ConfigError(f"{where}: not a field a sweep can vary" + (f"; did you mean '{hint}'?" if hint else "")
                          + "; use a dotted key such as params.lr, params.batch_size or data.chat_template")
    if parts[0] == "base_model":
        return
    owner = type(getattr(config, parts[0]))
    if parts[1] not in owner.model_fields:
        hint = closest(key, valid_keys)
        raise ConfigError(f"{where}: unknown key of {config.task} {parts[0]}"
                          + (f"; did you mean '{hint}'?" if hint else ""))


def check_sweep(config: "RunConfig") -> None:
    """Check every range of ``config.sweep`` against the config's own schema (ConfigError naming the key)."""
    from .loader import config_from_dict, config_to_dict

    sweep = config.sweep
    if sweep is None:
        return
    base = config_to_dict(config, secrets="keep")
    base.pop("sweep", None)
    for key, rng in sweep.params.items():
        check_key(config, key)
        for value in rng.probe_values():
            candidate = set_dotted(_copy(base), key, value)
            try:
                config_from_dict(candidate)
            except ConfigError as exc:
                what = "choice" if rng.type == "categorical" else f"{rng.type} range value"
                raise ConfigError(f"sweep.params.{key}: the {what} {value!r} does not fit the field: {exc}") from None


def trial_config(config: "RunConfig", values: dict[str, Any], project_name: str) -> "RunConfig":
    """The plain config (no sweep section) of one trial: ``values`` set, the run directory ``project_name``."""
    from .loader import config_from_dict, config_to_dict

    data = config_to_dict(config, secrets="keep")
    data.pop("sweep", None)
    for key, value in values.items():
        set_dotted(data, key, value)
    data["project_name"] = project_name
    return config_from_dict(data)


def without_sweep(config: "RunConfig") -> "RunConfig":
    """The config as a plain run (what ``tunewidgets train`` trains)."""
    return config if config.sweep is None else config.model_copy(update={"sweep": None})


def _copy(data: dict) -> dict:
    import copy

    return copy.deepcopy(data)
