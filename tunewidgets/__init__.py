"""tunewidgets: fine-tune almost any model from a notebook, the way AutoTrain does.

Kept light on purpose: nothing here imports torch, transformers or ipywidgets;
``TrainerApp`` and ``Run`` are loaded on first use.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import ConfigError, DataError, ModelError, TunewidgetsError  # noqa: E402

_LAZY = {
    "TrainerApp": ("tunewidgets.ui.app", "TrainerApp"),
    "Run": ("tunewidgets.run.engine", "Run"),
    "train": ("tunewidgets.run.engine", "train"),
    "load_config": ("tunewidgets.config.loader", "load_config"),
    "dump_config": ("tunewidgets.config.loader", "dump_config"),
    "RunConfig": ("tunewidgets.config.run_config", "RunConfig"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tunewidgets' has no attribute {name!r}")


__all__ = ["ConfigError", "DataError", "ModelError", "TunewidgetsError", "__version__", *_LAZY]
