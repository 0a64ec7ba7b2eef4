"""One measured training run for bench/memory_estimate.py: RSS after the stack is imported, then the peak (and on
a GPU, torch.cuda.max_memory_allocated).

    python bench/_memory_child.py CONFIG WORKDIR   -> prints {"baseline_mb": ..., "peak_mb": ...}
"""

from __future__ import annotations

import json
import resource
import sys


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    import datasets  # noqa: F401 - the whole stack is imported before the baseline is read
    import peft  # noqa: F401
    import torch
    import transformers  # noqa: F401
    import trl  # noqa: F401

    from tunewidgets.cli import main as cli

    baseline = rss_mb()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    code = cli(["train", sys.argv[1], "--workdir", sys.argv[2], "--overwrite", "--quiet"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cuda_peak = torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None
    print(json.dumps({"code": code, "baseline_mb": baseline, "peak_before_mb": peak_before, "peak_mb": peak,
                      "cuda_peak_mb": cuda_peak}))


if __name__ == "__main__":
    main()
