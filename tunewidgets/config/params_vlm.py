"""Hyperparameters of the vision-language tasks (vlm:vqa, vlm:captioning): AutoTrain's VLMTrainingParams.

AutoTrain's defaults, except ``quantization``: AutoTrain's int4 default is ignored there unless ``peft`` is on,
here quantization needs peft (QLoRA), so the default is none. Columns live in ``data.column_mapping``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from .fields import ADVANCED, BASIC, HIDDEN, field
from .params_common import TrainingParams
from .params_generate import check_eval_generate, eval_generate_field, eval_generate_max_new_tokens_field
from .params_peft import LoraInit, check_lora_variants, lora_init_field, use_dora_field, use_rslora_field


class VLMParams(TrainingParams):
    """Hyperparameters of vlm:vqa and vlm:captioning (TRL's SFTTrainer on an image-text-to-text model)."""

    lr: float = field(3e-5, "Learning rate.", BASIC, gt=0, le=1)
    epochs: int = field(1, "Number of passes over the training data.", BASIC, ge=1, le=1000)
    batch_size: int = field(2, "Examples per device per step.", BASIC, ge=1, le=4096)
    gradient_accumulation: int = field(4, "Steps whose gradients add up before an update.", ADVANCED, ge=1, le=1024)
    model_max_length: int | None = field(
        None, "Longest sequence in tokens, the image's tokens included; longer examples are cut at the end "
        "(null: never cut, since a cut through the image tokens cannot train).", ADVANCED, ge=8,
    )

    peft: bool = field(False, "Train a LoRA adapter instead of all weights.", BASIC)
    quantization: Literal["int4", "int8"] | None = field(
        None, "QLoRA: load the base model in 4 or 8 bits (needs peft and a CUDA GPU).", BASIC
    )
    target_modules: str | None = field(
        "all-linear", "LoRA target modules: all-linear or a comma-separated list (q_proj,v_proj).", ADVANCED
    )
    lora_r: int = field(16, "LoRA rank.", ADVANCED, ge=1, le=4096)
    lora_alpha: int = field(32, "LoRA alpha (scale).", ADVANCED, ge=1)
    lora_dropout: float = field(0.05, "LoRA dropout.", ADVANCED, ge=0, lt=1)
    use_dora: bool = use_dora_field()
    use_rslora: bool = use_rslora_field()
    lora_init: LoraInit = lora_init_field()
    merge_adapter: bool = field(
        False, "Save the base model with the adapter merged in as the run's model; the adapter stays in adapter/.",
        ADVANCED,
    )
    disable_gradient_checkpointing: bool = field(
        False, "Turn gradient checkpointing off (faster, more memory). Off on CPU.", ADVANCED
    )
    eval_generate: int = eval_generate_field()
    eval_generate_max_new_tokens: int = eval_generate_max_new_tokens_field()
    trainer: Literal["vqa", "captioning"] | None = field(None, "AutoTrain's trainer name; the task already says it.",
                                                         HIDDEN)

    @model_validator(mode="after")
    def _check_qlora(self):
        if self.quantization and not self.peft:
            raise ValueError(f"quantization '{self.quantization}' needs peft: true (QLoRA trains an adapter)")
        check_lora_variants(self)
        check_eval_generate(self)
        return self
