"""Several processes through ``accelerate launch``: configs generated from the params.

The accelerate config (and for DeepSpeed a DeepSpeed JSON) is written into the
run directory, so a user can rerun the same launch by hand:

    accelerate launch --config_file <run>/accelerate.yaml -m tunewidgets train <run>/config.yml --launched
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import yaml

from ..config.run_config import RunConfig
from . import slots

ACCELERATE_FILE = "accelerate.yaml"
DEEPSPEED_FILE = "deepspeed.json"


def needs_launch(config: RunConfig) -> bool:
    """True when the params ask for more than one process or a sharding engine."""
    params = config.params
    return bool(getattr(params, "is_distributed", False))


def process_rank() -> int:
    """This process's global rank (0 without a launcher)."""
    for name in ("RANK", "PMI_RANK", "OMPI_COMM_WORLD_RANK"):
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return 0


def is_main_process() -> bool:
    return process_rank() == 0


def inside_launcher() -> bool:
    """True inside a process started by accelerate/torchrun (WORLD_SIZE is set)."""
    return os.environ.get("WORLD_SIZE", "").isdigit() and "LOCAL_RANK" in os.environ


def _cuda_available() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        return False


def deepspeed_config(config: RunConfig) -> dict:
    """A DeepSpeed JSON whose batch and precision values defer to the Trainer ("auto")."""
    p = config.params
    zero: dict = {
        "stage": p.deepspeed_stage,
        "overlap_comm": True,
        "contiguous_gradients": True,
        "reduce_bucket_size": "auto",
    }
    if p.deepspeed_stage == 3:
        zero.update({
            "stage3_prefetch_bucket_size": "auto",
            "stage3_param_persistence_threshold": "auto",
            "stage3_gather_16bit_weights_on_model_save": True,
        })
    if p.deepspeed_offload_optimizer:
        zero["offload_optimizer"] = {"device": "cpu", "pin_memory": True}
    if p.deepspeed_offload_params:
        zero["offload_param"] = {"device": "cpu", "pin_memory": True}
    return {
        "train_micro_batch_size_per_gpu": "auto",
        "train_batch_size": "auto",
        "gradient_accumulation_steps": "auto",
        "gradient_clipping": "auto",
        "fp16": {"enabled": "auto"},
        "bf16": {"enabled": "auto"},
        "zero_optimization": zero,
    }


def accelerate_config(config: RunConfig, run_dir: Path, use_cpu: bool | None = None) -> dict:
    """An accelerate config file's content for the params."""
    p = config.params
    cpu = (not _cuda_available()) if use_cpu is None else use_cpu
    backend = p.distributed_backend or "ddp"
    data: dict = {
        "compute_environment": "LOCAL_MACHINE",
        "num_processes": p.world_processes,
        "num_machines": p.num_machines,
        "machine_rank": p.machine_rank,
        "main_training_function": "main",
        "mixed_precision": "no" if cpu else (p.mixed_precision or "no"),
        "use_cpu": cpu,
        "rdzv_backend": "static",
        "same_network": True,
        "main_process_port": p.main_process_port,
        "downcast_bf16": "no",
        "debug": False,
    }
    if p.main_process_ip:
        data["main_process_ip"] = p.main_process_ip
    if backend == "deepspeed":
        data.pop("mixed_precision")  # with a DeepSpeed file, precision lives there ("auto": the Trainer's)
        data["distributed_type"] = "DEEPSPEED"
        data["deepspeed_config"] = {
            "deepspeed_config_file": str(Path(run_dir) / DEEPSPEED_FILE),
            "zero3_init_flag": p.deepspeed_stage == 3,
        }
    elif backend == "fsdp":
        data["distributed_type"] = "FSDP"
        data["fsdp_config"] = {
            "fsdp_version": 1,
            "fsdp_sharding_strategy": p.fsdp_sharding_strategy,
            "fsdp_auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
            "fsdp_backward_prefetch": "BACKWARD_PRE",
            "fsdp_state_dict_type": "SHARDED_STATE_DICT",
            "fsdp_offload_params": False,
            "fsdp_sync_module_states": True,
            "fsdp_use_orig_params": True,
            "fsdp_cpu_ram_efficient_loading": True,
        }
    else:
        data["distributed_type"] = "MULTI_CPU" if cpu else "MULTI_GPU"
    return data


def write_launch_files(config: RunConfig, run_dir: Path) -> Path:
    """Write accelerate.yaml (and deepspeed.json) into the run directory; returns the accelerate file."""
    run_dir = Path(run_dir)
    if config.params.distributed_backend == "deepspeed":
        (run_dir / DEEPSPEED_FILE).write_text(json.dumps(deepspeed_config(config), indent=2))
    path = run_dir / ACCELERATE_FILE
    path.write_text(yaml.safe_dump(accelerate_config(config, run_dir), sort_keys=False))
    return path


def launch_command(run_dir: Path, workdir: Path, config_path: Path | None = None) -> list[str]:
    """The ``accelerate launch`` command that trains the run directory's config on every rank."""
    run_dir = Path(run_dir)
    return [
        sys.executable, "-m", "accelerate.commands.launch",
        "--config_file", str(run_dir / ACCELERATE_FILE),
        "-m", "tunewidgets", "train", str(config_path or run_dir / "config.yml"),
        "--workdir", str(workdir), "--launched", "--quiet",
    ]


def shell_command(config_path: str, num_processes: int) -> str:
    """What the app shows as the CLI command for a run."""
    extra = f" --num-processes {num_processes}" if num_processes > 1 else ""
    return f"tunewidgets train {config_path}{extra}"


def run_launched(config: RunConfig, workdir: Path, *, overwrite: bool = False, resume: bool = False,
                 on_start=None) -> int:
    """Prepare the run directory, write the launch files and run ``accelerate launch``; returns its exit code.

    The directory is locked and prepared once here (refusing to overwrite an earlier run), and a served
    dashboard's training slot taken, so the ranks only train; rank 0 writes metrics and status.
    """
    from .lock import RunLock
    from .rundir import RunDirectory

    token = config.hub_token
    rundir = RunDirectory(Path(workdir) / config.project_name, redact=[token] if token else None)
    with RunLock(rundir.path) as lock:
        slot = slots.take(config.project_name, on_wait=lambda text: print(f"note: {text}", file=sys.stderr),
                          should_stop=lambda: False)
        try:
            rundir.prepare(resume=resume, overwrite=overwrite)
            if lock.note:
                rundir.log(f"note: {lock.note}")
            return _launch(config, rundir, workdir, resume=resume, token=token, on_start=on_start)
        finally:
            if slot is not None:
                slot.release()


def _launch(config: RunConfig, rundir, workdir: Path, *, resume: bool, token: str | None, on_start) -> int:
    """Write the config and launch files into the prepared directory, then run the launch to its end."""
    import subprocess

    from ..config.loader import dump_config

    rundir.write_config_text(dump_config(config))
    write_launch_files(config, rundir.path)
    rundir.write_status("pending", mode="launch", processes=config.params.world_processes, task=config.task)
    command = launch_command(rundir.path, Path(workdir))
    if resume:
        command.append("--resume")
    env = dict(os.environ)
    if token:
        env["HF_TOKEN"] = token  # config.yml says ${HF_TOKEN}; the ranks read it from here
    rundir.log("launching: " + " ".join(command[1:]))
    process = subprocess.Popen(command, env=env)
    if on_start:
        on_start(process)
    return process.wait()
