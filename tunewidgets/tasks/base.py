"""What every task's hooks receive and return."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..config.run_config import RunConfig
from ..device import DeviceInfo


@dataclass
class TaskContext:
    """Inputs of a task's ``build``: the config, in-memory data, where to write, how to report."""

    config: RunConfig
    run_dir: Path
    device: DeviceInfo
    callbacks: list = field(default_factory=list)
    train_data: Any = None  # a DataFrame or Dataset given in the kernel (overrides data.path)
    valid_data: Any = None
    log: Callable[[str], None] = print
    quiet: bool = True  # True in thread mode: no tqdm or printing
    threaded: bool = False  # trains in a thread of a notebook's kernel (no forked data workers by default)


@dataclass
class TrainJob:
    """A configured trainer and how to save what it produces."""

    trainer: Any
    model: Any
    tokenizer: Any
    save: Callable[[Path], None]
    num_train_examples: int = 0
    num_valid_examples: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class Prediction:
    """What "Try the model" shows: the answer as text, and for images the boxes to draw (COCO objects)."""

    text: str
    objects: dict | None = None  # {"bbox": [[x, y, w, h], ...], "category": [...]}
    context: str | None = None  # the text an answer was found in (extractive QA), shown with the span marked
    span: tuple[int, int] | None = None  # the answer's (start, end) characters in ``context``
