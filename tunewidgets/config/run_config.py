"""The run config: AutoTrain's YAML layout, with the params model chosen by the task."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, SecretStr, SerializeAsAny, ValidationError, field_validator, model_validator

from ..errors import ConfigError
from .fields import BASIC, StrictModel, field
from .sweep import SweepConfig
from .tasks import TASKS, alias_params, all_task_names, canonical_task

LOGGERS = Literal["none", "tensorboard", "wandb", "mlflow", "comet_ml", "trackio", "all"]
_PROJECT_RE = re.compile(r"^[A-Za-z0-9_.\-/]+$")


class DataConfig(StrictModel):
    """Where the data is and which columns play which role."""

    path: str | None = field(None, "A file, a folder with <split>.csv|jsonl|parquet, or a Hub dataset id.", BASIC)
    train_split: str = field(
        "train", "Training split (a file name in the folder, or 'config:split' on the Hub).", BASIC
    )
    valid_split: str | None = field(None, "Validation split; evaluation runs on it when set.", BASIC)
    chat_template: str | None = field(
        None, "null, tokenizer, chatml, zephyr, or a path to a jinja file.", BASIC
    )
    column_mapping: dict[str, str | list[str] | None] = field(
        {}, "AutoTrain's column roles, e.g. {text_column: text}.", BASIC
    )
    streaming: bool = field(
        False, "Read the data as a stream (a Hub dataset or large local files) instead of loading it whole: for "
        "data larger than memory or disk; needs params.max_steps.", "advanced"
    )

    @field_validator("column_mapping", mode="before")
    @classmethod
    def _none_is_empty(cls, value):
        return {} if value is None else value


class HubConfig(StrictModel):
    """Hugging Face Hub settings. The token is never written to a file."""

    username: str | None = field(None, "Hub user or organisation to push to.", BASIC)
    token: SecretStr | None = field(None, "Hub token; read from ${HF_TOKEN}, never written out.", BASIC)
    push_to_hub: bool = field(False, "Push the trained model to the Hub when training ends.", BASIC)
    repo_id: str | None = field(None, "Repository to push to (default: username/project_name).", BASIC)


class RunConfig(StrictModel):
    """A whole run: task, model, data, hyperparameters and hub settings."""

    task: str = field(..., "Task (AutoTrain's names and aliases).", BASIC)
    base_model: str = field(..., "A Hub model id or a local folder.", BASIC)
    project_name: str = field("my-run", "Run name, also the run directory.", BASIC)
    log: LOGGERS = field("none", "Experiment tracker (transformers' report_to).", "advanced")
    backend: Literal["local", "local-cli"] = field("local", "Where to train: tunewidgets trains locally.", "hidden")
    data: DataConfig = DataConfig()
    params: SerializeAsAny[BaseModel] = None  # type: ignore[assignment]
    hub: HubConfig = HubConfig()
    sweep: SweepConfig | None = field(
        None, "A hyperparameter search (tunewidgets sweep); a config without it trains one run.", "hidden")

    @model_validator(mode="before")
    @classmethod
    def _choose_params_model(cls, values: Any):
        """Canonicalise the task and validate params with the task's model."""
        if not isinstance(values, dict):
            return values
        values = dict(values)
        raw_task = values.get("task")
        if raw_task is None:
            raise ConfigError("task: missing; choose one of: " + ", ".join(TASKS))
        task = canonical_task(raw_task)
        if task is None:
            from .errors_format import closest

            hint = closest(str(raw_task), all_task_names())
            raise ConfigError(
                f"task: unknown task '{raw_task}'"
                + (f"; did you mean '{hint}'?" if hint else "")
                + " Tasks: "
                + ", ".join(TASKS)
            )
        values["task"] = task
        backend = values.get("backend")
        if isinstance(backend, str) and backend not in ("local", "local-cli"):
            raise ConfigError(
                f"backend: '{backend}' runs on Hugging Face's servers; tunewidgets trains here: use backend: local"
            )
        spec = TASKS[task]
        if spec.prepare is not None:
            values = spec.prepare(values)
        params = values.get("params")
        model = spec.params
        if isinstance(params, BaseModel) and not isinstance(params, model):
            params = params.model_dump()
        if params is None or isinstance(params, dict):
            params = {**alias_params(str(raw_task)), **(params or {})}
            try:
                params = model.model_validate(params)
            except ValidationError as exc:
                from .errors_format import format_validation_error

                raise ConfigError(format_validation_error(exc, model, prefix=("params",), task=task)) from None
        values["params"] = params
        return values

    @field_validator("project_name")
    @classmethod
    def _check_project_name(cls, value: str):
        value = value.strip()
        if not value or not _PROJECT_RE.match(value) or ".." in value.split("/"):
            raise ValueError(
                f"'{value}' is not a usable run name: use letters, digits, '-', '_', '.' (and '/' for a sub-folder)"
            )
        return value

    @field_validator("base_model")
    @classmethod
    def _check_base_model(cls, value: str):
        if not str(value).strip():
            raise ValueError("base_model is empty: give a Hub model id or a local folder")
        return str(value).strip()

    @model_validator(mode="after")
    def _check_cross_fields(self):
        spec = TASKS[self.task]
        allowed = spec.role_keys
        for key in self.data.column_mapping:
            if key not in allowed:
                from .errors_format import closest

                hint = closest(key, allowed)
                raise ValueError(
                    f"data.column_mapping.{key}: not a column role of {self.task}"
                    + (f"; did you mean '{hint}'?" if hint else "")
                    + f" Roles: {', '.join(allowed)}"
                )
        trainer = getattr(self.params, "trainer", None)
        if trainer and spec.trainer_names and trainer not in spec.trainer_names:
            raise ValueError(f"params.trainer: '{trainer}' contradicts task {self.task} "
                             f"(which means '{spec.trainer_names[0]}')")
        if self.data.streaming:
            if not spec.streaming:
                streams = ", ".join(name for name, other in TASKS.items() if other.streaming)
                raise ValueError(f"data.streaming: {self.task} reads its data whole; streaming works for {streams}")
            if getattr(self.params, "max_steps", -1) <= 0:
                raise ValueError("data.streaming: a stream has no known length: set params.max_steps")
        if spec.validate is not None:
            spec.validate(self)
        if self.sweep is not None:
            from .sweep import check_sweep

            check_sweep(self)
        return self

    @property
    def task_info(self):
        """The task's spec: everything the project knows about it."""
        return TASKS[self.task]

    @property
    def hub_token(self) -> str | None:
        """The Hub token's value (from ${HF_TOKEN} or the form); never written to a file."""
        return self.hub.token.get_secret_value() if self.hub.token else None
