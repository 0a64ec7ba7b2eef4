"""Field metadata shared by the YAML schema, the CLI and the generated form.

``field(...)`` wraps pydantic's ``Field`` and stores what a form needs (group,
help text, choices come from ``Literal`` annotations, bounds from ge/le) in
``json_schema_extra`` so the form never wires fields by hand.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

BASIC = "basic"
ADVANCED = "advanced"
HIDDEN = "hidden"  # accepted in YAML for AutoTrain compatibility, not shown in the form

OPTIMIZERS = Literal[
    "adamw_torch",
    "adamw_torch_fused",
    "adamw_8bit",
    "adamw_bnb_8bit",
    "paged_adamw_8bit",
    "paged_adamw_32bit",
    "adafactor",
    "sgd",
    "adagrad",
    "rmsprop",
    "lion_8bit",
    "paged_lion_8bit",
]
SCHEDULERS = Literal[
    "linear",
    "cosine",
    "cosine_with_restarts",
    "cosine_with_min_lr",
    "polynomial",
    "constant",
    "constant_with_warmup",
    "inverse_sqrt",
    "reduce_lr_on_plateau",
    "warmup_stable_decay",
]
PRECISIONS = Literal["fp16", "bf16", "none"]
STRATEGIES = Literal["no", "steps", "epoch"]


def field(default: Any, help: str, group: str = ADVANCED, **kwargs: Any) -> Any:
    """A pydantic Field carrying the form metadata (group, help)."""
    extra = dict(kwargs.pop("json_schema_extra", {}) or {})
    extra["group"] = group
    return Field(default, description=help, json_schema_extra=extra, **kwargs)


class StrictModel(BaseModel):
    """Unknown keys are errors; assignments are validated (the form assigns)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, protected_namespaces=())


@dataclass(frozen=True)
class FieldSpec:
    """Everything a form or a help screen needs to know about one field."""

    name: str
    default: Any
    help: str
    group: str
    kind: str  # bool | int | float | str | choice | list | dict
    choices: tuple | None
    optional: bool
    ge: float | None = None
    le: float | None = None
    gt: float | None = None
    lt: float | None = None


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, getattr(__import__("types"), "UnionType", None)) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]), True
    return tp, False


def _kind(tp: Any) -> tuple[str, tuple | None]:
    if typing.get_origin(tp) is Literal:
        return "choice", typing.get_args(tp)
    if tp is bool:
        return "bool", None
    if tp is int:
        return "int", None
    if tp is float:
        return "float", None
    if tp is str:
        return "str", None
    origin = typing.get_origin(tp)
    if origin in (list, tuple):
        return "list", None
    if origin is dict:
        return "dict", None
    if origin is typing.Union:  # e.g. int | list[int]: edit as text
        return "str", None
    return "str", None


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    """FieldSpecs for every field of ``model``, in declaration order."""
    specs = []
    for name, info in model.model_fields.items():
        tp, optional = _unwrap_optional(info.annotation)
        kind, choices = _kind(tp)
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        bounds: dict[str, float | None] = {"ge": None, "le": None, "gt": None, "lt": None}
        for meta in info.metadata:
            for key in bounds:
                if getattr(meta, key, None) is not None:
                    bounds[key] = getattr(meta, key)
        specs.append(
            FieldSpec(
                name=name,
                default=info.default,
                help=info.description or "",
                group=str(extra.get("group", ADVANCED)),
                kind=kind,
                choices=choices,
                optional=optional,
                **bounds,
            )
        )
    return specs
