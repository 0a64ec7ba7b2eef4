"""Hyperparameters of the text tasks (AutoTrain's fields and defaults)."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from .fields import ADVANCED, BASIC, field
from .params_common import EarlyStoppingMixin, TrainingParams
from .params_generate import check_eval_generate, eval_generate_field, eval_generate_max_new_tokens_field
from .params_peft import LoraInit, check_lora_variants, lora_init_field, use_dora_field, use_rslora_field


class TextClassificationParams(EarlyStoppingMixin, TrainingParams):
    """text_classification and text_regression."""

    max_seq_length: int = field(128, "Longest input kept (tokens).", BASIC, ge=8)


class TextRegressionParams(TextClassificationParams):
    """text_regression: a single numeric target."""


class TokenClassificationParams(EarlyStoppingMixin, TrainingParams):
    """token_classification: one tag per token."""

    max_seq_length: int = field(128, "Longest input kept (tokens).", BASIC, ge=8)


class Seq2SeqParams(EarlyStoppingMixin, TrainingParams):
    """seq2seq: encoder-decoder models such as T5."""

    batch_size: int = field(2, "Examples per device per step.", BASIC, ge=1, le=4096)
    max_seq_length: int = field(128, "Longest input kept (tokens).", BASIC, ge=8)
    max_target_length: int = field(128, "Longest target kept (tokens).", BASIC, ge=1)
    peft: bool = field(False, "Train a LoRA adapter instead of all weights.", BASIC)
    quantization: Literal["int4", "int8"] | None = field(
        None, "Load the base model in 4 or 8 bits (needs peft and a CUDA GPU).", ADVANCED
    )
    lora_r: int = field(16, "LoRA rank.", ADVANCED, ge=1)
    lora_alpha: int = field(32, "LoRA alpha (scale).", ADVANCED, ge=1)
    lora_dropout: float = field(0.05, "LoRA dropout.", ADVANCED, ge=0, lt=1)
    target_modules: str = field("all-linear", "LoRA target modules.", ADVANCED)
    use_dora: bool = use_dora_field()
    use_rslora: bool = use_rslora_field()
    lora_init: LoraInit = lora_init_field()
    merge_adapter: bool = field(False, "Merge the adapter into the model when training ends.", ADVANCED)
    eval_generate: int = eval_generate_field()
    eval_generate_max_new_tokens: int = eval_generate_max_new_tokens_field()

    @model_validator(mode="after")
    def _check_peft(self):
        if self.quantization and not self.peft:
            raise ValueError(f"quantization '{self.quantization}' needs peft: true")
        check_lora_variants(self)
        check_eval_generate(self)
        return self


class SentenceTransformersParams(EarlyStoppingMixin, TrainingParams):
    """sentence-transformers:{pair, pair_class, pair_score, triplet, qa}."""

    lr: float = field(3e-5, "Learning rate.", BASIC, gt=0, le=1)
    max_seq_length: int = field(128, "Longest input kept (tokens).", BASIC, ge=8)
    trainer: Literal["pair", "pair_class", "pair_score", "triplet", "qa"] | None = field(
        None, "AutoTrain's trainer name; the task already says it.", "hidden"
    )
