"""Eject an LLM run to a standalone TRL script: the same data loading, column renames, template, LoRA and
hyperparameters as the tunewidgets run, with no tunewidgets import.

The Trainer arguments are asked of the task layer itself (``llm_arguments``), so the script cannot
drift from what a run uses. Each LLM task binds what differs: its TRL config and trainer, and options
(``sft``: SFT-style text arguments; ``packs``: always packed blocks; ``beta``: DPO/ORPO's beta;
``reference``: a reference model without PEFT; ``reward_head``: a one-output classifier;
``fused_head``: TRL reads the LM head directly, so only the embedding's new rows train).
"""

from __future__ import annotations

import json
import pprint
from pathlib import Path
from typing import Any

from ...config.run_config import RunConfig

_CANONICAL = {"text_column": "text", "rejected_text_column": "rejected", "prompt_text_column": "prompt"}


def script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None, device=None,
           module: str, config_class: str, trainer_class: str, sft: bool = False, packs: bool = False,
           assistant_only: bool = False, beta: bool = False, reference: bool = False, reward_head: bool = False,
           fused_head: bool = False) -> str:
    """A standalone script that trains like this config, using TRL directly (no tunewidgets)."""
    p = config.params
    from ...device import DeviceInfo

    device = device or DeviceInfo(device="cpu")
    out_dir = str(Path(workdir or ".") / config.project_name)
    notes: list[str] = []
    args = _training_arguments(config, device, out_dir, num_examples, notes)
    config_cls, trainer_cls = config_class, trainer_class
    task_args: dict[str, Any] = {"max_length": p.max_length}
    if sft:
        task_args.update(packing=_packing(config, device) or packs, dataset_text_field="text",
                         completion_only_loss=p.completion_only_loss,
                         assistant_only_loss=p.assistant_only_loss and assistant_only)
    if beta:
        task_args["beta"] = p.dpo_beta
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
        "from transformers import " + ("AutoModelForSequenceClassification" if reward_head
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
    lines += _data_lines(config, conversational_hint=sft)
    lines += ["", "# ---- model"]
    if reward_head:
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
                  *([] if fused_head else [  # TRL's fused LM head bypasses PEFT's wrapper
                      "    head = model.get_output_embeddings()",
                      "    if head is not None and id(head) in names"
                      " and head.weight is not model.get_input_embeddings().weight:",
                      "        new_rows[names[id(head)]] = ids"]),
                  f"peft_config = LoraConfig(r={p.lora_r}, lora_alpha={p.lora_alpha}, lora_dropout={p.lora_dropout},",
                  f"                         target_modules={targets_repr}, bias='none', "
                  f"task_type={'SEQ_CLS' if reward_head else 'CAUSAL_LM'!r},",
                  "                         trainable_token_indices=new_rows)"]
    lines += ["", "# ---- training", f"args = {config_cls}(", *_kwargs_lines(all_args), ")"]
    trainer_kwargs = ["    model=model,", "    args=args,", "    train_dataset=train,", "    eval_dataset=valid,",
                      "    processing_class=tokenizer,"]
    if peft:
        trainer_kwargs.append("    peft_config=peft_config,")
    if reference and not peft:
        lines += ["ref_model = AutoModelForCausalLM.from_pretrained(" + (repr(p.model_ref) if p.model_ref else "MODEL")
                  + ", dtype=torch.float32)", "if added_tokens:",
                  "    ref_model.resize_token_embeddings(len(tokenizer))"]
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
    from ..base import TaskContext
    from .llm_common import llm_arguments

    ctx = TaskContext(config=config, run_dir=Path(out_dir), device=device, log=notes.append, quiet=False)
    args = llm_arguments(ctx, has_eval=bool(config.data.valid_split), num_examples=num_examples or 1000)
    args["output_dir"] = out_dir
    args.pop("disable_tqdm", None)
    return args


def _packing(config: RunConfig, device) -> bool:
    from .llm_common import resolve_packing

    return bool(resolve_packing(config, device))


def _kwargs_lines(kwargs: dict) -> list[str]:
    return [f"    {key}={_literal(value)}," for key, value in kwargs.items()]


def _literal(value: Any) -> str:
    text = pprint.pformat(value, width=100)
    return text if "\n" not in text else text.replace("\n", "\n    ")


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


def _data_lines(config: RunConfig, conversational_hint: bool) -> list[str]:
    data = config.data
    mapping = {k: v for k, v in (data.column_mapping or {}).items() if isinstance(v, str)}
    renames = {column: _CANONICAL.get(role, role) for role, column in mapping.items()}
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
        from ...data.loading import list_splits, split_files

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
