"""``generations.jsonl`` in the run directory: the answers eval_generate wrote, one line per prompt and step.

``{"step", "epoch", "index", "prompt", "reference", "output"}``: ``index`` is the prompt's place among the fixed
prompts, so a reader lines up how one prompt's answer changed from step to step. A round's lines go out in one
write, so a reader (the app, a re-attached run, a subprocess's follower) never sees half a round.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from .generation_examples import GenerationExample
from .samples import shorten

GENERATIONS_FILE = "generations.jsonl"
MAX_TEXT = 2000  # characters kept of a prompt, reference or answer


def append_generations(run_dir: str | Path, step: int, epoch: float | None,
                       examples: Sequence[GenerationExample], outputs: Sequence[str]) -> None:
    lines = []
    for index, (example, output) in enumerate(zip(examples, outputs)):
        record = {"step": int(step), "epoch": None if epoch is None else round(float(epoch), 4), "index": index,
                  "prompt": shorten(example.shown, MAX_TEXT),
                  "reference": None if example.reference is None else shorten(example.reference, MAX_TEXT),
                  "output": shorten(output, MAX_TEXT)}
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    if not lines:
        return
    with open(Path(run_dir) / GENERATIONS_FILE, "a", encoding="utf-8") as fh:
        fh.write("".join(lines))
        fh.flush()


def read_generations(run_dir: str | Path) -> dict[int, list[dict]]:
    """step -> that step's lines in prompt order; a torn last line is left out. A step written twice (a resumed
    run evaluating a step again) keeps its latest round."""
    path = Path(run_dir) / GENERATIONS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    rounds: dict[int, dict[int, dict]] = {}
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            break
        try:
            record = json.loads(line)
            step, index = int(record["step"]), int(record["index"])
        except (ValueError, KeyError, TypeError):
            continue
        rounds.setdefault(step, {})[index] = record
    return {step: [by_index[i] for i in sorted(by_index)] for step, by_index in sorted(rounds.items())}
