"""Eject an LLM run to a standalone script: the same data loading, column renames, template, LoRA and
hyperparameters as the tunewidgets run, with no tunewidgets import.

The Trainer arguments are asked of the task layer itself (``llm_arguments``), and what the run does to the
data beyond TRL (the SFT shapes, the preference pairs' shapes and truncation, the reward pairs' tokens,
llm-generic's blocks) is the run's own code, embedded (see eject_source.py), so the script cannot drift from
what a run does. Each LLM task binds what differs: its TRL config and trainer, and options (``sft``:
SFT-style text arguments; ``packs``: llm-generic, transformers' Trainer on packed blocks as the run trains it;
``beta``: DPO/ORPO's beta; ``reference``: a reference model without PEFT; ``reward_head``: a one-output
classifier; ``fused_head``: TRL reads the LM head directly, so only the embedding's new rows train), and hooks
named ``"module:function"`` (``options``: params -> the TRL config's own keywords, as the run passes them;
``subclass``: () -> the run's trainer subclass, embedded, which takes ``limits``; ``prepare``: the run's data
shaping, called as ``prepare(split, name, seed)``, seed for train only).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from ...config.run_config import RunConfig
from . import eject_trainer as common
from .eject_data import column_renames, read_splits
from .eject_source import Raw, Script, header
from .llm_common import ADAPTER_DIR, new_token_rows
from .peft_variants import changes_the_base, lora_kwargs_source


def script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None, device=None,
           module: str, config_class: str, trainer_class: str, sft: bool = False, packs: bool = False,
           assistant_only: bool = False, beta: bool = False, reference: bool = False, reward_head: bool = False,
           fused_head: bool = False, options: str | None = None, subclass: str | None = None,
           prepare: str | None = None) -> str:
    """A standalone script that trains like this config, with TRL (transformers' Trainer for llm-generic)."""
    p, device, notes = config.params, common.device_or_cpu(device), []
    out = common.output_dir(config, workdir)
    args = _training_arguments(config, device, out, notes)
    preference = config.task_info.role("rejected_text_column") is not None
    generic = packs
    what = "transformers' Trainer on block_size blocks" if generic else trainer_class
    s = Script(header(config, what, device, notes))
    model_class = "AutoModelForSequenceClassification" if reward_head else "AutoModelForCausalLM"
    s.imports("import torch", f"from transformers import AutoTokenizer, {model_class}, set_seed")
    s.setting("MODEL", config.base_model).setting("OUTPUT_DIR", out).setting("TASK", config.task)
    s.setting("MAX_LENGTH", p.max_length, "block_size (or model_max_length)")
    s.section("tokenizer and chat template", *_tokenizer_lines(config))
    s.section("data")
    read_splits(s, config, auto_valid=False, renames=column_renames(config))
    if prepare:
        shape = _hook(prepare)
        s.embed(shape)
        s.add(f"train = {shape.__name__}(train, 'train', SEED)  # the run's shaping of the rows",
              f"valid = {shape.__name__}(valid, 'valid') if valid is not None else None")
    elif preference:
        from .llm_preference import prepare_preference

        s.embed(prepare_preference)
        s.add("train = prepare_preference(train, 'train', TASK)  # TRL's prompt, chosen, rejected",
              "valid = prepare_preference(valid, 'valid', TASK) if valid is not None else None")
    elif sft and not generic:  # llm-generic reads its texts itself (below)
        s.add(*_sft_data_lines(s, config))
    s.section("model", *_model_lines(s, config, device, model_class, reward_head))
    if reference and (not p.peft or changes_the_base(p)):  # pissa/olora/loftq: the base changes under the adapter
        s.imports("import copy")
        source = (f"{model_class}.from_pretrained({p.model_ref!r}, dtype=torch.float32)" if p.model_ref
                  else "copy.deepcopy(model)")
        s.add(f"ref_model = {source}  # the frozen reference",
              *(["if len(tokenizer) > ref_model.get_input_embeddings().num_embeddings:",
                 "    ref_model.resize_token_embeddings(len(tokenizer))"] if p.model_ref else []),
              "ref_model.eval()", "ref_model.requires_grad_(False)")
    if p.peft:
        s.add(*_lora_lines(s, config, "SEQ_CLS" if reward_head else "CAUSAL_LM", head=not fused_head))
    s.section("training")
    if generic:
        s.add(*_generic_lines(s, config, args))
    else:
        s.add(*_trl_lines(s, config, device, args, module, config_class, trainer_class, sft=sft, beta=beta,
                          assistant_only=assistant_only, reference=reference, reward_head=reward_head,
                          options=options, subclass=subclass))
    s.add("trainer.train()")
    s.section("save", *_save_lines(s, config, device, model_class))
    return s.text()


def _training_arguments(config: RunConfig, device, out_dir: str, notes: list[str]) -> dict:
    """The Trainer arguments a tunewidgets run uses, asked of the task layer itself (so the script cannot drift)."""
    from ..base import TaskContext
    from .llm_common import llm_arguments

    ctx = TaskContext(config=config, run_dir=Path(out_dir), device=device, log=notes.append, quiet=False)
    args = llm_arguments(ctx, has_eval=bool(config.data.valid_split), num_examples=1)
    args["output_dir"] = out_dir
    args.pop("disable_tqdm", None)
    p = config.params
    if p.logging_steps <= 0 and p.max_steps <= 0:  # about 50 points per run: counted on what the script trains on
        args["logging_steps"] = Raw("resolve_logging_steps(-1, estimate_total_steps(len(train), STEPS))")
    return args


def _tokenizer_lines(config: RunConfig) -> list[str]:
    p = config.params
    lines = ["tokenizer = AutoTokenizer.from_pretrained(MODEL)"]
    if p.padding:
        lines.append(f"tokenizer.padding_side = {p.padding!r}")
    lines += ["if tokenizer.pad_token is None:", "    tokenizer.pad_token = tokenizer.eos_token", "added_tokens = []"]
    return lines + _template_lines(config)


def _template_lines(config: RunConfig) -> list[str]:
    name = config.data.chat_template
    if not name or name == "tokenizer":
        return []
    from ...data.chat_templates import BUILTIN_TEMPLATES, TEMPLATE_SPECIAL_TOKENS

    key = name.strip().lower()
    if key in BUILTIN_TEMPLATES:
        template, tokens = BUILTIN_TEMPLATES[key], TEMPLATE_SPECIAL_TOKENS.get(key, [])
    else:
        try:
            template, tokens = Path(name).expanduser().read_text(encoding="utf-8"), []
        except OSError:
            return [f"tokenizer.chat_template = open({name!r}, encoding='utf-8').read()"]
    return [f"tokenizer.chat_template = {template!r}",
            f"added_tokens = [t for t in {tokens!r} if t not in tokenizer.get_vocab()]",
            "if added_tokens:",
            "    tokenizer.add_special_tokens({'extra_special_tokens': added_tokens}, "
            "replace_extra_special_tokens=False)"]


def _sft_data_lines(s: Script, config: RunConfig) -> list[str]:
    """The run's SFT shapes: text, conversations (``messages``), prompt/completion (its ``_prepare``)."""
    from ..llm_sft import train as sft_train

    s.embed(sft_train._prepare)
    chat = "chat" in inspect.signature(sft_train._prepare).parameters
    call = "_prepare({}, {!r}, chat)" if chat else "_prepare({}, {!r})"
    lines = ["chat = bool(getattr(tokenizer, 'chat_template', None))"] if chat else []
    lines += [f"train, valid = {call.format('train', 'train')}, {call.format('valid', 'valid')}"]
    if not config.params.add_eos_token:
        s.embed(sft_train._tokenize_without_eos)
        lines += ["if 'text' in train.column_names:  # add_eos_token false: tokenized here, without EOS",
                  "    train, valid = _tokenize_without_eos(train, tokenizer), _tokenize_without_eos(valid, tokenizer)"]
    return lines


def _model_lines(s: Script, config: RunConfig, device, model_class: str, reward_head: bool) -> list[str]:
    from .llm_common import model_dtype

    p = config.params
    kwargs = [f"dtype=torch.{str(model_dtype(config, device)).rsplit('.', 1)[-1]}"]
    if reward_head:
        kwargs.insert(0, "num_labels=1")
    if p.quantization:
        s.imports("from transformers import BitsAndBytesConfig")
        compute = "bfloat16" if device.bf16 else "float16" if device.fp16 else "float32"
        quant = ("BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type='nf4', "
                 f"bnb_4bit_compute_dtype=torch.{compute}, bnb_4bit_use_double_quant=True)"
                 if p.quantization == "int4" else "BitsAndBytesConfig(load_in_8bit=True)")
        kwargs.append(f"quantization_config={quant}")
    if p.use_flash_attention_2:
        kwargs.append("attn_implementation='flash_attention_2'")
    return [*common.seed_lines(s),
            f"model = {model_class}.from_pretrained(MODEL, {', '.join(kwargs)})",
            "if len(tokenizer) > model.get_input_embeddings().num_embeddings:  # the template's new tokens",
            "    model.resize_token_embeddings(len(tokenizer))",
            "if model.config.pad_token_id is None and tokenizer.pad_token_id is not None:",
            "    model.config.pad_token_id = tokenizer.pad_token_id",
            "positions = getattr(model.config, 'max_position_embeddings', None) or "
            "getattr(model.config, 'n_positions', None)",
            "max_length = min(MAX_LENGTH, positions) if isinstance(positions, int) and positions > 0 else MAX_LENGTH"]


def _lora_lines(s: Script, config: RunConfig, task_type: str, head: bool) -> list[str]:
    p = config.params
    s.imports("from peft import LoraConfig")
    s.embed(new_token_rows)
    variants, imports = lora_kwargs_source(p)
    s.imports(*imports)
    targets = p.target_modules or "all-linear"
    if targets != "all-linear":
        targets = [t.strip() for t in str(targets).split(",") if t.strip()]
    return ["# the template's new tokens start untrained: their rows train with the adapter"
            + ("" if head else " (the embedding's only: TRL reads the LM head directly)"),
            f"peft_config = LoraConfig(r={p.lora_r}, lora_alpha={p.lora_alpha}, lora_dropout={p.lora_dropout}, "
            f"target_modules={targets!r},",
            f"                         bias='none', task_type={task_type!r},",
            f"                         trainable_token_indices=new_token_rows(model, tokenizer, added_tokens, "
            f"head={head})" + ("," if variants else ")"),
            *([f"                         {variants.removeprefix(', ')})"] if variants else [])]


def _limits_lines(config: RunConfig) -> list[str]:
    p = config.params
    return ["# AutoTrain's limits: a long pair keeps its prompt's end, its answers are cut to fit",
            f"limits = dict(max_length=max_length, max_prompt_length={p.max_prompt_length!r}, "
            f"max_completion_length={p.max_completion_length!r})"]


def _trl_lines(s: Script, config: RunConfig, device, args: dict, module: str, config_class: str,
               trainer_class: str, *, sft: bool, beta: bool, assistant_only: bool, reference: bool,
               reward_head: bool, options: str | None = None, subclass: str | None = None) -> list[str]:
    p = config.params
    task_args: dict[str, Any] = {"max_length": Raw("max_length")}
    trainer = trainer_class
    lines: list[str] = []
    extra: list[str] = []
    if sft:
        from .llm_common import resolve_packing

        task_args.update(packing=bool(resolve_packing(config, device)), dataset_text_field="text",
                         completion_only_loss=p.completion_only_loss,
                         assistant_only_loss=p.assistant_only_loss and assistant_only)
        if p.neftune_noise_alpha:
            task_args["neftune_noise_alpha"] = p.neftune_noise_alpha
    if trainer_class == "ORPOTrainer":
        task_args["max_completion_length"] = p.max_completion_length
    if beta:
        task_args["beta"] = p.dpo_beta
    if options:
        task_args.update(_hook(options)(p))
    s.imports(f"from {module} import {config_class}, {trainer_class}")
    if subclass or trainer_class in ("DPOTrainer", "ORPOTrainer"):  # the run's subclass: TRL with AutoTrain's cuts
        cls = _hook(subclass)() if subclass else _preference_trainer(trainer_class)
        s.embed(cls)
        trainer = cls.__name__
        lines += _limits_lines(config)
        extra.append("    limits=limits,")
    elif reward_head:  # the run tokenizes the pairs itself (TRL would drop long ones)
        from ..llm_reward.train import tokenize_pairs

        s.embed(tokenize_pairs)
        lines += [*_limits_lines(config), "train = tokenize_pairs(train, tokenizer, **limits)",
                  "valid = tokenize_pairs(valid, tokenizer, **limits) if valid is not None else None"]
    lines += common.arguments_lines(s, config, config_class, {**args, **task_args})
    kwargs = ["    model=model,", "    args=args,", "    train_dataset=train,", "    eval_dataset=valid,",
              "    processing_class=tokenizer,"]
    if p.peft:
        kwargs.append("    peft_config=peft_config,")
    if reference:
        kwargs.insert(1, "    ref_model=None,  # TRL disables the adapter" if p.peft and not changes_the_base(p)
                      else "    ref_model=ref_model,")
    return [*lines, f"trainer = {trainer}(", *kwargs, *extra, ")"]


def _hook(target: str):
    """The function a ``"module:function"`` option names."""
    from ...config.task_spec import Hook

    return Hook(target).resolve()


def _preference_trainer(trainer_class: str):
    """The run's DPO or ORPO trainer subclass (the class itself, whose source is embedded)."""
    if trainer_class == "DPOTrainer":
        from ..llm_dpo.train import _trainer_class
    else:
        from ..llm_orpo.train import _trainer_class
    return _trainer_class()


def _generic_lines(s: Script, config: RunConfig, args: dict) -> list[str]:
    """llm-generic as the run trains it: the texts cut into block_size blocks, transformers' Trainer."""
    from ..llm_generic.train import _texts, group_texts

    p = config.params
    s.embed(_texts, group_texts)
    s.imports("from transformers import DataCollatorForSeq2Seq, Trainer, TrainingArguments")
    lines = ["",
             "",
             "def blocks(raw, name):",
             "    texts, rendered = _texts(raw, name, tokenizer)",
             f"    return group_texts(texts, tokenizer, max_length, {p.add_eos_token}, name, rendered=rendered)",
             "",
             "",
             "train = blocks(train, 'train')",
             "valid = blocks(valid, 'valid') if valid is not None else None"]
    if p.peft:
        s.imports("from peft import get_peft_model")
        if p.quantization:
            s.imports("from peft import prepare_model_for_kbit_training")
            lines.append(f"model = prepare_model_for_kbit_training(model, use_gradient_checkpointing="
                         f"{args['activation_checkpointing']})")
        elif args["activation_checkpointing"]:
            lines.append("model.enable_input_require_grads()")
        lines.append("model = get_peft_model(model, peft_config)")
    lines += common.arguments_lines(s, config, "TrainingArguments", args)
    return [*lines, "trainer = Trainer(",
            "    model=model, args=args, train_dataset=train, eval_dataset=valid,",
            "    data_collator=DataCollatorForSeq2Seq(tokenizer, label_pad_token_id=-100), processing_class=tokenizer,",
            ")"]


def _save_lines(s: Script, config: RunConfig, device, model_class: str) -> list[str]:
    """As the run saves: the model (or adapter) and tokenizer; with merge_adapter the merged model is the run's
    model and the adapter stays in adapter/."""
    p = config.params
    state = "trainer.save_state()  # OUTPUT_DIR/trainer_state.json: the log history (losses, evaluations)"
    if not (p.peft and p.merge_adapter):
        return ["trainer.save_model(OUTPUT_DIR)", "tokenizer.save_pretrained(OUTPUT_DIR)", state]
    from .llm_common import model_dtype

    s.imports("from peft import PeftModel")
    plain = config.model_copy(update={"params": p.model_copy(update={"quantization": None})})
    dtype = str(model_dtype(plain, device)).rsplit(".", 1)[-1]
    labels = "num_labels=1, " if model_class == "AutoModelForSequenceClassification" else ""
    return [f"adapter = OUTPUT_DIR + '/{ADAPTER_DIR}'",
            "trainer.save_model(adapter)",
            "tokenizer.save_pretrained(adapter)",
            f"base = {model_class}.from_pretrained(MODEL, {labels}dtype=torch.{dtype})  # a fresh base, merged",
            "if len(tokenizer) > base.get_input_embeddings().num_embeddings:",
            "    base.resize_token_embeddings(len(tokenizer))",
            "PeftModel.from_pretrained(base, adapter).merge_and_unload().save_pretrained(OUTPUT_DIR)",
            "tokenizer.save_pretrained(OUTPUT_DIR)",
            state]
