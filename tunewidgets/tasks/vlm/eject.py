"""Eject vlm:vqa / vlm:captioning to a standalone TRL script: the run's data reading, its rows for TRL
(data.prepare_split, embedded), the same model, LoRA, SFTConfig and seed, and the run's collator without a
chat template (collate.py, embedded), so the script trains the run's losses."""

from __future__ import annotations

from pathlib import Path

from ...config.run_config import RunConfig
from ..shared import eject_trainer as common
from ..shared.eject_data import column_renames, read_splits
from ..shared.eject_source import Raw, Script, header
from ..shared.images import data_root
from ..shared.llm_common import ADAPTER_DIR, model_dtype
from ..shared.llm_eject import _training_arguments
from ..shared.peft_variants import lora_kwargs_source
from .collate import PromptAnswerCollator
from .data import prepare_split
from .train import shown_columns


def script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None, device=None,
           captioning: bool = False) -> str:
    """A standalone script that trains like a run of ``config``: SFTTrainer on an image-text-to-text model."""
    p, device, notes = config.params, common.device_or_cpu(device), []
    out = common.output_dir(config, workdir)
    args = _training_arguments(config, device, out, notes)
    s = Script(header(config, "TRL's SFTTrainer (a vision-language model, loss on the answer)", device, notes))
    s.imports("import torch", "from transformers import AutoModelForImageTextToText, AutoProcessor",
              "from trl import SFTConfig, SFTTrainer")
    root = data_root(config)
    s.setting("MODEL", config.base_model).setting("OUTPUT_DIR", out).setting("CAPTIONING", captioning)
    s.setting("MAX_LENGTH", p.model_max_length, "model_max_length (None: never cut)")
    s.setting("IMAGE_ROOT", Raw(f"Path({str(root)!r})") if root is not None else None,
              "relative image paths are read from here")
    s.setting("SHOWN", shown_columns(config), "how errors name your columns")
    s.imports("from pathlib import Path")
    s.section("processor",
              "processor = AutoProcessor.from_pretrained(MODEL)",
              "if processor.tokenizer.pad_token is None:",
              "    processor.tokenizer.pad_token = processor.tokenizer.eos_token",
              "chat = bool(getattr(processor, 'chat_template', None))  # else PaliGemma's prefix and suffix")
    s.section("data")
    read_splits(s, config, auto_valid=False, renames=column_renames(config))
    s.embed(prepare_split)
    s.add("options = dict(root=IMAGE_ROOT, chat=chat, captioning=CAPTIONING, shown=SHOWN)",
          "train = prepare_split(train, 'train', **options)  # image, prompt, completion: what TRL reads",
          "valid = prepare_split(valid, 'valid', **options) if valid is not None else None")
    s.section("model", *_model_lines(s, config, device))
    if p.peft:
        s.add(*_lora_lines(s, config))
    s.section("training")
    s.embed(PromptAnswerCollator)
    s.add(*common.arguments_lines(s, config, "SFTConfig", {**args, "max_length": Raw("MAX_LENGTH"),
                                                           "completion_only_loss": True}))
    s.add("trainer = SFTTrainer(",
          "    model=model,",
          "    args=args,",
          "    train_dataset=train,",
          "    eval_dataset=valid,",
          "    processing_class=processor,",
          "    data_collator=None if chat else PromptAnswerCollator(processor, MAX_LENGTH),  # chat: TRL's own",
          *(["    peft_config=peft_config,"] if p.peft else []),
          ")",
          "trainer.train()")
    s.section("save", *_save_lines(s, config, device))
    return s.text()


def _model_lines(s: Script, config: RunConfig, device) -> list[str]:
    p = config.params
    kwargs = [f"dtype=torch.{str(model_dtype(config, device)).rsplit('.', 1)[-1]}"]
    if p.quantization:
        s.imports("from transformers import BitsAndBytesConfig")
        compute = "bfloat16" if device.bf16 else "float16" if device.fp16 else "float32"
        kwargs.append("quantization_config=" + (
            "BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type='nf4', "
            f"bnb_4bit_compute_dtype=torch.{compute}, bnb_4bit_use_double_quant=True)"
            if p.quantization == "int4" else "BitsAndBytesConfig(load_in_8bit=True)"))
    return [*common.seed_lines(s), f"model = AutoModelForImageTextToText.from_pretrained(MODEL, {', '.join(kwargs)})"]


def _lora_lines(s: Script, config: RunConfig) -> list[str]:
    """The run's LoraConfig (llm_common.lora_config: a VLM's processor adds no template tokens to train)."""
    p = config.params
    s.imports("from peft import LoraConfig")
    targets = p.target_modules or "all-linear"
    if targets != "all-linear":
        targets = [t.strip() for t in str(targets).split(",") if t.strip()]
    variants, imports = lora_kwargs_source(p)
    s.imports(*imports)
    return [f"peft_config = LoraConfig(r={p.lora_r}, lora_alpha={p.lora_alpha}, lora_dropout={p.lora_dropout}, "
            f"target_modules={targets!r},",
            f"                         bias='none', task_type='CAUSAL_LM'{variants})"]


def _save_lines(s: Script, config: RunConfig, device) -> list[str]:
    """As the run saves: the model (or adapter) and processor; merged into a fresh base with merge_adapter."""
    p = config.params
    state = "trainer.save_state()  # OUTPUT_DIR/trainer_state.json: the log history (losses, evaluations)"
    if not (p.peft and p.merge_adapter):
        return ["trainer.save_model(OUTPUT_DIR)", "processor.save_pretrained(OUTPUT_DIR)", state]
    s.imports("from peft import PeftModel")
    plain = config.model_copy(update={"params": p.model_copy(update={"quantization": None})})
    dtype = str(model_dtype(plain, device)).rsplit(".", 1)[-1]
    return [f"adapter = OUTPUT_DIR + '/{ADAPTER_DIR}'",
            "trainer.save_model(adapter)",
            "processor.save_pretrained(adapter)",
            f"base = AutoModelForImageTextToText.from_pretrained(MODEL, dtype=torch.{dtype})  # a fresh base, merged",
            "PeftModel.from_pretrained(base, adapter).merge_and_unload().save_pretrained(OUTPUT_DIR)",
            "processor.save_pretrained(OUTPUT_DIR)",
            state]
