"""llm-generic: plain causal LM on the text cut into block_size blocks (AutoTrain's "default" trainer).

Every text is tokenized (EOS appended with add_eos_token, conversations rendered
with the chat template), the token stream is concatenated and cut into blocks of
block_size tokens, and transformers' Trainer trains on every token. The last,
shorter block is kept (padded, its padding masked) so short data still trains.
"""

from __future__ import annotations

from ...errors import DataError
from ..base import TaskContext, TrainJob
from ..shared.llm_common import (
    is_conversational_column,
    llm_arguments,
    llm_job,
    load_causal_lm,
    lora_config,
    normalise_conversations,
    prepare_tokenizer,
    require_chat_template,
    resolve_max_length,
    safe_map,
)
from ..shared.splits import load_train_valid


def _texts(dataset, name: str, tokenizer):
    """One ``text`` column of strings, and whether it was rendered by the chat template."""
    if is_conversational_column(dataset, "text"):
        require_chat_template(tokenizer)
        dataset = normalise_conversations(dataset, "text")
        rendered = safe_map(dataset, lambda row: {"text": tokenizer.apply_chat_template(row["text"], tokenize=False)},
                            f"the {name} split: the chat template failed")
        return rendered, True
    for i in range(min(len(dataset), 50)):
        if not isinstance(dataset[i]["text"], str):
            raise DataError(f"the {name} split's text column holds {type(dataset[i]['text']).__name__} at row {i}: "
                            "llm-generic needs text or a list of {role, content} messages")
    return dataset, False


def group_texts(dataset, tokenizer, block_size: int, add_eos: bool, name: str = "train", rendered: bool = False):
    """Tokenize, concatenate and cut into ``block_size`` blocks with ``labels`` equal to ``input_ids``.

    Text rendered by a chat template already holds its special tokens, so none are added to it.
    """
    import numpy as np
    from datasets import Dataset

    eos = tokenizer.eos_token_id

    def _tokenize(batch):
        ids = tokenizer(batch["text"], add_special_tokens=not rendered)["input_ids"]
        if add_eos and eos is not None:
            ids = [x if x and x[-1] == eos else x + [eos] for x in ids]
        return {"input_ids": ids}

    tokens = safe_map(dataset, _tokenize, f"tokenizing the {name} split", batched=True,
                      remove_columns=dataset.column_names)
    chunks = tokens.data.column("input_ids").chunks
    parts = [np.asarray(c.flatten().to_numpy(zero_copy_only=False), dtype=np.int64) for c in chunks]
    stream = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    full = len(stream) // block_size
    blocks = stream[: full * block_size].reshape(full, block_size).tolist()
    if len(stream) - full * block_size >= 2:  # keep the tail; a one-token block has nothing to predict
        blocks.append(stream[full * block_size:].tolist())
    if not blocks:
        raise DataError(f"the {name} split has no text to train on (it tokenizes to {len(stream)} tokens)")
    return Dataset.from_dict({"input_ids": blocks, "attention_mask": [[1] * len(b) for b in blocks],
                              "labels": blocks})


def build(ctx: TaskContext) -> TrainJob:
    from transformers import DataCollatorForSeq2Seq, Trainer, TrainingArguments

    config, p = ctx.config, ctx.config.params
    train_raw, valid_raw, _ = load_train_valid(ctx, auto_valid=False)
    tokenizer, added = prepare_tokenizer(config)
    model = load_causal_lm(config, ctx.device, tokenizer)
    block_size = resolve_max_length(config, model, ctx.log)

    def blocks(raw, name):
        texts, rendered = _texts(raw, name, tokenizer)
        return group_texts(texts, tokenizer, block_size, p.add_eos_token, name, rendered=rendered)

    train = blocks(train_raw, "train")
    valid = blocks(valid_raw, "valid") if valid_raw is not None else None

    args = llm_arguments(ctx, has_eval=valid is not None, num_examples=len(train))
    model = _with_adapter(model, config, args["activation_checkpointing"], tokenizer, added)
    trainer = Trainer(
        model=model,
        args=TrainingArguments(**args),
        train_dataset=train,
        eval_dataset=valid,
        data_collator=DataCollatorForSeq2Seq(tokenizer, label_pad_token_id=-100),
        processing_class=tokenizer,
        callbacks=list(ctx.callbacks),
    )
    return llm_job(ctx, trainer, tokenizer, train, valid, notes=[f"{len(train)} blocks of up to {block_size} tokens"],
                   prompts=valid_raw)  # eval_generate continues texts (or answers conversations), not blocks


def _with_adapter(model, config, checkpointing: bool, tokenizer=None, added: list[str] | None = None):
    """LoRA (and QLoRA preparation) applied here: plain Trainer does not take a peft_config."""
    peft_config = lora_config(config, model=model, tokenizer=tokenizer, added=added)
    if peft_config is None:
        return model
    from peft import get_peft_model, prepare_model_for_kbit_training

    if config.params.quantization:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=checkpointing)
    elif checkpointing:
        model.enable_input_require_grads()
    return get_peft_model(model, peft_config)
