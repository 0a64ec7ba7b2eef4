"""Resolve the device, precision and thread count from the machine, not from habit.

TRL defaults to bf16 and gradient checkpointing; on a CPU bf16 errors or runs
many times slower, so a config written for a GPU (fp16, bf16) trains in fp32
here with a warning instead of failing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass
class DeviceInfo:
    """What the run will train on and in which precision."""

    device: str  # cuda | mps | cpu
    fp16: bool = False
    bf16: bool = False
    threads: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def precision(self) -> str:
        return "bf16" if self.bf16 else "fp16" if self.fp16 else "fp32"

    @property
    def use_cpu(self) -> bool:
        return self.device == "cpu"

    def describe(self) -> str:
        threads = f", {self.threads} threads" if self.threads else ""
        return f"{self.device} ({self.precision}{threads})"


def _cuda():
    import torch

    return torch.cuda.is_available()


def _mps():
    import torch

    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def resolve_device(mixed_precision: str | None, prefer: str | None = None) -> DeviceInfo:
    """Device and precision for a run, asked of torch; warnings say what was changed and why."""
    if prefer == "cpu":
        device = "cpu"
    elif _cuda():
        device = "cuda"
    elif _mps():
        device = "mps"
    else:
        device = "cpu"
    bf16 = None
    if device == "cuda":
        import torch

        bf16 = torch.cuda.is_bf16_supported()
    return with_precision(device, mixed_precision, bf16_supported=bf16)


def guess_device(mixed_precision: str | None) -> DeviceInfo:
    """:func:`resolve_device`'s answer without importing torch (the form shows it before anything loads):
    cuda when an NVIDIA driver shows a GPU, mps on Apple silicon, else cpu."""
    import platform
    import shutil
    import sys

    gpus = "/proc/driver/nvidia/gpus"
    if (os.path.isdir(gpus) and os.listdir(gpus)) or shutil.which("nvidia-smi"):
        device = "cuda"
    elif sys.platform == "darwin" and platform.machine() == "arm64":
        device = "mps"
    else:
        device = "cpu"
    return with_precision(device, mixed_precision)


def with_precision(device: str, mixed_precision: str | None, bf16_supported: bool | None = None) -> DeviceInfo:
    """The precision rule: fp16/bf16 only on a GPU (bf16 falls back to fp16 where the GPU has none),
    fp32 with a warning elsewhere; every core on a CPU."""
    info = DeviceInfo(device=device)
    wanted = (mixed_precision or "").lower() or None
    if wanted in ("none", "no", "fp32"):
        wanted = None
    if device == "cuda":
        if wanted == "bf16" and bf16_supported is False:
            info.warnings.append("this GPU has no bf16: training in fp16 instead")
            wanted = "fp16"
        info.fp16 = wanted == "fp16"
        info.bf16 = wanted == "bf16"
    elif wanted:
        info.warnings.append(f"mixed_precision {wanted} needs a GPU: training in fp32 on {device}")
    if device == "cpu":
        info.threads = default_threads()
    return info


def default_threads() -> int:
    """All cores by default (accelerate pins CPU runs to one thread; we do not)."""
    env = os.environ.get("OMP_NUM_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def apply_threads(info: DeviceInfo) -> None:
    """Give torch every core we resolved (only on CPU)."""
    if info.threads:
        import torch

        if torch.get_num_threads() != info.threads:
            torch.set_num_threads(info.threads)
