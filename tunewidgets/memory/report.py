"""The estimate as the CLI prints it and the Checks panel shows it: a small table and a verdict per GPU."""

from __future__ import annotations

from .estimate import GB, Estimate
from .gpus import CUDA_OVERHEAD_GB, GPU


def human_count(count: int) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if count >= size:
            return f"{count / size:.2f}{unit}"
    return str(count)


def rows(estimate: Estimate) -> list[tuple[str, str]]:
    """(part, GB) rows, the total last."""
    parts = [("weights", estimate.weights), ("gradients", estimate.gradients),
             ("optimizer states", estimate.optimizer), ("activations", estimate.activations),
             ("total", estimate.total)]
    return [(name, f"{value / GB:.3g}") for name, value in parts]


def verdict(estimate: Estimate, gpu: GPU) -> str:
    """One line: fits or not on ``gpu``, and the largest batch size that fits."""
    usable = gpu.memory_gb - CUDA_OVERHEAD_GB
    largest = estimate.largest_batch(gpu)
    need = estimate.total / GB
    if estimate.fits(gpu):
        return (f"fits {gpu.name} ({need:.1f} of {usable:.1f} GB usable); largest batch size that fits: {largest}")
    if largest:
        return (f"does NOT fit {gpu.name} ({need:.1f} GB > {usable:.1f} GB usable): batch_size {largest} would fit")
    return (f"does NOT fit {gpu.name} ({need:.1f} GB > {usable:.1f} GB usable), not even at batch size 1: "
            "try peft: true, quantization: int4, a shorter block_size or gradient checkpointing")


def text(estimate: Estimate, model: str, gpus: list[GPU]) -> str:
    """The CLI's report."""
    where = "the CPU (fp32, as it trains there)" if estimate.target == "cpu" else f"a {estimate.target} GPU"
    lines = [f"model {model}: {human_count(estimate.params)} parameters, "
             f"{human_count(estimate.trainable_params)} trainable; estimated for {where}",
             "", "| part | GB |", "| --- | ---: |"]
    lines += [f"| {name} | {value} |" for name, value in rows(estimate)]
    lines += ["", *(f"note: {note}" for note in estimate.notes)]
    lines += [verdict(estimate, gpu) for gpu in gpus]
    return "\n".join(lines) + "\n"
