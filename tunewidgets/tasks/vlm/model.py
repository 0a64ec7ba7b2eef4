"""The vision-language model and its processor: loaded, saved, merged, and loaded back from a run.

Any Hub id that ``AutoModelForImageTextToText`` and ``AutoProcessor`` load takes this one path (PaliGemma,
SmolVLM / Idefics3, Qwen2.5-VL, LLaVA ...): the model in the dtype and quantization the LLM tasks use, the
processor as the model ships it. A text-only model or a processor without an image processor is refused
with a message that says what these tasks need.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ...config.run_config import RunConfig
from ...device import DeviceInfo
from ...errors import ModelError
from ..shared.llm_common import ADAPTER_DIR, merge_into, model_dtype, quantization_config
from ..shared.pretrained import from_pretrained

WHAT = "a vision-language model (image-text-to-text)"


def load_processor(name: str, token: str | None = None):
    """The model's processor (its tokenizer and image processor); a pad token where the tokenizer has none."""
    from transformers import AutoProcessor

    processor = from_pretrained(AutoProcessor.from_pretrained, name, "its processor (tokenizer and image processor)",
                                token=token, weights=False)
    if getattr(processor, "image_processor", None) is None or getattr(processor, "tokenizer", None) is None:
        raise ModelError(f"'{name}' has no image processor: the vision-language tasks need a model that reads "
                         "images (PaliGemma, SmolVLM, Qwen2.5-VL, LLaVA ...)")
    tokenizer = processor.tokenizer
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return processor


def load_model(config: RunConfig, device: DeviceInfo, source: str | None = None):
    """``AutoModelForImageTextToText`` for the base model (or ``source``), quantized for QLoRA when asked."""
    from transformers import AutoModelForImageTextToText

    p = config.params
    kwargs: dict[str, Any] = {"dtype": model_dtype(config, device)}
    if p.quantization:
        kwargs["quantization_config"] = quantization_config(p.quantization, device)
    return from_pretrained(AutoModelForImageTextToText.from_pretrained, source or config.base_model, WHAT,
                           token=config.hub_token, **kwargs)


def save(trainer, processor, config: RunConfig, run_dir: Path, device: DeviceInfo | None = None) -> None:
    """The model (or adapter) and processor into the run directory; with ``merge_adapter`` the base with the
    adapter merged in is the run's model and the adapter stays in ``adapter/`` (as the LLM tasks save)."""
    run_dir = Path(run_dir)
    p = config.params
    main = trainer.args.should_save
    merge = p.peft and p.merge_adapter
    target = run_dir / ADAPTER_DIR if merge else run_dir
    trainer.save_model(str(target))
    if main:
        processor.save_pretrained(str(target))
    if merge and main:
        plain = config.model_copy(update={"params": p.model_copy(update={"quantization": None})})
        merge_into(lambda: load_model(plain, device or DeviceInfo(device="cpu")), target, run_dir, processor)


def load_saved(folder: str | Path):
    """``(model, processor)`` a run saved: the model, or its base with the adapter applied (not merged)."""
    from transformers import AutoModelForImageTextToText

    folder = Path(folder)
    adapter = folder / "adapter_config.json"
    if adapter.is_file():
        from peft import PeftModel

        base = json.loads(adapter.read_text(encoding="utf-8")).get("base_model_name_or_path")
        model = PeftModel.from_pretrained(
            from_pretrained(AutoModelForImageTextToText.from_pretrained, str(base), f"the adapter's base, {WHAT}"),
            str(folder))
    else:
        model = from_pretrained(AutoModelForImageTextToText.from_pretrained, str(folder), "the trained model")
    return model, load_processor(str(folder))
