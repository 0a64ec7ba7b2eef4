"""llm-sft: supervised fine-tuning with TRL's SFTTrainer on text or conversations."""

from __future__ import annotations

from ...data.chat import is_conversational
from ...data.columns import column_names
from ...data.loading import is_stream
from ...errors import DataError
from ..base import TaskContext, TrainJob
from ..shared.arguments import data_workers, streamed_rows
from ..shared.arrow_checks import first_blank_text
from ..shared.llm_common import (
    llm_arguments,
    llm_job,
    load_causal_lm,
    lora_config,
    normalise_conversations,
    prepare_tokenizer,
    require_chat_template,
    resolve_max_length,
    resolve_packing,
    safe_map,
)
from ..shared.llm_shapes import check_pair, prompt_completion, with_system
from ..shared.splits import load_train_valid


def _prepare(dataset, name: str, chat: bool):
    """Canonical columns: ``text`` for plain text, ``messages`` for conversations, ``prompt``/``completion``
    for prompt/completion and Alpaca rows (``chat``: the tokenizer has a chat template to render them with)."""
    if dataset is None:
        return None
    stream = is_stream(dataset)
    if not stream and len(dataset) == 0:
        raise DataError(f"the {name} split has no rows")
    if "prompt" in column_names(dataset):
        return _prompt_completion(dataset, name, chat)
    first = next(iter(dataset.take(1)))["text"] if stream else dataset[0]["text"]
    if is_conversational(first) or isinstance(first, (list, tuple)):
        dataset = dataset.rename_column("text", "messages")
        dataset = normalise_conversations(dataset, "messages")  # names an unknown role or a malformed turn
        if "system" in column_names(dataset):
            dataset = dataset.map(lambda row: {"messages": with_system(row["messages"], row["system"])},
                                  remove_columns=["system"], desc=None)
        return dataset
    if "system" in column_names(dataset):
        raise DataError("system_column applies to conversations and prompt/completion rows; this data is plain "
                        "text: map prompt_text_column too, or leave system_column out")
    if stream:  # checked as the rows stream in: a bad row fails the run naming it
        return dataset.map(_text_row_checked, with_indices=True, fn_kwargs={"name": name})
    index = first_blank_text(dataset, "text")  # Arrow's work over the whole column, not a Python loop
    if index is not None:
        value = dataset[index]["text"]
        if value is None or isinstance(value, str):
            raise DataError(f"row {index + 1} of the {name} split has an empty text: remove or fill the empty rows")
        raise DataError(
            f"row {index + 1} of the {name} split holds a {type(value).__name__}, not text: "
            "SFT needs text or a list of {role, content} messages"
        )
    return dataset


def _text_row_checked(row: dict, index: int, name: str) -> dict:
    value = row["text"]
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"row {index + 1} of the {name} split has no text ({value!r:.40}): remove or fill it")
    return row


def _prompt_completion(dataset, name: str, chat: bool):
    """TRL's prompt/completion columns from the prompt (instruction), context, system and answer columns."""

    def pair(row, index):
        check_pair(row, index, name)
        return prompt_completion(row, chat=chat)

    return safe_map(dataset, pair, f"the {name} split", with_indices=True, remove_columns=column_names(dataset))


def _tokenize_without_eos(dataset, tokenizer):
    """TRL appends EOS to every plain text; with add_eos_token false the text is tokenized here instead
    (TRL skips its own processing for a dataset that has input_ids)."""
    if dataset is None:
        return None
    return dataset.map(lambda batch: {"input_ids": tokenizer(batch["text"])["input_ids"]}, batched=True,
                       remove_columns=column_names(dataset))


_LEAN_TRAINER = None


def lean_sft_trainer_class():
    """TRL's SFTTrainer with a cheaper loss path and no per-step entropy or token accuracy.

    TRL 1.x computes every loss through a fused, chunked LM head that also scores each token's entropy and
    whether its label is the argmax, for two logged numbers. Where that head runs as Triton kernels (CUDA, XPU)
    it saves the logits' memory, so it stays, asked for log-probabilities only. Elsewhere (CPU, MPS) it runs as
    chunked torch ops and recomputes the LM head in the backward pass: the model's own cross-entropy on the
    logits trained 7% (1 thread) to 16% (2 threads) faster per step on the bench Llama (bench/cpu_defaults.py).
    The loss is the same sum of token log-likelihoods over the same count; only the summation order differs.
    Anything else (label smoothing, a custom loss, DFT, MoE aux loss, sequence parallelism) keeps TRL's path.
    """
    global _LEAN_TRAINER
    if _LEAN_TRAINER is None:
        _LEAN_TRAINER = _make_lean_trainer()
    return _LEAN_TRAINER


def _make_lean_trainer():
    from trl import SFTTrainer

    try:
        from trl.trainer.utils import add_fused_lm_head
    except ImportError:  # pragma: no cover - a TRL without the fused head computes no extra metrics
        return SFTTrainer

    class LeanSFTTrainer(SFTTrainer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            base = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
            self._lean = "forward" in vars(base) and self._plain_nll()  # TRL patched forward: an instance attribute
            self._fused = self._lean and self.args.device.type in ("cuda", "xpu")
            if self._fused:
                del base.forward  # patch again, log-probabilities only
                add_fused_lm_head(base, outputs=("log_probs",))

        def _plain_nll(self) -> bool:
            parallel = getattr(self.accelerator, "parallelism_config", None)
            return (self.args.loss_type in ("nll", "chunked_nll") and self.compute_loss_func is None
                    and self.label_smoother is None and not self.aux_loss_enabled
                    and not (parallel is not None and getattr(parallel, "sp_enabled", False)))

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            if not self._lean:
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            import torch

            mode = "train" if self.model.training else "eval"
            inputs["use_cache"] = False
            if self._fused:
                outputs = model(**inputs, fused_lm_head=True)
                count = outputs.label_mask.sum() if num_items_in_batch is None else num_items_in_batch
                loss = -outputs.log_probs.sum() / torch.as_tensor(count).clamp(min=1)
            else:  # the model's own loss: summed over tokens / num_items_in_batch, or the mean without it
                extra = {} if num_items_in_batch is None else {"num_items_in_batch": num_items_in_batch}
                outputs = model(**inputs, **extra)
                loss = outputs.loss
            if self.args.average_tokens_across_devices and num_items_in_batch is not None:
                loss = loss * (self.accelerator.num_processes // self.get_tp_size())
            if mode == "train":  # TRL's num_tokens: tokens seen, padding excluded
                if "attention_mask" in inputs:
                    local = inputs["attention_mask"].sum()
                else:
                    local = torch.tensor(inputs["position_ids"].size(1), device=inputs["position_ids"].device)
                self._total_train_tokens += self.accelerator.gather_for_metrics(local).sum().item() // self._tp_size
            self._metrics[mode]["num_tokens"] = [self._total_train_tokens]
            if return_outputs and self._fused:  # logits for compute_metrics: one more forward, as TRL does
                with torch.no_grad():
                    outputs = model(**{k: v for k, v in inputs.items() if k != "labels"})
            return (loss, outputs) if return_outputs else loss

    return LeanSFTTrainer


def build(ctx: TaskContext) -> TrainJob:
    from trl import SFTConfig

    SFTTrainer = lean_sft_trainer_class()  # noqa: N806 - a class, built lazily

    config, p = ctx.config, ctx.config.params
    train_raw, valid_raw, _ = load_train_valid(ctx, auto_valid=False)
    tokenizer, added = prepare_tokenizer(config)
    chat = bool(getattr(tokenizer, "chat_template", None))
    train = _prepare(train_raw, "train", chat)
    valid = _prepare(valid_raw, "valid", chat)
    columns = column_names(train)
    sample = next(iter(train.take(1))) if is_stream(train) else train[0]
    conversational = "messages" in columns or ("prompt" in columns and isinstance(sample["prompt"], list))
    if p.assistant_only_loss and not conversational:
        raise DataError("assistant_only_loss needs conversational data (a column of {role, content} lists)")

    if conversational:
        require_chat_template(tokenizer)
    prompts = valid  # what eval_generate asks, before any tokenization
    if not conversational and not p.add_eos_token and "text" in columns:
        train, valid = _tokenize_without_eos(train, tokenizer), _tokenize_without_eos(valid, tokenizer)
    model = load_causal_lm(config, ctx.device, tokenizer)
    packing = resolve_packing(config, ctx.device)

    rows = streamed_rows(p) if is_stream(train) else len(train)
    args = llm_arguments(ctx, has_eval=valid is not None, num_examples=rows)
    sft_args = SFTConfig(
        **args,
        max_length=resolve_max_length(config, model, ctx.log),
        packing=packing,
        dataset_text_field="text",
        completion_only_loss=p.completion_only_loss,
        assistant_only_loss=p.assistant_only_loss,
        neftune_noise_alpha=p.neftune_noise_alpha,  # NEFTune: noisy embeddings while training
        dataset_num_proc=None if is_stream(train) else data_workers(p, rows, ctx.threaded),
    )
    trainer = SFTTrainer(
        model=model,
        args=sft_args,
        train_dataset=train,
        eval_dataset=valid,
        processing_class=tokenizer,
        peft_config=lora_config(config, model=model, tokenizer=tokenizer, added=added,
                                head=False),  # TRL's fused LM head (any loss but the lean CPU one) reads it raw
        callbacks=list(ctx.callbacks),
    )
    return llm_job(ctx, trainer, tokenizer, train, valid, notes=[f"packing {'on' if packing else 'off'}"],
                   prompts=prompts)
