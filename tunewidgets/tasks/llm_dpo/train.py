"""llm-dpo: TRL's DPOTrainer with an explicit reference model and AutoTrain's length limits.

The reference is passed in, never left to TRL: without PEFT TRL reloads it from
``model.config._name_or_path``, which breaks for in-memory models and silently uses
the disk weights. With PEFT the reference is the base with the adapter disabled, except
after an initialisation that changes the base (pissa, olora, loftq): then a frozen copy.
"""

from __future__ import annotations

import copy

from ..base import TaskContext, TrainJob
from ..shared.arguments import data_workers
from ..shared.llm_common import (
    llm_arguments,
    llm_job,
    load_causal_lm,
    lora_config,
    resolve_max_length,
    safe_map,
)
from ..shared.llm_preference import load_preference_setup, truncate_pair
from ..shared.peft_variants import changes_the_base


def _trainer_class():
    from trl import DPOTrainer

    class _DPOTrainer(DPOTrainer):
        """DPOTrainer that applies max_prompt_length and max_completion_length (TRL 1.16 has neither)."""

        def __init__(self, *args, limits: dict, **kwargs):
            self._limits = limits
            super().__init__(*args, **kwargs)

        def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
            # TRL drops pairs whose prompt fills max_length; truncate the prompt first instead.
            saved, args.max_length = args.max_length, None
            try:
                dataset = super()._prepare_dataset(dataset, processing_class, args, dataset_name)
            finally:
                args.max_length = saved
            return safe_map(dataset, lambda row: _truncate_row(row, self._limits), "truncating the pairs")

    return _DPOTrainer


def _truncate_row(row: dict, limits: dict) -> dict:
    prompt, chosen, rejected = truncate_pair(row["prompt_ids"], row["chosen_ids"], row["rejected_ids"], **limits)
    return {"prompt_ids": prompt, "chosen_ids": chosen, "rejected_ids": rejected}


def reference_model(ctx: TaskContext, model, tokenizer):
    """None with PEFT (TRL disables the adapter), else ``model_ref`` or a frozen copy of the starting model.

    PiSSA, OLoRA and LoftQ move part of the base into the adapter: the base without it is not the starting model,
    so they get the copy (taken here, before TRL wraps the model)."""
    p = ctx.config.params
    if p.peft and not changes_the_base(p):
        return None
    if p.model_ref:
        ref = load_causal_lm(ctx.config, ctx.device, tokenizer, source=p.model_ref)
    else:
        ref = copy.deepcopy(model)
    ref.eval()
    ref.requires_grad_(False)
    return ref


def dpo_options(p) -> dict:
    """DPOConfig's own keywords from the params (the run's and the ejected script's)."""
    return {"beta": p.dpo_beta, "loss_type": p.dpo_loss_type, "label_smoothing": p.dpo_label_smoothing}


def build(ctx: TaskContext) -> TrainJob:
    from trl import DPOConfig

    config, p = ctx.config, ctx.config.params
    train, valid, tokenizer, added, model = load_preference_setup(ctx)
    ref = reference_model(ctx, model, tokenizer)
    max_length = resolve_max_length(config, model, ctx.log)

    args = llm_arguments(ctx, has_eval=valid is not None, num_examples=len(train))
    dpo_args = DPOConfig(**args, max_length=max_length, **dpo_options(p),
                         dataset_num_proc=data_workers(p, len(train), ctx.threaded))
    limits = dict(max_length=max_length, max_prompt_length=p.max_prompt_length,
                  max_completion_length=p.max_completion_length)
    trainer = _trainer_class()(
        model=model,
        ref_model=ref,
        args=dpo_args,
        train_dataset=train,
        eval_dataset=valid,
        processing_class=tokenizer,
        peft_config=lora_config(config, model=model, tokenizer=tokenizer, added=added,
                                head=False),  # TRL's DPO computes log-probs through its fused LM head
        callbacks=list(ctx.callbacks),
        limits=limits,
    )
    return llm_job(ctx, trainer, tokenizer, train, valid)
