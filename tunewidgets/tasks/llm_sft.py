"""llm-sft: supervised fine-tuning with TRL's SFTTrainer on text or conversations."""

from __future__ import annotations

from ..errors import DataError
from .base import TaskContext, TrainJob
from .common import load_split_data, map_columns, training_arguments
from .llm_common import (
    hub_token,
    is_conversational_column,
    load_causal_lm,
    lora_config,
    normalise_conversations,
    prepare_tokenizer,
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
            raise DataError(
                f"row {index + 1} of the {name} split has an empty text: remove or fill the empty rows"
            )
        if not isinstance(value, str):
            raise DataError(
                f"row {index + 1} of the {name} split holds a {type(value).__name__}, not text: "
                "SFT needs text or a list of {role, content} messages"
            )
    return dataset


def build(ctx: TaskContext) -> TrainJob:
    from trl import SFTConfig, SFTTrainer

    config, p = ctx.config, ctx.config.params
    token = hub_token(config)
    train = _prepare(map_columns(load_split_data(config, ctx.train_data, config.data.train_split, token), config), "train")
    valid_raw = load_split_data(config, ctx.valid_data, config.data.valid_split if ctx.valid_data is None else "valid", token)
    valid = _prepare(map_columns(valid_raw, config), "valid") if valid_raw is not None else None
    conversational = "messages" in train.column_names
    if p.assistant_only_loss and not conversational:
        raise DataError("assistant_only_loss needs conversational data (a column of {role, content} lists)")

    tokenizer, added = prepare_tokenizer(config)
    if conversational and not tokenizer.chat_template:
        raise DataError(
            "the data is conversational but the tokenizer has no chat template: set data.chat_template "
            "(chatml, zephyr or a jinja file)"
        )
    model = load_causal_lm(config, ctx.device, tokenizer, added)

    args = training_arguments(
        config, ctx.device, ctx.run_dir, has_eval=valid is not None, num_examples=len(train), quiet=ctx.quiet
    )
    sft_args = SFTConfig(
        **args,
        max_length=p.max_length,
        packing=bool(p.packing),
        dataset_text_field="text",
        completion_only_loss=p.completion_only_loss,
        assistant_only_loss=p.assistant_only_loss,
        activation_checkpointing=not p.disable_gradient_checkpointing and ctx.device.device == "cuda",
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
        save=lambda run_dir: save_llm(trainer, tokenizer, config, run_dir),
        num_train_examples=len(train),
        num_valid_examples=len(valid) if valid is not None else 0,
    )
