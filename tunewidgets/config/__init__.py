"""Config layer: one schema for YAML, CLI and form. Imports neither torch nor transformers."""

from .fields import FieldSpec, field_specs
from .loader import config_from_dict, config_to_dict, dump_config, load_config, parse_overrides
from .registry import params_model
from .run_config import DataConfig, HubConfig, RunConfig
from .task_spec import Demo, Hook, Predict, Role, TaskSpec
from .tasks import TASKS, all_task_names, canonical_task, default_task, get_task

__all__ = [
    "TASKS",
    "DataConfig",
    "Demo",
    "FieldSpec",
    "Hook",
    "HubConfig",
    "Predict",
    "Role",
    "RunConfig",
    "TaskSpec",
    "all_task_names",
    "canonical_task",
    "config_from_dict",
    "config_to_dict",
    "default_task",
    "dump_config",
    "field_specs",
    "get_task",
    "load_config",
    "params_model",
    "parse_overrides",
]
