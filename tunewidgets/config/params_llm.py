"""LLM hyperparameters: every field of AutoTrain's LLMTrainingParams, plus extensions.

Column mappings and the chat template live in the config's ``data`` section
and hub settings in ``hub``, as in AutoTrain's YAML.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from .fields import ADVANCED, BASIC, HIDDEN, field
from .params_common import TrainingParams
from .params_generate import check_eval_generate, eval_generate_field, eval_generate_max_new_tokens_field
from .params_peft import LoraInit, check_lora_variants, lora_init_field, use_dora_field, use_rslora_field

# TRL 1.16's DPOConfig.loss_type values, in its order (trl/trainer/dpo_config.py).
DPO_LOSS_TYPES = Literal["sigmoid", "hinge", "ipo", "exo_pair", "nca_pair", "robust", "bco_pair", "sppo_hard", "aot",
                         "aot_unpaired", "apo_zero", "apo_down", "discopop", "sft", "sigmoid_norm"]


def check_dpo_loss(loss_type: str, label_smoothing: float) -> None:
    """What DPOTrainer would refuse (or only warn about) once the model is loaded, said before anything loads."""
    if loss_type == "exo_pair" and label_smoothing == 0:
        raise ValueError("dpo_loss_type exo_pair needs dpo_label_smoothing > 0 (its epsilon; the EXO paper: 1e-3)")
    if loss_type == "robust" and label_smoothing >= 0.5:
        raise ValueError(f"dpo_label_smoothing {label_smoothing:g} with dpo_loss_type robust: the chance a label is "
                         "flipped must be below 0.5 (the paper: 0.1)")


class LLMParams(TrainingParams):
    """Hyperparameters of llm-sft, llm-generic, llm-reward, llm-dpo and llm-orpo."""

    lr: float = field(3e-5, "Learning rate.", BASIC, gt=0, le=1)
    epochs: int = field(1, "Number of passes over the training data.", BASIC, ge=1, le=1000)
    batch_size: int = field(2, "Examples per device per step.", BASIC, ge=1, le=4096)
    gradient_accumulation: int = field(4, "Steps whose gradients add up before an update.", ADVANCED, ge=1, le=1024)
    block_size: int | list[int] = field(
        -1, "Tokens per example (-1: model_max_length). llm-generic cuts the text into blocks of this size.", BASIC
    )
    model_max_length: int = field(2048, "Longest sequence the model is trained on.", BASIC, ge=8)
    padding: Literal["left", "right"] | None = field("right", "Padding side.", ADVANCED)
    add_eos_token: bool = field(True, "Append the EOS token to each text (llm-generic and plain text SFT).", ADVANCED)

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
    use_flash_attention_2: bool = field(False, "Use flash-attention 2 (CUDA with flash-attn installed).", ADVANCED)
    use_liger_kernel: bool = field(
        False, "Liger's fused Triton kernels (CUDA, needs liger-kernel): the loss without materialising the logits, "
        "less memory and faster. Padding-free batches come with packing (on by default on CUDA).", ADVANCED
    )
    unsloth: bool = field(False, "Use unsloth where installed (CUDA only); ignored with a warning otherwise.", HIDDEN)

    model_ref: str | None = field(
        None,
        "DPO reference model (default: a frozen copy of the base model; with peft, the base without the adapter).",
        ADVANCED,
    )
    dpo_beta: float = field(0.1, "Beta of DPO and ORPO's odds-ratio weight.", ADVANCED, gt=0)
    dpo_loss_type: DPO_LOSS_TYPES = field(
        "sigmoid", "llm-dpo: TRL's DPO loss (sigmoid is DPO's; ipo, hinge, robust, exo_pair, apo_zero ...).", ADVANCED
    )
    dpo_label_smoothing: float = field(
        0.0, "llm-dpo: label smoothing of robust (the chance a preference is flipped, < 0.5; its paper: 0.1: "
        "conservative DPO), aot and aot_unpaired; exo_pair's epsilon (> 0, its paper: 1e-3); the other losses "
        "ignore it.", ADVANCED, ge=0, lt=1,
    )
    max_prompt_length: int = field(
        128, "DPO, ORPO, reward: when prompt + answer exceed block_size, the prompt keeps its last this many tokens.",
        ADVANCED, ge=1,
    )
    max_completion_length: int | None = field(
        None, "DPO, ORPO, reward: longest answer kept (tokens; null: as long as block_size allows).", ADVANCED, ge=1
    )

    completion_only_loss: bool | None = field(
        None, "Loss on the completion only for prompt/completion data (default: TRL's choice).", ADVANCED
    )
    assistant_only_loss: bool = field(
        False, "Loss on assistant turns only for conversational data (needs {% generation %} in the template).", BASIC
    )
    packing: bool | None = field(
        None, "Pack several examples per sequence (default: off on CPU, where it was measured slower; on on GPU).",
        ADVANCED,
    )
    neftune_noise_alpha: float | None = field(
        None, "llm-sft: NEFTune, noise of this scale on the input embeddings while training (null: off; the paper "
        "uses 5).", ADVANCED, gt=0,
    )
    eval_generate: int = eval_generate_field()
    eval_generate_max_new_tokens: int = eval_generate_max_new_tokens_field()
    trainer: Literal["default", "generic", "sft", "reward", "dpo", "orpo"] | None = field(
        None, "AutoTrain's trainer name; the task already says it.", HIDDEN
    )

    @model_validator(mode="after")
    def _check_llm_rules(self):
        if self.quantization and not self.peft:
            raise ValueError(f"quantization '{self.quantization}' needs peft: true (QLoRA trains an adapter)")
        check_lora_variants(self)
        check_eval_generate(self)
        check_dpo_loss(self.dpo_loss_type, self.dpo_label_smoothing)
        sizes = self.block_size if isinstance(self.block_size, list) else [self.block_size]
        for size in sizes:
            if size != -1 and size < 1:
                raise ValueError(f"block_size must be -1 or a positive number, got {size}")
            if size > self.model_max_length:
                raise ValueError(
                    f"block_size {size} is larger than model_max_length {self.model_max_length}: "
                    "raise model_max_length or lower block_size"
                )
        return self

    @property
    def max_length(self) -> int:
        """The sequence length the trainer uses: block_size, else model_max_length."""
        size = self.block_size[0] if isinstance(self.block_size, list) else self.block_size
        return self.model_max_length if size == -1 else size
