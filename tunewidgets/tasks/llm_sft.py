"""llm-sft: supervised fine-tuning with TRL's SFTTrainer on text or conversations."""

from __future__ import annotations

from ..errors import DataError
from .base import TaskContext, TrainJob
from .llm_common import (
    is_conversational_column,
    llm_arguments,
    load_causal_lm,
    load_train_valid,
    lora_config,
    normalise_conversations,
    prepare_tokenizer,
    require_chat_template,
    resolve_max_length,
    resolve_packing,
    save_llm,
)


def _prepare(dataset, name: str):
    """Canonical columns: ``text`` for plain text, ``messages`` for conversations."""
    if dataset is None:
        return None
    if len(dataset) == 0:
        raise DataError(f"the {name} split has no rows")
    first = dataset[0]["text"]
    if is_conversational_column(dataset, "text") or isinstance(first, (list, tuple)):
        dataset = dataset.rename_column("text", "messages")
        return normalise_conversations(dataset, "messages")  # names an unknown role or a malformed turn
    for index, value in enumerate(dataset["text"]):
        if value is None or (isinstance(value, str) and not value.strip()):
            raise DataError(f"row {index + 1} of the {name} split has an empty text: remove or fill the empty rows")
        if not isinstance(value, str):
            raise DataError(
                f"row {index + 1} of the {name} split holds a {type(value).__name__}, not text: "
                "SFT needs text or a list of {role, content} messages"
            )
    return dataset


def _tokenize_without_eos(dataset, tokenizer):
    """TRL appends EOS to every plain text; with add_eos_token false the text is tokenized here instead
    (TRL skips its own processing for a dataset that has input_ids)."""
    if dataset is None:
        return None
    return dataset.map(lambda batch: {"input_ids": tokenizer(batch["text"])["input_ids"]}, batched=True,
                       remove_columns=dataset.column_names, desc=None)


def build(ctx: TaskContext) -> TrainJob:
    from trl import SFTConfig, SFTTrainer

    config, p = ctx.config, ctx.config.params
    train_raw, valid_raw = load_train_valid(ctx)
    train = _prepare(train_raw, "train")
    valid = _prepare(valid_raw, "valid")
    conversational = "messages" in train.column_names
    if p.assistant_only_loss and not conversational:
        raise DataError("assistant_only_loss needs conversational data (a column of {role, content} lists)")

    tokenizer, added = prepare_tokenizer(config)
    if conversational:
        require_chat_template(tokenizer)
    elif not p.add_eos_token:
        train, valid = _tokenize_without_eos(train, tokenizer), _tokenize_without_eos(valid, tokenizer)
    model = load_causal_lm(config, ctx.device, tokenizer, added)
    packing = resolve_packing(config, ctx.device)

    args = llm_arguments(ctx, has_eval=valid is not None, num_examples=len(train))
    sft_args = SFTConfig(
        **args,
        max_length=resolve_max_length(config, model, ctx.log),
        packing=packing,
        dataset_text_field="text",
        completion_only_loss=p.completion_only_loss,
        assistant_only_loss=p.assistant_only_loss,
    )
    trainer = SFTTrainer(
        model=model,
        args=sft_args,
        train_dataset=train,
        eval_dataset=valid,
        processing_class=tokenizer,
        peft_config=lora_config(config),
        callbacks=list(ctx.callbacks),
    )
    return TrainJob(
        trainer=trainer,
        model=trainer.model,
        tokenizer=tokenizer,
        save=lambda run_dir: save_llm(trainer, tokenizer, config, run_dir, ctx.device),
        num_train_examples=len(train),
        num_valid_examples=len(valid) if valid is not None else 0,
        notes=[f"packing {'on' if packing else 'off'}"],
    )
