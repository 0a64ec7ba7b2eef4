"""seq2seq: an encoder-decoder (T5, BART ...) on text -> target text, with optional LoRA.

Evaluation generates on the valid split and reports ROUGE-1/2/L and the mean generated length.
With LoRA and merge_adapter the merged model is the run's model (the adapter stays in
``adapter/``); without merging the run directory holds the adapter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import ModelError
from ..base import TaskContext, TrainJob
from ..shared.generation_callback import add_generations
from ..shared.llm_common import ADAPTER_DIR, merge_into
from ..shared.metrics import rouge
from ..shared.splits import load_train_valid
from ..shared.supervised import (
    check_text_column,
    early_stopping,
    ensure_pad_token,
    load_head,
    load_processor,
    trainer_arguments,
)

SEQ2SEQ_MODEL = "an encoder-decoder (seq2seq) model"


def _lora(p):
    from peft import LoraConfig, TaskType

    from ..shared.peft_variants import lora_kwargs

    targets = p.target_modules or "all-linear"
    if targets != "all-linear":
        targets = [t.strip() for t in str(targets).split(",") if t.strip()]
    return LoraConfig(r=p.lora_r, lora_alpha=p.lora_alpha, lora_dropout=p.lora_dropout, target_modules=targets,
                      bias="none", task_type=TaskType.SEQ_2_SEQ_LM, **lora_kwargs(p))


def _quantization(ctx: TaskContext):
    p = ctx.config.params
    if not p.quantization:
        return {}
    if ctx.device.device != "cuda":
        raise ModelError(f"quantization {p.quantization} needs a CUDA GPU and this machine has none: "
                         "set params.quantization: null (LoRA still works with peft: true)")
    import torch
    from transformers import BitsAndBytesConfig

    from ...errors import require

    require("bitsandbytes", "qlora", "quantized training")
    if p.quantization == "int4":
        compute = torch.bfloat16 if ctx.device.bf16 else torch.float16 if ctx.device.fp16 else torch.float32
        return {"quantization_config": BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                                          bnb_4bit_compute_dtype=compute)}
    return {"quantization_config": BitsAndBytesConfig(load_in_8bit=True)}


def build(ctx: TaskContext) -> TrainJob:
    from transformers import (
        AutoModelForSeq2SeqLM,
        AutoTokenizer,
        DataCollatorForSeq2Seq,
        Seq2SeqTrainer,
        Seq2SeqTrainingArguments,
    )

    p = ctx.config.params
    train, valid, _ = load_train_valid(ctx)
    for name, split in (("train", train), ("valid", valid)):
        if split is not None:
            check_text_column(split, "text", name)
            check_text_column(split, "target", name)

    tokenizer = load_processor(AutoTokenizer, ctx, "a tokenizer")
    model = load_head(AutoModelForSeq2SeqLM, ctx, SEQ2SEQ_MODEL, **_quantization(ctx))
    ensure_pad_token(tokenizer, model)
    if p.peft:
        from peft import get_peft_model, prepare_model_for_kbit_training

        if p.quantization:
            model = prepare_model_for_kbit_training(model)
        model = get_peft_model(model, _lora(p))

    def tokenize(batch):
        enc = tokenizer(batch["text"], truncation=True, max_length=p.max_seq_length)
        enc["labels"] = tokenizer(text_target=batch["target"], truncation=True,
                                  max_length=p.max_target_length)["input_ids"]
        return enc

    prompts = valid  # eval_generate's sources and targets, before tokenization
    train = train.map(tokenize, batched=True, remove_columns=train.column_names)
    if valid is not None:
        valid = valid.map(tokenize, batched=True, remove_columns=valid.column_names)

    def compute_metrics(eval_pred):
        preds = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions
        preds = np.where(np.asarray(preds) < 0, tokenizer.pad_token_id, preds)
        label_ids = np.where(eval_pred.label_ids < 0, tokenizer.pad_token_id, eval_pred.label_ids)
        decoded = tokenizer.batch_decode(preds, skip_special_tokens=True)
        refs = tokenizer.batch_decode(label_ids, skip_special_tokens=True)
        scores = rouge(decoded, refs)
        lengths = [int((row != tokenizer.pad_token_id).sum()) for row in np.asarray(preds)]
        scores["gen_len"] = float(np.mean(lengths)) if lengths else 0.0
        return scores

    has_eval = valid is not None
    args = Seq2SeqTrainingArguments(**trainer_arguments(
        ctx, has_eval=has_eval, num_examples=len(train), predict_with_generate=has_eval,
        generation_max_length=p.max_target_length))
    trainer = Seq2SeqTrainer(
        model=model, args=args, train_dataset=train, eval_dataset=valid, processing_class=tokenizer,
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=model, label_pad_token_id=-100),
        compute_metrics=compute_metrics if has_eval else None,
        callbacks=[*ctx.callbacks, *early_stopping(ctx, has_eval)],
    )
    add_generations(ctx, trainer, tokenizer, prompts, "seq2seq", max_source_tokens=p.max_seq_length)

    def save(run_dir):
        run_dir = Path(run_dir)
        if p.peft and p.merge_adapter:
            adapter = run_dir / ADAPTER_DIR
            trainer.save_model(str(adapter))
            tokenizer.save_pretrained(str(adapter))
            merge_into(lambda: load_head(AutoModelForSeq2SeqLM, ctx, SEQ2SEQ_MODEL), adapter, run_dir)
        else:
            trainer.save_model(str(run_dir))
        tokenizer.save_pretrained(str(run_dir))

    return TrainJob(trainer=trainer, model=model, tokenizer=tokenizer, save=save, num_train_examples=len(train),
                    num_valid_examples=len(valid) if valid is not None else 0,
                    notes=["LoRA" if p.peft else "full fine-tuning"])
