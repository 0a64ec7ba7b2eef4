"""tunewidgets: fine-tune almost any model from a notebook, the way AutoTrain does.

Kept light on purpose: nothing here imports torch, transformers or ipywidgets;
``TrainerApp`` and ``Run`` are loaded on first use.
"""

from __future__ import annotations

__version__ = "0.1.0"

import logging  # noqa: E402

from .errors import ConfigError, DataError, ModelError, TunewidgetsError  # noqa: E402

# bitsandbytes, which peft imports whenever it is installed, warns on CPUs with AVX512-BF16 that the optional
# `kernels` package for its CPU 4-bit matmul is missing ("Failed to load CPU gemm_4bit_forward ..."): a line that
# looks like an error under every CPU run, about 4-bit layers tunewidgets never runs on a CPU (QLoRA needs CUDA).
logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)

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
