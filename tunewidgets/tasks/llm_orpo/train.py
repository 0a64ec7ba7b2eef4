"""llm-orpo: TRL's experimental ORPOTrainer (no reference model), beta = dpo_beta.

TRL's ORPO cuts only the answers to fit max_length and ignores a prompt limit; the
subclass here applies max_prompt_length and max_completion_length the way DPO and
reward do in this package (see llm_preference.truncate_pair).
"""

from __future__ import annotations

import os

from ..base import TaskContext, TrainJob
from ..shared.arguments import data_workers
from ..shared.llm_common import (
    llm_arguments,
    llm_job,
    lora_config,
    resolve_max_length,
)
from ..shared.llm_preference import load_preference_setup, truncate_pair

_UNLIMITED = 1 << 30


def _orpo():
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")  # we chose the experimental module knowingly
    from trl.experimental.orpo import ORPOConfig, ORPOTrainer

    return ORPOConfig, ORPOTrainer


def _trainer_class():
    _, ORPOTrainer = _orpo()  # noqa: N806 - a class, imported lazily

    class _ORPOTrainer(ORPOTrainer):
        """ORPOTrainer whose rows are tokenized whole, then truncated with prompt and completion limits."""

        def __init__(self, *args, limits: dict, **kwargs):
            self._limits = limits
            super().__init__(*args, **kwargs)

        def tokenize_row(self, feature, model=None):
            saved, self.max_length = self.max_length, _UNLIMITED
            try:
                batch = super().tokenize_row(feature, model)
            finally:
                self.max_length = saved
            return truncate_orpo_row(batch, **self._limits)

    return _ORPOTrainer


def _prompt_length(labels: list) -> int:
    n = 0
    while n < len(labels) and labels[n] == -100:
        n += 1
    return n


def truncate_orpo_row(batch: dict, *, max_length: int, max_prompt_length: int | None,
                      max_completion_length: int | None) -> dict:
    """Cut a tokenized ORPO row (prompt tokens are the leading -100 labels) with truncate_pair."""
    pc, pr = _prompt_length(batch["chosen_labels"]), _prompt_length(batch["rejected_labels"])
    chosen_ids, rejected_ids = batch["chosen_input_ids"], batch["rejected_input_ids"]
    prompt, chosen, rejected = truncate_pair(
        chosen_ids[:pc], chosen_ids[pc:], rejected_ids[pr:], max_length=max_length,
        max_prompt_length=max_prompt_length, max_completion_length=max_completion_length,
    )
    keep = len(prompt)
    spans = {"chosen": (max(pc - keep, 0), pc + len(chosen)), "rejected": (max(pr - keep, 0), pr + len(rejected))}
    out = dict(batch)
    for side, (start, end) in spans.items():
        for key in ("input_ids", "attention_mask", "labels"):
            out[f"{side}_{key}"] = batch[f"{side}_{key}"][start:end]
    for key in ("prompt_input_ids", "prompt_attention_mask"):
        if key in batch:
            out[key] = batch[key][-keep:] if keep else []
    return out


def build(ctx: TaskContext) -> TrainJob:
    ORPOConfig, _ = _orpo()  # noqa: N806 - a class, imported lazily
    config, p = ctx.config, ctx.config.params
    train, valid, tokenizer, added, model = load_preference_setup(ctx)
    max_length = resolve_max_length(config, model, ctx.log)

    args = llm_arguments(ctx, has_eval=valid is not None, num_examples=len(train))
    orpo_args = ORPOConfig(**args, max_length=max_length, max_completion_length=p.max_completion_length,
                           beta=p.dpo_beta, dataset_num_proc=data_workers(p, len(train), ctx.threaded))
    limits = dict(max_length=max_length, max_prompt_length=p.max_prompt_length,
                  max_completion_length=p.max_completion_length)
    trainer = _trainer_class()(
        model=model,
        args=orpo_args,
        train_dataset=train,
        eval_dataset=valid,
        processing_class=tokenizer,
        peft_config=lora_config(config, model=model, tokenizer=tokenizer, added=added),
        callbacks=list(ctx.callbacks),
        limits=limits,
    )
    return llm_job(ctx, trainer, tokenizer, train, valid)
