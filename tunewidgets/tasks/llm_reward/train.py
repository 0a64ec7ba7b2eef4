"""llm-reward: a sequence-classification head with one output, trained by TRL's RewardTrainer.

The pairs are tokenized here rather than by TRL, because TRL drops every pair longer
than max_length; here long pairs are truncated (prompt end kept) as in DPO and ORPO.
"""

from __future__ import annotations

from ...errors import DataError
from ..base import TaskContext, TrainJob
from ..shared.arguments import data_workers
from ..shared.llm_common import (
    llm_arguments,
    llm_job,
    lora_config,
    resolve_max_length,
    safe_map,
)
from ..shared.llm_preference import load_preference_setup, tokenize_preference, truncate_pair


def tokenize_pairs(dataset, tokenizer, *, max_length: int, max_prompt_length: int | None,
                   max_completion_length: int | None):
    """``chosen_ids`` and ``rejected_ids`` (prompt + answer, truncated), the columns RewardTrainer reads."""

    def _row(example):
        t = tokenize_preference(example, tokenizer)
        prompt, chosen, rejected = truncate_pair(
            t["prompt_ids"], t["chosen_ids"], t["rejected_ids"], max_length=max_length,
            max_prompt_length=max_prompt_length, max_completion_length=max_completion_length,
        )
        return {"chosen_ids": prompt + chosen, "rejected_ids": prompt + rejected}

    return safe_map(dataset, _row, "tokenizing the preference pairs", remove_columns=dataset.column_names)


def build(ctx: TaskContext) -> TrainJob:
    from trl import RewardConfig, RewardTrainer

    config, p = ctx.config, ctx.config.params
    train, valid, tokenizer, added, model = load_preference_setup(ctx, head="reward")
    max_length = resolve_max_length(config, model, ctx.log)
    limits = dict(max_length=max_length, max_prompt_length=p.max_prompt_length,
                  max_completion_length=p.max_completion_length)
    train = tokenize_pairs(train, tokenizer, **limits)
    valid = tokenize_pairs(valid, tokenizer, **limits) if valid is not None else None
    if all(a == b for a, b in zip(train["chosen_ids"], train["rejected_ids"])):
        raise DataError(f"after truncation to {max_length} tokens, chosen and rejected are equal in every row: "
                        "raise block_size or max_completion_length")

    args = llm_arguments(ctx, has_eval=valid is not None, num_examples=len(train))
    reward_args = RewardConfig(**args, max_length=max_length,
                               dataset_num_proc=data_workers(p, len(train), ctx.threaded))
    trainer = RewardTrainer(
        model=model,
        args=reward_args,
        train_dataset=train,
        eval_dataset=valid,
        processing_class=tokenizer,
        peft_config=lora_config(config, task_type="SEQ_CLS", model=model, tokenizer=tokenizer,
                                added=added),
        callbacks=list(ctx.callbacks),
    )
    return llm_job(ctx, trainer, tokenizer, train, valid, head="reward")
