"""Trainer arguments from the params: the same for every Trainer-based task, fitted to the machine."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ...config.run_config import RunConfig
from ...device import DeviceInfo


def resolve_logging_steps(requested: int, total_steps: int) -> int:
    """AutoTrain-like default: about 50 points per run, 1 to 25 steps apart."""
    if requested and requested > 0:
        return requested
    return max(1, min(25, total_steps // 50 or 1))


def estimate_total_steps(num_examples: int, params, world_size: int = 1) -> int:
    if params.max_steps and params.max_steps > 0:
        return params.max_steps
    per_step = params.batch_size * params.gradient_accumulation * world_size
    return max(1, math.ceil(num_examples / per_step)) * params.epochs


def training_arguments(
    config: RunConfig, device: DeviceInfo, run_dir: Path, *, has_eval: bool, num_examples: int, quiet: bool
) -> dict[str, Any]:
    """Keyword arguments for TrainingArguments (or a TRL config) from the params."""
    p = config.params
    total = estimate_total_steps(num_examples, p)
    eval_strategy = p.eval_strategy if has_eval else "no"
    kwargs: dict[str, Any] = dict(
        output_dir=str(run_dir),
        num_train_epochs=p.epochs,
        max_steps=p.max_steps,
        per_device_train_batch_size=p.batch_size,
        per_device_eval_batch_size=p.batch_size,
        gradient_accumulation_steps=p.gradient_accumulation,
        learning_rate=p.lr,
        warmup_steps=p.warmup_ratio if p.warmup_ratio < 1 else int(p.warmup_ratio),
        weight_decay=p.weight_decay,
        max_grad_norm=p.max_grad_norm,
        optim=p.optimizer,
        lr_scheduler_type=p.scheduler,
        seed=p.seed,
        logging_steps=resolve_logging_steps(p.logging_steps, total),
        logging_nan_inf_filter=False,  # NaN must reach our callback, not be averaged away
        eval_strategy=eval_strategy,
        eval_steps=p.eval_steps if eval_strategy == "steps" else None,
        save_strategy=p.save_strategy,
        save_steps=p.save_steps,
        save_total_limit=p.save_total_limit,
        auto_find_batch_size=p.auto_find_batch_size,
        fp16=device.fp16,
        bf16=device.bf16,
        use_cpu=device.use_cpu,
        report_to=[] if config.log == "none" else (["all"] if config.log == "all" else [config.log]),
        disable_tqdm=quiet,
        save_only_model=False,
        dataloader_pin_memory=not device.use_cpu,
    )
    # DeepSpeed and FSDP come from the accelerate config the launcher exported (ACCELERATE_USE_*):
    # TrainingArguments builds its plugin from it and fills the "auto" values.
    if getattr(p, "is_distributed", False):
        kwargs["ddp_find_unused_parameters"] = False
    return kwargs


def fit_to_machine(args: dict, p, device: DeviceInfo, log) -> None:
    """GPU-minded settings of AutoTrain configs (8-bit optimizers, unsloth, a tracker that is not installed)
    run here with a warning in the log instead of failing, as mixed_precision does."""
    optim = str(args.get("optim", ""))
    if ("8bit" in optim or "paged" in optim) and device.device != "cuda":
        log(f"warning: optimizer {optim} needs bitsandbytes on a CUDA GPU: using adamw_torch on {device.device}")
        args["optim"] = "adamw_torch"
    elif "8bit" in optim or "paged" in optim:
        from ...errors import require

        require("bitsandbytes", "qlora", f"optimizer {optim}")
    if getattr(p, "unsloth", False):
        log("warning: unsloth is not used by tunewidgets: training with transformers and TRL")
    report = [r for r in args.get("report_to") or [] if r not in ("all", "none")]
    if report:
        from transformers.integrations import get_available_reporting_integrations

        available = set(get_available_reporting_integrations())
        for missing in [r for r in report if r not in available]:
            log(f"warning: log: {missing} is not installed (pip install {missing}); metrics still go to metrics.jsonl")
        args["report_to"] = [r for r in report if r in available]


MANY_ROWS = 50_000  # below this, starting worker processes costs more than it saves


def data_workers(params, rows: int, threaded: bool = False) -> int | None:
    """Processes for datasets' maps: ``params.dataset_num_proc``, else every core for large data in a training
    process. Not by default in a notebook kernel's thread, where forking beside the kernel's threads can hang."""
    import os

    wanted = getattr(params, "dataset_num_proc", None)
    if wanted:
        return int(wanted)
    if threaded or rows < MANY_ROWS:
        return None
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return cores if cores > 1 else None


def streamed_rows(params) -> int:
    """The rows a stream of unknown length gives a run: what its max_steps will read."""
    return max(1, params.max_steps) * params.batch_size * params.gradient_accumulation
