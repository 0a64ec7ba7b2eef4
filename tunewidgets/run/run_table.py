"""Runs side by side: the config keys that differ across N runs, and one row of final and best metrics per run.

Pure reads of run directories (config.yml, metrics.jsonl, status.json), so the app's History tab, a script
and a notebook compare runs the same way; ``write_csv`` hands the table to a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from pathlib import Path
from typing import Any

from .rundir import RunDirectory

# A score whose name has one of these words (``eval_loss``, ``eval_gen_wer``, ``eval_log_loss``) is better lower.
LOWER_IS_BETTER = ("loss", "error", "mse", "mae", "rmse", "perplexity", "wer", "cer")
# eval_* keys that measure speed or size, not quality: not compared.
_THROUGHPUT_SUFFIXES = ("_runtime", "_per_second", "_time", "_seconds", "_length", "_gen_len")
_THROUGHPUT_WORDS = ("num_tokens", "tokens_seen", "entropy", "epoch")
BASE_COLUMNS = ("state", "steps", "loss", "eval_loss", "best eval_loss", "best eval_loss step")
_ALWAYS = ("state", "steps")  # shown even when no run has them; the other columns only when some run does


# --------------------------------------------------------------------------- config diff


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as one level of dotted keys: ``{"params": {"lr": 1}}`` -> ``{"params.lr": 1}``."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def config_diff(a: dict, b: dict) -> list[tuple[str, Any, Any]]:
    """(dotted key, value in a, value in b) for every key whose values differ."""
    return [(key, va, vb) for key, (va, vb) in config_diff_many({"a": a, "b": b})]


def config_diff_many(configs: dict[str, dict], missing: Any = None) -> list[tuple[str, list]]:
    """(dotted key, one value per run in ``configs`` order) for every key whose value differs across the runs.

    A key some runs lack counts as differing (``missing`` stands in for it: None unless asked otherwise).
    """
    absent = object()
    flat = [flatten(config or {}) for config in configs.values()]
    rows = []
    for key in sorted(set().union(*flat)) if flat else []:
        values = [f.get(key, absent) for f in flat]
        first = values[0]
        if any(v is not first and (v is absent or first is absent or v != first) for v in values[1:]):
            rows.append((key, [missing if v is absent else v for v in values]))
    return rows


# --------------------------------------------------------------------------- metrics


def lower_is_better(key: str) -> bool:
    """Whether a smaller value of the metric ``key`` is better (loss, error, mse, wer, perplexity ...).

    Whole words of the name decide (``eval_has_answer_f1`` is not a WER); ``logloss``-style words count too.
    """
    words = [w for w in re.split(r"[^a-z0-9]+", key.lower()) if w]
    return any(w in LOWER_IS_BETTER or w.endswith(("loss", "error")) for w in words)


def is_score(key: str) -> bool:
    """An ``eval_*`` key that measures quality (not eval_loss, which has its own columns, nor speed or size)."""
    return (key.startswith("eval_") and key != "eval_loss" and not key.endswith(_THROUGHPUT_SUFFIXES)
            and not any(word in key for word in _THROUGHPUT_WORDS))


def column_goal(column: str) -> str | None:
    """'min' or 'max' for a metrics_table column whose best value means something, else None."""
    if column in ("loss", "eval_loss", "best eval_loss"):
        return "min"
    for prefix in ("final ", "best "):
        if column.startswith(prefix) and column != "best eval_loss step":
            return "min" if lower_is_better(column[len(prefix):]) else "max"
    return None


def _number(value: Any) -> float | int | None:
    """A finite int or float; NaN, inf, strings ("nan" as metrics.jsonl writes it), bools and None are missing."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def metrics_summary(run_dir: str | os.PathLike) -> dict:
    """One run's row: state, last step, final loss and eval_loss, best eval_loss and its step, every score's final
    and best value, and train_runtime when status.json has it. Missing values are None (base columns) or absent."""
    rundir = RunDirectory(run_dir)
    status = rundir.status() or {}
    records = rundir.read_metrics()
    row: dict[str, Any] = dict.fromkeys(BASE_COLUMNS)
    row["state"] = status.get("state", "unknown")
    steps = [s for s in (_number(r.get("step")) for r in records) if s is not None]
    status_step = _number(status.get("step"))
    if steps or status_step is not None:
        row["steps"] = int(max(steps + ([status_step] if status_step is not None else [])))
    series: dict[str, list[tuple[Any, float | int]]] = {}  # key -> [(step, value)] in file order
    for record in records:
        for key, value in record.items():
            if key in ("loss", "eval_loss") or is_score(key):
                number = _number(value)
                if number is not None:
                    series.setdefault(key, []).append((record.get("step"), number))
    for key in ("loss", "eval_loss"):
        if key in series:
            row[key] = series[key][-1][1]
    if "eval_loss" in series:
        step, best = min(series["eval_loss"], key=lambda pair: pair[1])  # the first of equal bests
        row["best eval_loss"], row["best eval_loss step"] = best, step
    for key in sorted(k for k in series if is_score(k)):
        values = [v for _, v in series[key]]
        row[f"final {key}"] = values[-1]
        row[f"best {key}"] = min(values) if lower_is_better(key) else max(values)
    runtime = _number(status.get("train_runtime"))
    if runtime is not None:
        row["train_runtime"] = runtime
    return row


def metrics_table(run_dirs: dict[str, Path]) -> tuple[list[str], list[list]]:
    """(columns, rows) for the runs in ``run_dirs`` (name -> run directory); the first column is "run".

    Columns are the union over the runs: the base ones, then each score's "final X" and "best X" (alphabetical by
    score), then train_runtime; a base column no run has a value for is left out (state and steps always stay).
    """
    summaries = {name: metrics_summary(path) for name, path in run_dirs.items()}
    present = {key for s in summaries.values() for key, value in s.items() if value is not None}
    scores = sorted({key.split(" ", 1)[1] for key in present if key.startswith(("final ", "best "))
                     and key not in BASE_COLUMNS})
    columns = [c for c in BASE_COLUMNS if c in _ALWAYS or c in present]
    columns += [f"{which} {score}" for score in scores for which in ("final", "best")]
    if "train_runtime" in present:
        columns.append("train_runtime")
    rows = [[name, *(s.get(c) for c in columns)] for name, s in summaries.items()]
    return ["run", *columns], rows


def csv_text(columns: list[str], rows: list[list]) -> str:
    """The table as CSV text: numbers as Python writes them, None as an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue()


def write_csv(columns: list[str], rows: list[list], path: str | os.PathLike) -> Path:
    """Write the table to ``path`` (a spreadsheet opens it); returns the path."""
    target = Path(path)
    with open(target, "w", newline="", encoding="utf-8") as handle:
        handle.write(csv_text(columns, rows))
    return target
