"""What the ejected scripts of the transformers-Trainer tasks share: the Trainer arguments a run would use,
AutoTrain's early stopping, the seed, and the save that keeps trainer_state.json.

The arguments are asked of the task layer itself (``trainer_arguments``, the function every Trainer task
calls), so a script cannot drift from a run; only what depends on the data at run time (the number of
training rows, whether a validation split was held out) is left as an expression the script evaluates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...config.run_config import RunConfig
from .arguments import estimate_total_steps, resolve_logging_steps
from .eject_source import Raw, Script, kwargs_lines

_EARLY_STOPPING = '''
class EarlyStopping(TrainerCallback):
    """AutoTrain's early stopping: stop after PATIENCE evaluations whose eval_loss improved by less than THRESHOLD."""

    def __init__(self):
        self.best, self.bad = None, 0

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        loss = (metrics or {}).get("eval_loss")
        if loss is None:
            return control
        if self.best is None or self.best - loss > THRESHOLD:
            self.best, self.bad = loss, 0
        else:
            self.bad += 1
            if self.bad >= PATIENCE:
                control.should_training_stop = True
        return control
'''


def output_dir(config: RunConfig, workdir) -> str:
    return str(Path(workdir or ".") / config.project_name)


def device_or_cpu(device):
    from ...device import DeviceInfo

    return device or DeviceInfo(device="cpu")


def trainer_kwargs(config: RunConfig, device, out_dir: str, *, auto_valid: bool, notes: list[str],
                   **extra: Any) -> dict[str, Any]:
    """The TrainingArguments keywords of a run of ``config`` (``notes`` gets what fitting them to the machine
    changed). With ``auto_valid`` the valid split exists only if train had enough rows: evaluation is then
    decided when the script runs."""
    from ..base import TaskContext
    from .supervised import trainer_arguments

    ctx = TaskContext(config=config, run_dir=Path(out_dir), device=device, log=notes.append, quiet=False)
    has_eval = bool(config.data.valid_split) or auto_valid
    args = trainer_arguments(ctx, has_eval=has_eval, num_examples=1, **extra)
    args["output_dir"] = out_dir
    args.pop("disable_tqdm", None)
    p = config.params
    if p.logging_steps <= 0 and p.max_steps <= 0:  # about 50 points per run: counted on the rows the script reads
        args["logging_steps"] = Raw("resolve_logging_steps(-1, estimate_total_steps(len(train), STEPS))")
    if auto_valid and not config.data.valid_split and args["eval_strategy"] != "no":
        args["eval_strategy"] = Raw(f"{args['eval_strategy']!r} if valid is not None else 'no'")
        if args.get("eval_steps") is not None:
            args["eval_steps"] = Raw(f"{args['eval_steps']!r} if valid is not None else None")
    return args


def arguments_lines(script: Script, config: RunConfig, cls: str, args: dict[str, Any]) -> list[str]:
    """``args = <cls>(...)``; the helpers a runtime expression in ``args`` needs are embedded."""
    if any(isinstance(v, Raw) and "estimate_total_steps" in v for v in args.values()):
        p = config.params
        script.imports("from types import SimpleNamespace")
        script.embed(resolve_logging_steps, estimate_total_steps)
        script.setting("STEPS", Raw(f"SimpleNamespace(max_steps={p.max_steps}, batch_size={p.batch_size}, "
                                    f"gradient_accumulation={p.gradient_accumulation}, epochs={p.epochs})"),
                       "what the default logging interval is counted from")
    return [f"args = {cls}(", *kwargs_lines(args), ")"]


def early_stopping(script: Script, config: RunConfig) -> str:
    """The callbacks expression: AutoTrain's early stopping when there is a validation split."""
    p = config.params
    script.imports("from transformers import TrainerCallback")
    script.setting("PATIENCE", p.early_stopping_patience, "early stopping: evaluations without improvement")
    script.setting("THRESHOLD", p.early_stopping_threshold, "early stopping: the smallest improvement that counts")
    script.code("EarlyStopping", _EARLY_STOPPING)
    return "[EarlyStopping()] if valid is not None else []"


def seed_lines(script: Script) -> list[str]:
    """The seed, set before the model loads: a new head's (or adapter's) first weights come from it."""
    script.imports("from transformers import set_seed")
    return ["set_seed(SEED)  # before loading: a new head's (or adapter's) first weights are drawn from it"]


def save_lines(processor: str = "tokenizer") -> list[str]:
    return ["trainer.save_model(OUTPUT_DIR)", f"{processor}.save_pretrained(OUTPUT_DIR)",
            "trainer.save_state()  # OUTPUT_DIR/trainer_state.json: the log history (losses, evaluations)"]
