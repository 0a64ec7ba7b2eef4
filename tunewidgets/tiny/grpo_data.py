"""The llm-grpo demo: colour questions as prompts (with the answer in a column of its own) and two reward
functions in a file beside the data, ``rewards.py``.

``names_a_colour`` gives 1 to a completion that names any colour: a random tiny Llama does so about one time
in thirty, often enough for GRPO to find it, and within a few dozen steps nearly every completion does (the
mean reward visibly rises). ``right_colour`` gives 1 when the colour named is the answer of the row (the
``answer`` column, passed to the function as TRL passes every column), a slower lesson.
"""

from __future__ import annotations

import random
from pathlib import Path

from .facts import _COLORS
from .task_data import _write_jsonl

GRPO_DEMO_KINDS = ("grpo-colours", "grpo-colours-chat")
REWARDS_FILE = "rewards.py"
REWARDS_SOURCE = '''"""Reward functions of the llm-grpo demo: TRL calls each with prompts, completions and every
data column (here: answer), as keyword lists."""

import re

COLOURS = ("red", "blue", "green", "white", "yellow", "black", "orange", "purple")


def _words(completion):
    text = completion if isinstance(completion, str) else completion[-1]["content"]
    return re.findall(r"[a-z]+", text.lower())


def names_a_colour(completions, **kwargs):
    """1.0 when the completion names a colour, else 0.0."""
    return [1.0 if set(_words(c)) & set(COLOURS) else 0.0 for c in completions]


def right_colour(completions, answer, **kwargs):
    """1.0 when the completion names the row's answer (the answer column), else 0.0."""
    return [1.0 if a in _words(c) else 0.0 for c, a in zip(completions, answer)]
'''


def grpo_rows(kind: str, n: int, seed: int = 0) -> list[dict]:
    """``n`` colour questions: plain prompts in the demo's question format, or one user turn (``-chat``)."""
    rng = random.Random(f"{kind}:{seed}")
    things = sorted(_COLORS)
    rows = []
    for _ in range(n):
        thing = rng.choice(things)
        question = f"what colour is {thing}?"
        prompt = ([{"role": "user", "content": question.capitalize()}] if kind.endswith("-chat")
                  else f"### Question: {question}\n### Answer:")
        rows.append({"prompt": prompt, "answer": _COLORS[thing]})
    return rows


def make_grpo_demo(kind: str, out_dir: str | Path, n: int | None = 200, seed: int = 0,
                   splits: tuple[str, ...] = ("train", "valid")) -> str:
    """``<split>.jsonl`` files (90% of the rows in the first split) and ``rewards.py`` in ``out_dir``."""
    if kind not in GRPO_DEMO_KINDS:
        raise ValueError(f"unknown GRPO demo kind {kind!r}; choose one of {list(GRPO_DEMO_KINDS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = grpo_rows(kind, n or 200, seed)
    first = max(1, round(len(rows) * 0.9)) if len(splits) > 1 else len(rows)
    rest = splits[1:]
    _write_jsonl(out / f"{splits[0]}.jsonl", rows[:first])
    for i, split in enumerate(rest):
        _write_jsonl(out / f"{split}.jsonl", rows[first:][i::len(rest)])
    (out / REWARDS_FILE).write_text(REWARDS_SOURCE, encoding="utf-8")
    return str(out)
