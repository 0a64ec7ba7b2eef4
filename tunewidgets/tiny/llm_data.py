"""The LLM demo: chat, completion and preference data sets from the facts, and a ready-to-train config."""

from __future__ import annotations

import random
from pathlib import Path

from .facts import _Q, _SYSTEM_PROMPTS, _fact
from .models import build_tiny_model
from .task_data import _write_jsonl

DEMO_KINDS = ("sft-text", "sft-completion", "sft-chat", "preference", "preference-chat")
# The LLM demo's settings: small enough to finish in seconds on two CPU cores, with a validation split
# so the eval loss shows too (the LLM tasks' offline demos start from these).
DEMO_PARAMS = {"epochs": 3, "batch_size": 8, "gradient_accumulation": 1, "lr": 2e-3, "block_size": 128,
               "model_max_length": 512, "logging_steps": 2, "eval_strategy": "epoch", "save_strategy": "epoch"}


def _chat_row(rng: random.Random) -> tuple[list[dict], str]:
    """A conversation whose last assistant turn is the answer; also returns a wrong answer."""
    messages: list[dict] = []
    if rng.random() < 0.3:
        messages.append({"role": "system", "content": rng.choice(_SYSTEM_PROMPTS)})
    if rng.random() < 0.3:  # a first exchange before the one that counts
        q, a, _ = _fact(rng)
        messages += [{"role": "user", "content": q.capitalize()},
                     {"role": "assistant", "content": f"{a.capitalize()}."}]
    q, a, wrong = _fact(rng)
    messages += [{"role": "user", "content": q.capitalize()},
                 {"role": "assistant", "content": f"{a.capitalize()}."}]
    return messages, f"{wrong.capitalize()}."


def _demo_rows(kind: str, n: int, seed: int) -> list[dict]:
    rng = random.Random(f"{kind}:{seed}")
    rows = []
    for _ in range(n):
        if kind in ("sft-chat", "preference-chat"):
            messages, wrong = _chat_row(rng)
            if kind == "sft-chat":
                rows.append({"messages": messages})
            else:
                rejected = [dict(m) for m in messages]
                rejected[-1]["content"] = wrong
                rows.append({"chosen": messages, "rejected": rejected})
            continue
        q, a, wrong = _fact(rng)
        prompt = _Q.format(q=q)
        if kind == "sft-text":
            rows.append({"text": f"{prompt} {a}"})
        elif kind == "sft-completion":
            rows.append({"prompt": prompt, "completion": f" {a}"})
        elif kind == "preference":
            rows.append({"prompt": prompt, "chosen": f" {a}", "rejected": f" {wrong}"})
        else:
            raise ValueError(f"unknown demo dataset kind {kind!r}; choose one of {list(DEMO_KINDS)}")
    return rows


def make_demo_dataset(kind: str, out_dir: str | Path | None = None, n: int = 200, seed: int = 0):
    """Generate a deterministic demo dataset as a DataFrame of ``n`` rows.

    Kinds: ``sft-text`` (text), ``sft-completion`` (prompt, completion), ``sft-chat``
    (messages), ``preference`` (prompt, chosen, rejected: text; prompt + chosen is an
    sft-text row), ``preference-chat`` (chosen, rejected: conversations differing in the
    last assistant turn). With ``out_dir``, the first 90% go to ``train.jsonl`` and the rest
    to ``valid.jsonl``.
    """
    import pandas as pd

    if kind not in DEMO_KINDS:
        raise ValueError(f"unknown demo dataset kind {kind!r}; choose one of {list(DEMO_KINDS)}")
    rows = _demo_rows(kind, n, seed)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        n_train = max(1, round(n * 0.9)) if n > 1 else n
        _write_jsonl(out / "train.jsonl", rows[:n_train])
        _write_jsonl(out / "valid.jsonl", rows[n_train:])
    return pd.DataFrame(rows)


def make_demo(out_dir: str | Path, kind: str = "llama") -> dict:
    """Build the tiny model at ``<out_dir>/tiny-<kind>`` and every demo dataset at
    ``<out_dir>/data/<dataset kind>/``; what already exists is kept, so a second call is fast.

    Returns ``{"root": ..., "model": ..., "data": {dataset kind: folder}}``.
    """
    root = Path(out_dir)
    model_dir = root / f"tiny-{kind}"
    if not ((model_dir / "config.json").exists() and (model_dir / "model.safetensors").exists()
            and ((model_dir / "tokenizer.json").exists() or (model_dir / "preprocessor_config.json").exists())):
        build_tiny_model(kind, model_dir)
    data = {}
    for ds_kind in DEMO_KINDS:
        ds_dir = root / "data" / ds_kind
        if not ((ds_dir / "train.jsonl").exists() and (ds_dir / "valid.jsonl").exists()):
            make_demo_dataset(ds_kind, ds_dir)
        data[ds_kind] = str(ds_dir)
    return {"root": str(root), "model": str(model_dir), "data": data}


def demo_config(paths: dict, dataset: str = "sft-chat", project_name: str | None = None) -> dict:
    """A ready-to-train llm-sft config dict for the demo built by ``make_demo`` (:data:`DEMO_PARAMS`)."""
    conversational = dataset == "sft-chat"
    column = "messages" if conversational else "text"
    return {
        "task": "llm-sft",
        "base_model": paths["model"],
        "project_name": project_name or f"demo-{dataset}",
        "data": {
            "path": paths["data"][dataset],
            "train_split": "train",
            "valid_split": "valid",
            "chat_template": "tokenizer" if conversational else None,
            "column_mapping": {"text_column": column},
        },
        "params": {
            **DEMO_PARAMS,
            "assistant_only_loss": conversational,
        },
    }
