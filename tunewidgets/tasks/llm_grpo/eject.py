"""Eject an llm-grpo run to a standalone plain-TRL script: the run's data loading and prompt preparation (its own
code, copied in), the reward functions (TRL's by import, a file's by import from that file, a module's by
import), GRPOConfig from the run's own argument builders, TRL's GRPOTrainer.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ...config.params_grpo import reward_entry_kind
from ...config.run_config import RunConfig
from ..shared import eject_trainer as common
from ..shared.eject_data import read_splits
from ..shared.eject_source import Raw, Script, header
from ..shared.llm_eject import _lora_lines, _model_lines, _save_lines, _tokenizer_lines

_FROM_FILE = '''
def from_file(path, name):
    """The function ``name`` of the Python file at ``path`` (a reward function kept in a file)."""
    spec = importlib.util.spec_from_file_location(f"rewards_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return getattr(module, name)
'''


def script(config: RunConfig, *, workdir: str | Path | None = None, num_examples: int | None = None,
           device=None, module: str = "trl", config_class: str = "GRPOConfig",
           trainer_class: str = "GRPOTrainer") -> str:
    """A standalone script that trains like this config with TRL's GRPOTrainer."""
    from .train import grpo_arguments, mapped_columns, prepare_prompts

    p, device, notes = config.params, common.device_or_cpu(device), []
    out = common.output_dir(config, workdir)
    args = _arguments(config, device, out, notes)
    if p.beta > 0 and not p.peft:
        notes.append("with beta > 0 TRL loads the reference model from MODEL again (the run uses a frozen copy of "
                     "the starting model: the same weights unless the chat template added tokens)")
    elif p.beta > 0 and p.peft and p.lora_init in ("pissa", "olora", "loftq"):
        notes.append(f"with lora_init {p.lora_init} and beta > 0 TRL's reference is the model with its adapter "
                     "disabled, whose base the initialisation rewrote; the run compares against a frozen copy of "
                     "the starting model instead")
    s = Script(header(config, f"TRL's {trainer_class}", device, notes))
    s.imports("import torch", "from transformers import AutoTokenizer, AutoModelForCausalLM, set_seed",
              f"from {module} import {config_class}, {trainer_class}")
    s.setting("MODEL", config.base_model).setting("OUTPUT_DIR", out).setting("TASK", config.task)
    s.setting("MAX_LENGTH", p.max_length, "model_max_length (prompt + completion)")
    s.section("tokenizer and chat template", *_tokenizer_lines(config))
    s.section("data")
    read_splits(s, config, auto_valid=False, renames={})  # every column is kept: the reward functions read them
    s.embed(prepare_prompts)
    s.setting("COLUMNS", _renames(config, mapped_columns), "your columns -> the names GRPO reads (the rest stay)")
    s.add("train = prepare_prompts(train, 'train', COLUMNS)  # TRL's prompt column; the other columns stay",
          "valid = prepare_prompts(valid, 'valid', COLUMNS) if valid is not None else None")
    s.section("reward functions", *_reward_lines(s, p.reward_functions))
    s.section("model", *_model_lines(s, config, device, "AutoModelForCausalLM", False))
    if p.peft:
        s.add(*_lora_lines(s, config, "CAUSAL_LM", head=False))
    s.section("training")
    s.add(*common.arguments_lines(s, config, config_class, {**args, **grpo_arguments(p)}))
    kwargs = ["    model=model,", "    reward_funcs=REWARD_FUNCS,", "    args=args,", "    train_dataset=train,",
              "    eval_dataset=valid,", "    processing_class=tokenizer,"]
    if p.peft:
        kwargs.append("    peft_config=peft_config,")
    s.add(f"trainer = {trainer_class}(", *kwargs, ")", "trainer.train()")
    s.section("save", *_save_lines(s, config, device, "AutoModelForCausalLM"))
    return s.text()


def _arguments(config: RunConfig, device, out_dir: str, notes: list[str]) -> dict:
    """The Trainer arguments of a run (asked of the task layer itself); steps are counted on prompts x
    num_generations completions, as the run counts them."""
    from ..base import TaskContext
    from ..shared.llm_common import llm_arguments

    ctx = TaskContext(config=config, run_dir=Path(out_dir), device=device, log=notes.append, quiet=False)
    args = llm_arguments(ctx, has_eval=bool(config.data.valid_split), num_examples=1)
    args["output_dir"] = out_dir
    args.pop("disable_tqdm", None)
    p = config.params
    if p.logging_steps <= 0 and p.max_steps <= 0:
        args["logging_steps"] = Raw(f"resolve_logging_steps(-1, estimate_total_steps(len(train) * "
                                    f"{p.num_generations}, STEPS))")
    return args


def _renames(config: RunConfig, mapped_columns) -> dict[str, str]:
    """The run's renames, decided here as the run decides them (a mapping guessed from the train split)."""
    from ...data.loading import load_split

    train = None if config.data.column_mapping else load_split(config.data.path, config.data.train_split,
                                                               token=config.hub_token)
    return mapped_columns(config, train)


def _reward_lines(s: Script, entries: list[str]) -> list[str]:
    """``REWARD_FUNCS = [...]``: TRL's by import, a file's function by import from its file, a module's by
    import."""
    items = []
    for entry in entries:
        kind = reward_entry_kind(entry)
        if kind == "builtin":
            tree = ast.parse(entry, mode="eval").body
            name = tree.id if isinstance(tree, ast.Name) else tree.func.id
            s.imports(f"from trl.rewards import {name}")
            items.append(entry)
        elif kind == "module":
            module, _, name = entry.rpartition(":")
            s.imports(f"from {module} import {name}")
            items.append(name)
        else:
            path, _, name = entry.rpartition(":")
            s.imports("import importlib.util", "import sys", "from pathlib import Path")
            s.code("from_file", _FROM_FILE)
            items.append(f"from_file({str(Path(path).expanduser().resolve())!r}, {name!r})")
    return ["REWARD_FUNCS = [", *[f"    {item}," for item in items], "]"]
