"""Config layer: one schema for YAML, CLI and form. Imports neither torch nor transformers."""

from .fields import FieldSpec, field_specs
from .loader import config_from_dict, config_to_dict, dump_config, load_config, parse_overrides
from .registry import PARAMS_BY_TASK, params_model
from .run_config import DataConfig, HubConfig, RunConfig
from .tasks import ALIASES, TASKS, TaskInfo, canonical_task

__all__ = [
    "ALIASES",
    "PARAMS_BY_TASK",
    "TASKS",
    "DataConfig",
    "FieldSpec",
    "HubConfig",
    "RunConfig",
    "TaskInfo",
    "canonical_task",
    "config_from_dict",
    "config_to_dict",
    "dump_config",
    "field_specs",
    "load_config",
    "params_model",
    "parse_overrides",
]
