"""Pieces the five LLM tasks share: model loading, chat templates, LoRA, saving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config.run_config import RunConfig
from ..errors import DataError, ModelError
from ..run.device import DeviceInfo
from .common import check_model_source, hub_failure, load_tokenizer


def hub_token(config: RunConfig) -> str | None:
    return config.hub.token.get_secret_value() if config.hub.token else None


def prepare_tokenizer(config: RunConfig):
    """The base model's tokenizer with a pad token, padding side and the chosen chat template."""
    from ..data.chat import apply_chat_template_to_tokenizer

    tokenizer = load_tokenizer(config.base_model, hub_token(config))
    p = config.params
    if p.padding:
        tokenizer.padding_side = p.padding
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    added = False
    if config.data.chat_template:
        added = bool(apply_chat_template_to_tokenizer(tokenizer, config.data.chat_template))
    return tokenizer, added


def load_causal_lm(config: RunConfig, device: DeviceInfo, tokenizer, tokens_added: bool):
    """The base model, on the right dtype, with embeddings resized for new template tokens."""
    import torch
    from transformers import AutoModelForCausalLM

    p = config.params
    source = check_model_source(config.base_model)
    kwargs: dict[str, Any] = {"token": hub_token(config)}
    if device.device == "cuda" and p.peft:
        kwargs["dtype"] = torch.bfloat16 if device.bf16 else torch.float16 if device.fp16 else torch.float32
    else:
        kwargs["dtype"] = torch.float32
    if p.quantization:
        kwargs["quantization_config"] = quantization_config(p.quantization, device)
    if p.use_flash_attention_2:
        if device.device != "cuda":
            raise ModelError("use_flash_attention_2 needs a CUDA GPU: set it to false on this machine")
        kwargs["attn_implementation"] = "flash_attention_2"
    try:
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    except (OSError, ValueError) as exc:
        if source == config.base_model and not Path(source).exists():
            raise hub_failure(config.base_model, exc) from None
        raise ModelError(f"could not load '{config.base_model}' as a causal LM: {str(exc).splitlines()[0][:300]}") from None
    if tokens_added:
        model.resize_token_embeddings(len(tokenizer))
    if model.config.pad_token_id is None and tokenizer.pad_token_id is not None:
        model.config.pad_token_id = tokenizer.pad_token_id
    return model


def quantization_config(kind: str, device: DeviceInfo):
    """bitsandbytes config for QLoRA; the compute dtype follows mixed_precision."""
    if device.device != "cuda":
        raise ModelError(
            f"quantization {kind} (QLoRA) needs a CUDA GPU and this machine has none: "
            "set params.quantization: null (LoRA still works with peft: true)"
        )
    import torch
    from transformers import BitsAndBytesConfig

    from ..errors import require

    require("bitsandbytes", "qlora", "QLoRA")
    compute = torch.bfloat16 if device.bf16 else torch.float16 if device.fp16 else torch.float32
    if kind == "int4":
        return BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=compute, bnb_4bit_use_double_quant=True
        )
    return BitsAndBytesConfig(load_in_8bit=True)


def lora_config(config: RunConfig, task_type: str = "CAUSAL_LM"):
    """A PEFT LoraConfig from the params, or None without peft."""
    p = config.params
    if not p.peft:
        return None
    from peft import LoraConfig

    targets: Any = p.target_modules or "all-linear"
    if targets != "all-linear":
        targets = [t.strip() for t in str(targets).split(",") if t.strip()]
    return LoraConfig(
        r=p.lora_r, lora_alpha=p.lora_alpha, lora_dropout=p.lora_dropout, target_modules=targets,
        bias="none", task_type=task_type,
    )


def normalise_conversations(dataset, column: str):
    """Parse JSON-string conversations and check roles, keeping lists of {role, content}."""
    from ..data.chat import parse_messages

    def _parse(row):
        return {column: parse_messages(row[column])}

    try:
        return dataset.map(_parse, desc=None)
    except DataError:
        raise
    except Exception as exc:  # datasets wraps errors raised in map
        cause = exc.__cause__ or exc
        if isinstance(cause, DataError):
            raise cause from None
        raise DataError(f"column '{column}': could not read the conversations: {str(exc).splitlines()[0]}") from None


def is_conversational_column(dataset, column: str) -> bool:
    from ..data.chat import is_conversational

    return len(dataset) > 0 and is_conversational(dataset[0][column])


def save_llm(trainer, tokenizer, config: RunConfig, run_dir: Path) -> None:
    """Final model or adapter into the run directory; a merged model when asked."""
    run_dir = Path(run_dir)
    trainer.save_model(str(run_dir))
    tokenizer.save_pretrained(str(run_dir))
    p = config.params
    if getattr(p, "peft", False) and getattr(p, "merge_adapter", False):
        merge_adapter(trainer.model, tokenizer, run_dir / "merged")


def merge_adapter(model, tokenizer, out_dir: Path) -> None:
    """Merge LoRA weights into the base and save; a failure fails the run."""
    try:
        merged = model.merge_and_unload()
        merged.save_pretrained(str(out_dir))
        tokenizer.save_pretrained(str(out_dir))
    except Exception as exc:
        raise RuntimeError(f"merging the adapter failed: {exc}") from exc
