"""llm-kto: TRL's KTOTrainer on completions marked desirable or not, with an explicit reference model.

The reference is chosen as for DPO (llm_dpo.train.reference_model): a frozen copy of the starting model (or
``model_ref``), the base without the adapter under PEFT. Long rows are cut as DPO's are in this package: TRL
drops a row whose prompt fills max_length; here the prompt keeps its last max_prompt_length tokens and the
completion is cut to fit (llm_preference.truncate_pair).
"""

from __future__ import annotations

from ..base import TaskContext, TrainJob
from ..llm_dpo.train import reference_model
from ..shared.arguments import data_workers
from ..shared.llm_common import (
    is_conversational_column,
    llm_arguments,
    llm_job,
    load_causal_lm,
    lora_config,
    prepare_tokenizer,
    require_chat_template,
    resolve_max_length,
    safe_map,
)
from ..shared.llm_preference import truncate_pair
from ..shared.splits import load_train_valid
from .data import prepare_kto


def _trainer_class():
    from trl import KTOTrainer

    class _KTOTrainer(KTOTrainer):
        """KTOTrainer that cuts long rows with max_prompt_length and max_completion_length instead of dropping them."""

        def __init__(self, *args, limits: dict, **kwargs):
            self._limits = limits
            super().__init__(*args, **kwargs)

        def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
            saved, args.max_length = args.max_length, None  # TRL drops rows whose prompt fills max_length
            try:
                dataset = super()._prepare_dataset(dataset, processing_class, args, dataset_name)
            finally:
                args.max_length = saved
            return safe_map(dataset, lambda row: truncate_kto_row(row, **self._limits), "truncating the completions")

    return _KTOTrainer


def truncate_kto_row(row: dict, *, max_length: int, max_prompt_length: int | None,
                     max_completion_length: int | None) -> dict:
    """A tokenized KTO row cut like a preference pair; its KL completion (a neighbour's) gets the same room."""
    prompt, completion, _ = truncate_pair(row["prompt_ids"], row["completion_ids"], row["completion_ids"],
                                          max_length=max_length, max_prompt_length=max_prompt_length,
                                          max_completion_length=max_completion_length)
    out = {"prompt_ids": prompt, "completion_ids": completion}
    if "KL_completion_ids" in row:
        kl = row["KL_completion_ids"][:max_completion_length] if max_completion_length else row["KL_completion_ids"]
        out["KL_completion_ids"] = kl[:max(max_length - len(prompt), 0)]
    return out


def kto_options(p) -> dict:
    """KTOConfig's own keywords from the params (the run's and the ejected script's)."""
    return {"beta": p.dpo_beta, "loss_type": p.kto_loss_type, "desirable_weight": p.desirable_weight,
            "undesirable_weight": p.undesirable_weight}


def build(ctx: TaskContext) -> TrainJob:
    from trl import KTOConfig

    config, p = ctx.config, ctx.config.params
    train_raw, valid_raw, _ = load_train_valid(ctx, auto_valid=False)
    train = prepare_kto(train_raw, "train", seed=p.seed)
    valid = prepare_kto(valid_raw, "valid") if valid_raw is not None else None
    tokenizer, added = prepare_tokenizer(config)
    if is_conversational_column(train, "completion"):
        require_chat_template(tokenizer)
    model = load_causal_lm(config, ctx.device, tokenizer)
    ref = reference_model(ctx, model, tokenizer)
    max_length = resolve_max_length(config, model, ctx.log)
    counts = sum(train["label"]), len(train)
    notes = [f"{counts[0]} desirable and {counts[1] - counts[0]} undesirable training examples"]
    ctx.log(notes[0])

    args = llm_arguments(ctx, has_eval=valid is not None, num_examples=len(train))
    kto_args = KTOConfig(**args, max_length=max_length, **kto_options(p),
                         dataset_num_proc=data_workers(p, len(train), ctx.threaded))
    limits = dict(max_length=max_length, max_prompt_length=p.max_prompt_length,
                  max_completion_length=p.max_completion_length)
    trainer = _trainer_class()(
        model=model,
        ref_model=ref,
        args=kto_args,
        train_dataset=train,
        eval_dataset=valid,
        processing_class=tokenizer,
        peft_config=lora_config(config, model=model, tokenizer=tokenizer, added=added,
                                head=False),  # TRL's KTO computes log-probs through its fused LM head
        callbacks=list(ctx.callbacks),
        limits=limits,
    )
    return llm_job(ctx, trainer, tokenizer, train, valid, notes=notes)
