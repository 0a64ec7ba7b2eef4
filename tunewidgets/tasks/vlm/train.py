"""vlm:vqa and vlm:captioning: TRL's SFTTrainer on an image-text-to-text model, loss on the answer only.

The rows become TRL's prompt-completion with an image (data.py). With the processor's chat template TRL's
vision collator renders them; without one (PaliGemma) collate.py lays them out. LoRA, QLoRA, the Trainer
arguments, eval loss on valid_split and merge on save are the LLM tasks' own (shared/llm_common.py).
"""

from __future__ import annotations

from ...config.run_config import RunConfig
from ..base import TaskContext, TrainJob
from ..shared.generation_callback import add_generations
from ..shared.images import data_root
from ..shared.llm_common import llm_arguments, lora_config
from ..shared.splits import column_named, load_train_valid
from .collate import PromptAnswerCollator, has_chat_template
from .data import prepare_split
from .model import load_model, load_processor, save


def shown_columns(config: RunConfig) -> dict[str, str]:
    """How errors name the user's columns: {"image": "'img' column", "text": ..., "prompt": ...}."""
    return {"image": column_named(config, "image_column", "image"),
            "text": column_named(config, "text_column", "text"),
            "prompt": column_named(config, "prompt_text_column", "prompt")}


def build(ctx: TaskContext, captioning: bool = False) -> TrainJob:
    from trl import SFTConfig

    from ..llm_sft.train import lean_sft_trainer_class

    SFTTrainer = lean_sft_trainer_class()  # noqa: N806 - a class, built lazily

    config, p = ctx.config, ctx.config.params
    train_raw, valid_raw, _ = load_train_valid(ctx, auto_valid=False)
    processor = load_processor(config.base_model, config.hub_token)
    chat = has_chat_template(processor)
    options = dict(root=data_root(config), chat=chat, captioning=captioning, shown=shown_columns(config))
    train = prepare_split(train_raw, "train", **options)
    valid = prepare_split(valid_raw, "valid", **options) if valid_raw is not None else None
    model = load_model(config, ctx.device)

    args = llm_arguments(ctx, has_eval=valid is not None, num_examples=len(train))
    sft_args = SFTConfig(**args, max_length=p.model_max_length, completion_only_loss=True)
    trainer = SFTTrainer(
        model=model,
        args=sft_args,
        train_dataset=train,
        eval_dataset=valid,
        processing_class=processor,
        data_collator=None if chat else PromptAnswerCollator(processor, p.model_max_length),
        peft_config=lora_config(config, model=model),
        callbacks=list(ctx.callbacks),
    )
    add_generations(ctx, trainer, processor, valid, "vlm", captioning=captioning)
    layout = "the processor's chat template" if chat else "prefix and suffix (the processor has no chat template)"
    note = f"prompts laid out by {layout}; loss on the answer only"
    ctx.log(note)
    if config.data.chat_template not in (None, "tokenizer"):  # the LLM tasks' templates read text, not images
        ctx.log(f"warning: data.chat_template {config.data.chat_template!r} is not used: a vision-language model's "
                "prompts are laid out by its processor")
    return TrainJob(trainer=trainer, model=trainer.model, tokenizer=processor,
                    save=lambda run_dir: save(trainer, processor, config, run_dir, ctx.device),
                    num_train_examples=len(train), num_valid_examples=len(valid) if valid is not None else 0,
                    notes=[note])
