"""Task names and AutoTrain's aliases, read from the task catalog (each task declares its own).

Kept free of heavy imports: the form, the CLI and the data guesser all read it.
"""

from __future__ import annotations

from .task_spec import CATALOG, Role, TaskSpec

TASKS = CATALOG  # canonical name -> TaskSpec, in the registry's order


def get_task(name: str) -> TaskSpec:
    """The spec of a canonical task name or an alias (KeyError when unknown)."""
    canonical = canonical_task(name)
    if canonical is None:
        raise KeyError(name)
    return CATALOG[canonical]


def default_task() -> str:
    """The task a new form starts on: the registry's first."""
    return next(iter(CATALOG))


def canonical_task(name: str) -> str | None:
    """The canonical task name for ``name`` or an alias, or None if unknown."""
    key = str(name).strip()
    if key in CATALOG:
        return key
    low = key.lower()
    if low in CATALOG:
        return low
    return CATALOG.aliases.get(low)


def alias_params(name: str) -> dict:
    """Params an alias fixes (AutoTrain's tabular_classification sets the tabular task type)."""
    canonical = canonical_task(name)
    if canonical is None:
        return {}
    return dict(CATALOG[canonical].alias_params.get(str(name).strip().lower(), {}))


def all_task_names() -> list[str]:
    """Canonical names followed by aliases: what an error message lists."""
    return list(CATALOG) + sorted(CATALOG.aliases)


def mapping_keys() -> list[str]:
    """Every column-mapping key some task reads."""
    return sorted({role.key for spec in CATALOG.values() for role in spec.roles})


__all__ = ["TASKS", "Role", "TaskSpec", "alias_params", "all_task_names", "canonical_task", "default_task",
           "get_task", "mapping_keys"]
