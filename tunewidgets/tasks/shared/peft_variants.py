"""DoRA, rsLoRA and PEFT's initialisations as LoraConfig keywords: one source for a run and its ejected script.

The params say ``use_dora``, ``use_rslora`` and ``lora_init`` (config/params_peft.py); every task that builds a
``LoraConfig`` adds :func:`lora_kwargs`, and every ejected script writes :func:`lora_kwargs_source`, so both make
the same adapter. PEFT writes all three into ``adapter_config.json``. A saved PiSSA or OLoRA adapter reloads onto
the original base as it trained (PEFT decomposes the base again, deterministically, before the trained weights
load), so merging into a fresh base gives the trained model; LoftQ does the same on a CUDA GPU.
"""

from __future__ import annotations

from typing import Any

from ...config.params_peft import MUTATING_INITS
from ...errors import ModelError


def lora_kwargs(p) -> dict[str, Any]:
    """``use_dora``, ``use_rslora``, ``init_lora_weights`` (and LoftQ's config) for ``peft.LoraConfig``."""
    init = getattr(p, "lora_init", "default")
    kwargs: dict[str, Any] = {"use_dora": bool(getattr(p, "use_dora", False)),
                              "use_rslora": bool(getattr(p, "use_rslora", False)),
                              "init_lora_weights": True if init == "default" else init}
    if init == "loftq":
        check_loftq()
        from peft import LoftQConfig

        kwargs["loftq_config"] = LoftQConfig(loftq_bits=4, loftq_iter=1)
    return kwargs


def lora_kwargs_source(p) -> tuple[str, list[str]]:
    """The same keywords as Python source (``", use_dora=True, ..."``, empty for the defaults) and the imports
    they need, for an ejected script's ``LoraConfig(...)``."""
    init = getattr(p, "lora_init", "default")
    parts, imports = [], []
    if getattr(p, "use_dora", False):
        parts.append("use_dora=True")
    if getattr(p, "use_rslora", False):
        parts.append("use_rslora=True")
    if init != "default":
        parts.append(f"init_lora_weights={init!r}")
    if init == "loftq":
        parts.append("loftq_config=LoftQConfig(loftq_bits=4, loftq_iter=1)")
        imports.append("from peft import LoftQConfig")
    return "".join(f", {part}" for part in parts), imports


def changes_the_base(p) -> bool:
    """PiSSA, OLoRA and LoftQ change the base weights when the adapter is made: with the adapter disabled the model
    is no longer the starting model, so a DPO or KTO reference must be a frozen copy taken before."""
    return bool(getattr(p, "peft", False)) and getattr(p, "lora_init", "default") in MUTATING_INITS


def check_loftq() -> None:
    """PEFT's LoftQ quantizes each weight with bitsandbytes on a CUDA GPU (peft/utils/loftq_utils.py)."""
    import importlib.util

    import torch

    missing = [name for name, ok in (("a CUDA GPU", torch.cuda.is_available()),
                                     ("bitsandbytes", importlib.util.find_spec("bitsandbytes") is not None),
                                     ("scipy", importlib.util.find_spec("scipy") is not None)) if not ok]
    if missing:
        raise ModelError(f"lora_init loftq needs {' and '.join(missing)} (PEFT's LoftQ quantizes the base to NF4 "
                         "with bitsandbytes on the GPU): choose another lora_init (pissa starts from the weights' SVD "
                         "without quantizing), or train on a CUDA machine with bitsandbytes installed")
