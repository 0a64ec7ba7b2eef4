"""Generated samples in the run directory: ``completions.jsonl``, one line per logged step with a few of the
completions the model just wrote and their rewards (llm-grpo writes it).

The file is part of the run directory, like metrics.jsonl, so the app shows the same table whoever trains the
run: a thread in the kernel, a subprocess, or a run re-attached later. Readers follow it by byte offset and
read only what is new.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SAMPLES_FILE = "completions.jsonl"
MAX_TEXT = 600  # characters of a prompt or completion kept in the file


def append_samples(run_dir: str | Path, step: int, samples: list[dict]) -> None:
    """One line: ``{"step": step, "samples": [{prompt, completion, reward, rewards: {name: value}, advantage}]}``."""
    if not samples:
        return
    path = Path(run_dir) / SAMPLES_FILE
    line = json.dumps({"step": int(step), "samples": samples}, ensure_ascii=False, allow_nan=False,
                      default=str) + "\n"
    with open(path, "a", encoding="utf-8") as fh:  # one write of a whole line: a reader never sees half of it
        fh.write(line)
        fh.flush()


def read_samples(run_dir: str | Path, offset: int = 0) -> tuple[list[dict], int]:
    """(records written after byte ``offset``, the new offset); a trailing partial line is left for later."""
    path = Path(run_dir) / SAMPLES_FILE
    try:
        size = os.path.getsize(path)
    except OSError:
        return [], 0
    if size < offset:  # a new run rewrote the file
        offset = 0
    if size == offset:
        return [], offset
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read(size - offset)
    end = data.rfind(b"\n") + 1
    records = []
    for raw in data[:end].splitlines():
        try:
            records.append(json.loads(raw))
        except ValueError:
            continue
    return records, offset + end


def shorten(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_text(value) -> str:
    """A prompt or completion as one string: a conversation's turns as ``role: content`` lines."""
    if isinstance(value, list):
        lines = []
        for message in value:
            if isinstance(message, dict):
                content = message.get("content")
                if isinstance(content, list):  # content parts
                    content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
                lines.append(f"{message.get('role', '?')}: {content}")
            else:
                lines.append(str(message))
        return "\n".join(lines)
    return str(value)
