"""Export a run: its YAML, the CLI command that reruns it, and the same training as a plain TRL script.

Pure text generators (no widgets) so they are tested directly. The YAML is
``dump_config`` itself, so it is byte-equal to the run directory's config.yml.
"""

from __future__ import annotations

import base64
import json
import pprint
import shlex
from pathlib import Path
from typing import Any

from ..config.loader import dump_config
from ..config.run_config import RunConfig
from . import theme

LLM_TRAINERS = {
    "llm-sft": ("trl", "SFTConfig", "SFTTrainer"),
    "llm-generic": ("trl", "SFTConfig", "SFTTrainer"),
    "llm-dpo": ("trl", "DPOConfig", "DPOTrainer"),
    "llm-orpo": ("trl.experimental.orpo", "ORPOConfig", "ORPOTrainer"),
    "llm-reward": ("trl", "RewardConfig", "RewardTrainer"),
}
_CANONICAL = {"text_column": "text", "rejected_text_column": "rejected", "prompt_text_column": "prompt"}


def config_yaml(config: RunConfig) -> str:
    """The YAML of ``config`` exactly as a run writes its config.yml (secrets as ${VAR})."""
    return dump_config(config)


def cli_command(yaml_path: str | Path, workdir: str | Path | None = None, resume: bool = False) -> str:
    parts = ["tunewidgets", "train", str(yaml_path)]
    if workdir is not None:
        parts += ["--workdir", str(workdir)]
    if resume:
        parts.append("--resume")
    return " ".join(shlex.quote(p) for p in parts)


def download_link(text: str, filename: str, label: str | None = None, mime: str = "text/yaml") -> str:
    """An ``<a download>`` with a data: URL: a download that needs no server route (works in Voila and Colab)."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (f'<a class="tw-download" download="{theme.esc(filename)}" href="data:{mime};base64,{payload}" '
            f'style="color:#1565c0;text-decoration:underline">{theme.esc(label or "Download " + filename)}</a>')


# --------------------------------------------------------------------------- eject to code


def python_script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None,
                  device=None) -> str:
    """A standalone script that trains like this config, using TRL directly (no tunewidgets)."""
    if config.task not in LLM_TRAINERS:
        return (f"# Eject to code covers the LLM tasks ({', '.join(LLM_TRAINERS)}).\n"
                f"# {config.task} is not trainable in this version yet; its YAML runs with:\n"
                f"#   tunewidgets train {config.project_name}.yml\n")
    p = config.params
    from ..run.device import DeviceInfo

    device = device or DeviceInfo(device="cpu")
    out_dir = str(Path(workdir or ".") / config.project_name)
    notes: list[str] = []
    args = _training_arguments(config, device, out_dir, num_examples, notes)
    module, config_cls, trainer_cls = LLM_TRAINERS[config.task]
    task_args: dict[str, Any] = {}
    if config.task in ("llm-sft", "llm-generic"):
        task_args = {"max_length": p.max_length, "packing": _packing(config, device) or config.task == "llm-generic",
                     "dataset_text_field": "text", "completion_only_loss": p.completion_only_loss,
                     "assistant_only_loss": p.assistant_only_loss if config.task == "llm-sft" else False}
    elif config.task == "llm-dpo":
        task_args = {"beta": p.dpo_beta, "max_length": p.max_length}
    elif config.task == "llm-orpo":
        task_args = {"beta": p.dpo_beta, "max_length": p.max_length}
    elif config.task == "llm-reward":
        task_args = {"max_length": p.max_length}
    all_args = {**args, **task_args}
    lines = [
        f'"""Train {config.base_model} on {config.data.path} ({config.task}) with {trainer_cls}.',
        "",
        f"Ejected from tunewidgets run '{config.project_name}': the same data, columns and hyperparameters.",
        f'Device settings were resolved for {device.describe()} on the machine that exported it."""',
        "",
        *[f"# note: {note}" for note in notes],
        "import torch",
        "from datasets import load_dataset",
        "from transformers import " + ("AutoModelForSequenceClassification" if config.task == "llm-reward"
                                       else "AutoModelForCausalLM") + ", AutoTokenizer",
        f"from {module} import {config_cls}, {trainer_cls}",
        "",
        f"MODEL = {config.base_model!r}",
        f"OUTPUT_DIR = {out_dir!r}",
        "",
        "# ---- tokenizer and chat template",
        "tokenizer = AutoTokenizer.from_pretrained(MODEL)",
    ]
    if p.padding:
        lines.append(f"tokenizer.padding_side = {p.padding!r}")
    lines += ["if tokenizer.pad_token is None:", "    tokenizer.pad_token = tokenizer.eos_token",
              "added_tokens = []"]
    lines += _template_lines(config)
    lines += ["", "# ---- data"]
    lines += _data_lines(config)
    lines += ["", "# ---- model"]
    if config.task == "llm-reward":
        lines.append("model = AutoModelForSequenceClassification.from_pretrained(MODEL, num_labels=1, "
                     "dtype=torch.float32)")
    else:
        lines.append("model = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32)")
    lines += ["if added_tokens:", "    model.resize_token_embeddings(len(tokenizer))",
              "if model.config.pad_token_id is None:", "    model.config.pad_token_id = tokenizer.pad_token_id"]
    peft = getattr(p, "peft", False)
    if peft:
        targets = p.target_modules or "all-linear"
        targets_repr = repr(targets) if targets == "all-linear" else repr([t.strip() for t in targets.split(",")])
        lines += ["", "from peft import LoraConfig", "",
                  "# the template's new tokens start untrained: their rows of the embedding (and of an untied head)",
                  "# train with the adapter",
                  "new_rows = None",
                  "if added_tokens:",
                  "    ids = tokenizer.convert_tokens_to_ids(added_tokens)",
                  "    names = {id(m): n.rsplit('.', 1)[-1] for n, m in model.named_modules() if n}",
                  "    new_rows = {names[id(model.get_input_embeddings())]: ids}",
                  *([] if config.task in ("llm-sft", "llm-dpo") else [  # TRL's fused LM head bypasses PEFT's wrapper
                      "    head = model.get_output_embeddings()",
                      "    if head is not None and id(head) in names and head.weight is not model.get_input_embeddings().weight:",
                      "        new_rows[names[id(head)]] = ids"]),
                  f"peft_config = LoraConfig(r={p.lora_r}, lora_alpha={p.lora_alpha}, lora_dropout={p.lora_dropout},",
                  f"                         target_modules={targets_repr}, bias='none', "
                  f"task_type={'SEQ_CLS' if config.task == 'llm-reward' else 'CAUSAL_LM'!r},",
                  "                         trainable_token_indices=new_rows)"]
    lines += ["", "# ---- training", f"args = {config_cls}(", *_kwargs_lines(all_args), ")"]
    trainer_kwargs = ["    model=model,", "    args=args,", "    train_dataset=train,", "    eval_dataset=valid,",
                      "    processing_class=tokenizer,"]
    if peft:
        trainer_kwargs.append("    peft_config=peft_config,")
    if config.task == "llm-dpo" and not peft:
        lines += ["ref_model = AutoModelForCausalLM.from_pretrained(" + (repr(p.model_ref) if p.model_ref else "MODEL")
                  + ", dtype=torch.float32)", "if added_tokens:", "    ref_model.resize_token_embeddings(len(tokenizer))"]
        trainer_kwargs.insert(1, "    ref_model=ref_model,")
    lines += [f"trainer = {trainer_cls}(", *trainer_kwargs, ")", "trainer.train()", "",
              "trainer.save_model(OUTPUT_DIR)", "tokenizer.save_pretrained(OUTPUT_DIR)", ""]
    if peft and getattr(p, "merge_adapter", False):
        lines += ["merged = trainer.model.merge_and_unload()", "merged.save_pretrained(OUTPUT_DIR + '/merged')",
                  "tokenizer.save_pretrained(OUTPUT_DIR + '/merged')", ""]
    return "\n".join(lines)


def _training_arguments(config: RunConfig, device, out_dir: str, num_examples: int | None,
                        notes: list[str]) -> dict:
    """The Trainer arguments a tunewidgets run uses, asked of the task layer itself (so the script cannot drift)."""
    from ..run.device import DeviceInfo

    device = device or DeviceInfo(device="cpu")
    has_eval = bool(config.data.valid_split)
    num_examples = num_examples or 1000
    try:
        from ..tasks.base import TaskContext
        from ..tasks.llm_common import llm_arguments

        ctx = TaskContext(config=config, run_dir=Path(out_dir), device=device, log=notes.append, quiet=False)
        args = llm_arguments(ctx, has_eval=has_eval, num_examples=num_examples)
    except Exception:  # noqa: BLE001 - an older or newer task layer: its plain Trainer arguments
        try:
            from ..tasks.common import training_arguments

            args = training_arguments(config, device, Path(out_dir), has_eval=has_eval, num_examples=num_examples,
                                      quiet=False)
        except Exception:  # noqa: BLE001 - the plain mapping
            p = config.params
            args = dict(output_dir=out_dir, num_train_epochs=p.epochs, max_steps=p.max_steps,
                        per_device_train_batch_size=p.batch_size, per_device_eval_batch_size=p.batch_size,
                        gradient_accumulation_steps=p.gradient_accumulation, learning_rate=p.lr,
                        weight_decay=p.weight_decay, max_grad_norm=p.max_grad_norm, optim=p.optimizer,
                        lr_scheduler_type=p.scheduler, seed=p.seed, save_strategy=p.save_strategy,
                        use_cpu=device.use_cpu, fp16=device.fp16, bf16=device.bf16, report_to=[])
    args["output_dir"] = out_dir
    args.pop("disable_tqdm", None)
    return args


def _packing(config: RunConfig, device) -> bool:
    try:
        from ..tasks.llm_common import resolve_packing

        return bool(resolve_packing(config, device))
    except Exception:  # noqa: BLE001
        return bool(config.params.packing)


def _kwargs_lines(kwargs: dict) -> list[str]:
    return [f"    {key}={_literal(value)}," for key, value in kwargs.items()]


def _literal(value: Any) -> str:
    text = pprint.pformat(value, width=100)
    return text if "\n" not in text else text.replace("\n", "\n    ")


def _template_lines(config: RunConfig) -> list[str]:
    name = config.data.chat_template
    if not name or name == "tokenizer":
        return []
    from ..data.chat_templates import BUILTIN_TEMPLATES, TEMPLATE_SPECIAL_TOKENS

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


def _data_lines(config: RunConfig) -> list[str]:
    data = config.data
    mapping = {k: v for k, v in (data.column_mapping or {}).items() if isinstance(v, str)}
    renames = {column: _CANONICAL.get(role, role) for role, column in mapping.items()}
    conversational_hint = config.task in ("llm-sft", "llm-generic")
    lines = ["def load(split):"]
    lines += ["    " + line for line in _load_split_lines(data.path, "split")]
    lines += [f"    dataset = dataset.select_columns({list(renames)!r})",
              f"    renames = {renames!r}",
              "    dataset = dataset.rename_columns({k: v for k, v in renames.items() if k != v})"]
    if conversational_hint:
        lines += ["    first = dataset[0]['text']",
                  "    if isinstance(first, str) and first.lstrip().startswith('['):  # JSON-encoded conversations",
                  "        import json",
                  "        dataset = dataset.map(lambda row: {'text': json.loads(row['text'])})",
                  "    if isinstance(dataset[0]['text'], list):  # conversational: TRL reads 'messages'",
                  "        dataset = dataset.rename_column('text', 'messages')"]
    lines += ["    return dataset", "", f"train = load({data.train_split!r})",
              f"valid = load({data.valid_split!r})" if data.valid_split else "valid = None"]
    return lines


def _load_split_lines(path: str | None, split_var: str) -> list[str]:
    if not path:
        return ["raise SystemExit('data.path is empty: point it at your data')"]
    local = Path(path).expanduser()
    if local.is_file():
        return [f"dataset = load_dataset({_builder(local)!r}, data_files={str(local)!r}, split='train'"
                + (", delimiter='\\t'" if local.suffix.lower() == ".tsv" else "") + ")"]
    if local.is_dir():
        from ..data.loading import list_splits, split_files

        files = {}
        for split in list_splits(local):
            try:
                files[split] = [str(f) for f in split_files(local, split)]
            except Exception:  # noqa: BLE001 - a split that cannot be listed is left out
                continue
        first = next(iter(files.values()), [str(local)])
        builder = _builder(Path(first[0]))
        return [f"files = {json.dumps(files)}",
                f"dataset = load_dataset({builder!r}, data_files=files[{split_var}], split='train'"
                + (", delimiter='\\t'" if first[0].lower().endswith(".tsv") else "") + ")"]
    return [f"config, _, name = {split_var}.rpartition(':')",
            f"dataset = load_dataset({path!r}, config or None, split=name or 'train')"]


def _builder(path: Path) -> str:
    ext = path.suffix.lower()
    return {".csv": "csv", ".tsv": "csv", ".parquet": "parquet"}.get(ext, "json")
