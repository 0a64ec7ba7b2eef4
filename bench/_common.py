"""Shared set-up for the benchmarks: a ~3M-parameter Llama and ~150-token rows, built offline."""

from __future__ import annotations

import json
import statistics
from pathlib import Path


def build_bench_model(out_dir: Path) -> str:
    """A Llama of about 3.4M parameters (vocab 2048, hidden 256, 3 layers) with random weights."""
    from tunewidgets.tiny import build_tiny_llama

    if not (out_dir / "model.safetensors").exists():
        build_tiny_llama(out_dir, vocab_size=2048, hidden_size=256, layers=3, heads=4, kv_heads=4,
                         intermediate_size=688, max_position_embeddings=512)
    return str(out_dir)


def build_bench_data(out_dir: Path, rows: int = 512) -> str:
    """``rows`` texts of about 150 tokens: several demo question/answer pairs joined."""
    from tunewidgets.tiny import make_demo_dataset

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "train.jsonl"
    if not path.exists():
        pieces = make_demo_dataset("sft-text", n=rows * 8, seed=1)["text"].tolist()
        with open(path, "w") as fh:
            for i in range(rows):
                fh.write(json.dumps({"text": "\n\n".join(pieces[i * 8:(i + 1) * 8])}) + "\n")
    return str(out_dir)


def summarize(values: list[float]) -> str:
    """median (min-max) of a list of numbers."""
    if not values:
        return "-"
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"
