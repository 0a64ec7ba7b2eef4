"""The llm-kto demo: single completions of the demo's facts, each marked desirable (the right answer) or not (a
clearly wrong one), in KTO's usual columns ``prompt``, ``completion`` and ``label``.

Half the rows are right and half wrong, mixed, so every batch holds both kinds (KTO estimates its KL term from
the other completions of a batch). A tiny Llama learns the difference within a few dozen steps on CPU: the loss
falls and ``rewards/chosen`` rises above ``rewards/rejected`` (tests/tasks/test_llm_kto.py measures it).
"""

from __future__ import annotations

import random
from pathlib import Path

from .facts import _Q, _fact
from .task_data import _write_jsonl

KTO_DEMO_KINDS = ("kto-facts", "kto-facts-chat")


def kto_rows(kind: str, n: int, seed: int = 0) -> list[dict]:
    """``n`` rows: a question, an answer and whether the answer is right (``-chat``: one user turn and one
    assistant turn)."""
    rng = random.Random(f"{kind}:{seed}")
    rows = []
    for _ in range(n):
        question, right, wrong = _fact(rng)
        good = rng.random() < 0.5
        answer = right if good else wrong
        if kind.endswith("-chat"):
            rows.append({"prompt": [{"role": "user", "content": question.capitalize()}],
                         "completion": [{"role": "assistant", "content": f"{answer.capitalize()}."}],
                         "label": good})
        else:
            rows.append({"prompt": _Q.format(q=question), "completion": f" {answer}", "label": good})
    return rows


def make_kto_demo(kind: str, out_dir: str | Path, n: int | None = 200, seed: int = 0,
                  splits: tuple[str, ...] = ("train", "valid")) -> str:
    """``<split>.jsonl`` files in ``out_dir`` (90% of the rows in the first split); returns the folder."""
    if kind not in KTO_DEMO_KINDS:
        raise ValueError(f"unknown KTO demo kind {kind!r}; choose one of {list(KTO_DEMO_KINDS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = kto_rows(kind, n or 200, seed)
    first = max(1, round(len(rows) * 0.9)) if len(splits) > 1 else len(rows)
    rest = splits[1:]
    _write_jsonl(out / f"{splits[0]}.jsonl", rows[:first])
    for i, split in enumerate(rest):
        _write_jsonl(out / f"{split}.jsonl", rows[first:][i::len(rest)])
    return str(out)
