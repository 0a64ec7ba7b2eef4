"""The GPUs users train on, with the memory a training process can use on each.

Memory is what ``nvidia-smi`` reports as the card's total (MiB), in GB (1e9 bytes); the CUDA context
and the caching allocator's fragmentation take ``CUDA_OVERHEAD_GB`` of it before any tensor exists (measured as
0.3-0.5 GB of context with torch 2.x plus a margin for fragmentation; PyTorch's CUDA semantics notes).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GPU:
    name: str
    memory_gb: float
    bf16: bool  # Ampere and newer: bf16 autocast; T4 (Turing) has fp16 only
    note: str = ""


_MIB = 1.048576e-3  # GB per MiB

GPUS: tuple[GPU, ...] = (
    GPU("T4", 15360 * _MIB, False, "Colab's free GPU"),
    GPU("L4", 23034 * _MIB, True),
    GPU("A10G", 23028 * _MIB, True, "AWS g5, Hugging Face Spaces"),
    GPU("A100-40GB", 40960 * _MIB, True),
    GPU("A100-80GB", 81920 * _MIB, True),
    GPU("H100", 81559 * _MIB, True, "80 GB"),
    GPU("H200", 143771 * _MIB, True, "141 GB"),
)
CUDA_OVERHEAD_GB = 1.0


def gpu_named(name: str) -> GPU:
    """The GPU called ``name`` (case and dashes ignored), or a ValueError listing the known ones."""
    def key(text: str) -> str:
        return text.lower().replace("-", "").replace("_", "").replace(" ", "")

    for gpu in GPUS:
        if key(gpu.name) == key(name):
            return gpu
    raise ValueError(f"unknown GPU {name!r}: choose one of {', '.join(g.name for g in GPUS)}")


def local_gpu() -> GPU | None:
    """This machine's first CUDA GPU as a table row, or None (no GPU, or torch without CUDA)."""
    import torch

    if not torch.cuda.is_available():
        return None
    props = torch.cuda.get_device_properties(0)
    return gpu_matching(props.name, props.total_memory, torch.cuda.is_bf16_supported())


def gpu_matching(device_name: str, total_bytes: int, bf16: bool) -> GPU:
    """A GPU as found: its own name and memory (an "NVIDIA A100-SXM4-40GB" has the memory it reports)."""
    return GPU(device_name, total_bytes / 1e9, bf16, "this machine's GPU")
