"""What the Checks panel reports before training, computed beside the tasks (the panel only renders it).

Every task's ``checks`` hook returns a :class:`CheckReport`: warnings that save a wasted run, and for
the LLM tasks one example as tokens with the ones that count for the loss marked, plus token lengths
(``llm_checks.py``). Tasks without tokens to show look at their labels, size and validation split.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from ...config.run_config import RunConfig


@dataclass
class TokenView:
    """One example as tokens, and which of them count for the loss."""

    ids: list[int]
    texts: list[str]
    loss: list[bool]
    max_length: int
    note: str = ""

    @property
    def kept(self) -> list[bool]:
        return [i < self.max_length for i in range(len(self.ids))]

    @property
    def trained(self) -> list[bool]:
        """Counts for the loss and is not cut off."""
        return [loss and kept for loss, kept in zip(self.loss, self.kept)]


@dataclass
class CheckReport:
    """Everything the panel shows after a check."""

    view: TokenView | None
    lengths: list[int] | None  # tokens per example (None: the task has no tokens to count)
    max_length: int
    num_checked: int
    num_total: int | None
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (level, text)
    view_of: Callable[[int], TokenView] | None = None  # another example's token view, by index

    @property
    def num_too_long(self) -> int:
        return sum(1 for n in self.lengths or [] if n > self.max_length)

    def summary(self) -> str:
        if self.lengths is None:
            return f"{self.num_checked:,} rows checked"
        if not self.lengths:
            return "no examples to check"
        checked = f"{self.num_checked:,}"
        if self.num_total and self.num_total > self.num_checked:
            checked += f" (the first of {self.num_total:,})"
        return f"{self.num_too_long:,} of {checked} examples exceed {self.max_length:,} tokens"


def max_length_of(config: RunConfig) -> int:
    params = config.params
    if hasattr(params, "max_length"):
        return int(params.max_length)
    return int(getattr(params, "max_seq_length", 512))


def resolved_mapping(config: RunConfig, rows: list[dict]) -> dict:
    """The config's column mapping, or the guess training would make when there is none."""
    from ...data.columns import guess_column_mapping

    mapping = dict(config.data.column_mapping or {})
    if not mapping and rows:
        mapping = guess_column_mapping(config.task, list(rows[0]), rows[:20])
    return mapping


def optimizer_steps(config: RunConfig, total: int) -> tuple[int, int]:
    """(examples per optimizer step, optimizer steps) for ``total`` examples."""
    p = config.params
    batch = getattr(p, "batch_size", 1) * getattr(p, "gradient_accumulation", 1)
    steps = p.max_steps if getattr(p, "max_steps", -1) > 0 else math.ceil(total / max(batch, 1)) * p.epochs
    return batch, steps


def check_rows(config: RunConfig, rows: list[dict], total: int | None, labels: str | None = None) -> CheckReport:
    """The checks of a task without tokens to show: its labels (``labels``: classes, values or None),
    the data's size against one optimizer step, and the validation split."""
    warnings = label_warnings(config, rows, labels)
    batch = getattr(config.params, "batch_size", 1) * getattr(config.params, "gradient_accumulation", 1)
    if total is not None and total < batch:
        warnings.append(("warning", f"only {total:,} examples but one step uses {batch:,}"))
    if not config.data.valid_split:
        warnings.append(("info", "no validation split: no eval metrics or early stopping"))
    return CheckReport(view=None, lengths=None, max_length=max_length_of(config), num_checked=len(rows),
                       num_total=total, warnings=warnings)


def label_warnings(config: RunConfig, rows: list[dict], labels: str | None) -> list[tuple[str, str]]:
    """Labels that would waste a run: one class only, classes seen once, a strong imbalance, non-numeric targets."""
    key = resolved_mapping(config, rows).get("target_column")
    if not labels or not key or not rows:
        return []
    values = [r.get(key) for r in rows if r.get(key) is not None]
    out: list[tuple[str, str]] = []
    if labels == "classes":
        counts = Counter(str(v) for v in values)
        shown = ", ".join(f"{label} {n:,}" for label, n in counts.most_common(8))
        out.append(("info", f"labels in the {len(values):,} rows checked: {shown}"
                            + (" ..." if len(counts) > 8 else "")))
        if len(counts) < 2:
            out.append(("error", f"only one label ({next(iter(counts), '?')}) in the rows checked: "
                                 "a classifier needs at least two"))
        rare = [label for label, n in counts.items() if n == 1]
        if rare and len(counts) >= 2:
            out.append(("warning", f"{len(rare)} label(s) appear once: {', '.join(rare[:5])}"))
        if len(counts) >= 2:
            most, least = counts.most_common()[0][1], counts.most_common()[-1][1]
            if most >= 10 * least:
                out.append(("warning", f"labels are imbalanced ({most:,} vs {least:,}): accuracy will mislead; "
                                       "watch f1"))
    elif labels == "values":
        bad = [v for v in values if not isinstance(v, (int, float)) or isinstance(v, bool)]
        if bad:
            out.append(("error", f"{len(bad):,} targets are not numbers (e.g. {bad[0]!r}): regression needs numbers"))
    return out
