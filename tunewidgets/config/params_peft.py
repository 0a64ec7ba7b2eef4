"""LoRA variants every task with ``peft`` takes: DoRA, rsLoRA and PEFT's initialisations (no torch, no peft).

Each params class with ``peft`` declares the three fields after its LoRA fields (``use_dora: bool =
use_dora_field()`` ...) so the form lists them beside ``lora_r``, and calls :func:`check_lora_variants` from its
own cross-field validator. The task layer turns them into ``LoraConfig`` keywords (tasks/shared/peft_variants.py),
in a run and in an ejected script alike.

``lora_init`` takes PEFT's ``init_lora_weights`` choices that need nothing but the weights: ``default`` (PEFT's
``True``: B is zero, the adapter starts as a no-op), ``gaussian``, ``pissa`` (principal singular vectors: the
base keeps the residual), ``olora`` (QR), and ``loftq`` (LoftQ: the base is replaced by its NF4 quantization and
the adapter starts from the error's SVD; PEFT runs it on a CUDA GPU with bitsandbytes). The data-driven ones
(``eva``, ``corda``) need a pass over the data first and are not offered.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

from .fields import ADVANCED, field

LORA_INITS = ("default", "gaussian", "pissa", "olora", "loftq")
# pissa, olora and loftq change the base weights when the adapter is made: disabling the adapter no longer gives
# the starting model (a DPO/KTO reference must then be a copy), and a quantized base cannot be decomposed.
MUTATING_INITS = ("pissa", "olora", "loftq")


def _true_is_default(value: Any) -> Any:
    """PEFT's own spelling: ``init_lora_weights: true`` is the default initialisation."""
    if value is True or (isinstance(value, str) and value.strip().lower() in ("true", "lora")):
        return "default"
    return value


LoraInit = Annotated[Literal["default", "gaussian", "pissa", "olora", "loftq"], BeforeValidator(_true_is_default)]


def use_dora_field() -> Any:
    return field(False, "DoRA: a trained magnitude per output beside the low-rank direction (PEFT's use_dora).",
                 ADVANCED)


def use_rslora_field() -> Any:
    return field(False, "rsLoRA: scale the adapter by lora_alpha / sqrt(lora_r) instead of lora_alpha / lora_r.",
                 ADVANCED)


def lora_init_field() -> Any:
    return field("default", "How the adapter starts (PEFT's init_lora_weights): default (B = 0), gaussian, pissa, "
                 "olora, or loftq (needs a CUDA GPU, bitsandbytes and quantization: null).", ADVANCED)


def check_lora_variants(params) -> None:
    """Cross-field rules of the variants, raised as ValueError (the config loader names the fields)."""
    init = getattr(params, "lora_init", "default")
    quantization = getattr(params, "quantization", None)
    if init in MUTATING_INITS and quantization:
        why = ("LoftQ quantizes the base itself (PEFT: do not pass a quantized model)" if init == "loftq" else
               f"{init} decomposes the base weights, which a model quantized to {quantization} cannot give")
        raise ValueError(f"lora_init '{init}' with quantization '{quantization}': {why}; set quantization: null")
