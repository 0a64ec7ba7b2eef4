"""llm-cpo: TRL's experimental CPOTrainer (CPO, and SimPO with ``cpo_loss_type: simpo``), beta = dpo_beta.

CPOTrainer tokenizes rows as ORPO's does, so the same subclass applies: rows are tokenized whole, then cut with
max_prompt_length and max_completion_length (llm_orpo.train.truncate_orpo_row) rather than TRL's own cut.
"""

from __future__ import annotations

import os

from ..base import TaskContext, TrainJob
from ..llm_orpo.train import truncate_orpo_row
from ..shared.arguments import data_workers
from ..shared.llm_common import llm_arguments, llm_job, lora_config, resolve_max_length
from ..shared.llm_preference import load_preference_setup

_UNLIMITED = 1 << 30


def _cpo():
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")  # we chose the experimental module knowingly
    from trl.experimental.cpo import CPOConfig, CPOTrainer

    return CPOConfig, CPOTrainer


def _trainer_class():
    _, CPOTrainer = _cpo()  # noqa: N806 - a class, imported lazily

    class _CPOTrainer(CPOTrainer):
        """CPOTrainer whose rows are tokenized whole, then truncated with prompt and completion limits."""

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

    return _CPOTrainer


def cpo_options(p) -> dict:
    """CPOConfig's own keywords from the params (the run's and the ejected script's)."""
    return {"beta": p.dpo_beta, "loss_type": p.cpo_loss_type, "simpo_gamma": p.simpo_gamma, "cpo_alpha": p.cpo_alpha,
            "label_smoothing": p.cpo_label_smoothing, "max_completion_length": p.max_completion_length}


def build(ctx: TaskContext) -> TrainJob:
    CPOConfig, _ = _cpo()  # noqa: N806 - a class, imported lazily
    config, p = ctx.config, ctx.config.params
    train, valid, tokenizer, added, model = load_preference_setup(ctx)
    max_length = resolve_max_length(config, model, ctx.log)

    args = llm_arguments(ctx, has_eval=valid is not None, num_examples=len(train))
    cpo_args = CPOConfig(**args, max_length=max_length, **cpo_options(p),
                         dataset_num_proc=data_workers(p, len(train), ctx.threaded))
    limits = dict(max_length=max_length, max_prompt_length=p.max_prompt_length,
                  max_completion_length=p.max_completion_length)
    trainer = _trainer_class()(
        model=model,
        args=cpo_args,
        train_dataset=train,
        eval_dataset=valid,
        processing_class=tokenizer,
        peft_config=lora_config(config, model=model, tokenizer=tokenizer, added=added),
        callbacks=list(ctx.callbacks),
        limits=limits,
    )
    notes = [f"loss {p.cpo_loss_type}" + (f", cpo_alpha {p.cpo_alpha:g}" if p.cpo_loss_type == "simpo" else "")]
    return llm_job(ctx, trainer, tokenizer, train, valid, notes=notes)
