"""The run config: AutoTrain's YAML layout, with the params model chosen by the task."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, SecretStr, SerializeAsAny, ValidationError, field_validator, model_validator

from ..errors import ConfigError
from .fields import BASIC, StrictModel, field
from .registry import params_model
from .tasks import ALIAS_PARAMS, TASKS, all_task_names, canonical_task


def tabular_families() -> tuple[str, ...]:
    """The model families tabular trains (``params.model``; AutoTrain also names one as ``base_model``)."""
    from typing import get_args

    from .params_tabular import TabularParams

    return get_args(TabularParams.model_fields["model"].annotation)

# Every AutoTrain column-mapping key; a task accepts the subset its roles name.
MAPPING_KEYS = sorted({role.key for info in TASKS.values() for role in info.roles})

LOGGERS = Literal["none", "tensorboard", "wandb", "mlflow", "comet_ml", "trackio", "all"]
_PROJECT_RE = re.compile(r"^[A-Za-z0-9_.\-/]+$")


class DataConfig(StrictModel):
    """Where the data is and which columns play which role."""

    path: str | None = field(None, "A file, a folder with <split>.csv|jsonl|parquet, or a Hub dataset id.", BASIC)
    train_split: str = field("train", "Training split (a file name in the folder, or 'config:split' on the Hub).", BASIC)
    valid_split: str | None = field(None, "Validation split; evaluation runs on it when set.", BASIC)
    chat_template: str | None = field(
        None, "null, tokenizer, chatml, zephyr, or a path to a jinja file.", BASIC
    )
    column_mapping: dict[str, str | list[str] | None] = field(
        {}, "AutoTrain's column roles, e.g. {text_column: text}.", BASIC
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
        params = values.get("params")
        model = params_model(task)
        if isinstance(params, BaseModel) and not isinstance(params, model):
            params = params.model_dump()
        if params is None or isinstance(params, dict):
            params = {**ALIAS_PARAMS.get(str(raw_task).lower(), {}), **(params or {})}
            if task == "tabular" and "model" not in params and str(values.get("base_model", "")).strip() \
                    in tabular_families():
                params["model"] = str(values["base_model"]).strip()  # AutoTrain: a tabular base_model is the family
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
        info = TASKS[self.task]
        allowed = info.role_keys
        for key in self.data.column_mapping:
            if key not in allowed:
                from .errors_format import closest

                hint = closest(key, allowed)
                raise ValueError(
                    f"data.column_mapping.{key}: not a column role of {self.task}"
                    + (f"; did you mean '{hint}'?" if hint else "")
                    + f" Roles: {', '.join(allowed)}"
                )
        mapping = self.data.column_mapping
        if info.family == "llm" and self.task in ("llm-dpo", "llm-orpo", "llm-reward") and mapping:
            if not mapping.get("rejected_text_column"):
                raise ValueError(
                    f"data.column_mapping: {self.task} needs rejected_text_column (and text_column for the chosen text)"
                )
        trainer = getattr(self.params, "trainer", None)
        if trainer:
            expected = {"llm-sft": "sft", "llm-generic": "default", "llm-reward": "reward", "llm-dpo": "dpo",
                        "llm-orpo": "orpo"}.get(self.task) or self.task.split(":")[-1]
            if trainer != expected and not (trainer == "generic" and expected == "default"):
                raise ValueError(f"params.trainer: '{trainer}' contradicts task {self.task} (which means '{expected}')")
        if getattr(self.params, "model_ref", None) and self.task != "llm-dpo":
            raise ValueError(f"params.model_ref: a reference model is only used by llm-dpo, not {self.task}")
        return self

    @property
    def task_info(self):
        return TASKS[self.task]
