"""The trials table (printed, and saved as trials.csv and trials.md in the project folder) and best.yml."""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path
from typing import Any

from .study import ERROR, INTERRUPTED, KILLED, SURPLUS

TABLE_CSV, TABLE_MD, BEST_FILE = "trials.csv", "trials.md", "best.yml"


def trial_state(trial) -> str:
    """finished | pruned | failed | killed | interrupted | running (the words the table shows)."""
    attrs = trial.user_attrs
    name = trial.state.name
    if name == "COMPLETE":
        return "finished"
    if name == "PRUNED":
        return "pruned"
    if name == "RUNNING":
        return "running"
    if name == "WAITING":
        return "waiting"
    if attrs.get(KILLED):
        return "killed"
    if attrs.get(INTERRUPTED):
        return "interrupted"
    return "failed" if ERROR in attrs else "killed"  # failed by its heartbeat: its process died elsewhere


def rows(study, keys: list[str]) -> list[dict[str, Any]]:
    """One dict per trial (surplus trials, asked for past the total by a racing worker, left out)."""
    out = []
    for trial in study.get_trials(deepcopy=False):
        if trial.user_attrs.get(SURPLUS):
            continue
        value = trial.value if trial.state.name == "COMPLETE" else None
        if trial.state.name == "PRUNED" and trial.intermediate_values:
            value = trial.intermediate_values[max(trial.intermediate_values)]
        row = {"trial": trial.number, "state": trial_state(trial), "value": value}
        for key in keys:
            row[key] = trial.params.get(key)
        row["duration_s"] = trial.user_attrs.get("duration")
        row["run_dir"] = trial.user_attrs.get("run_dir")
        row["error"] = trial.user_attrs.get(ERROR) or ("process killed during the trial"
                                                       if row["state"] == "killed" else None)
        out.append(row)
    return out


def best_row(table: list[dict], direction: str) -> dict | None:
    done = [r for r in table if r["state"] == "finished" and r["value"] is not None]
    if not done:
        return None
    pick = min if direction == "minimize" else max
    return pick(done, key=lambda r: r["value"])


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.4g}"
    return str(value)


def markdown(table: list[dict], keys: list[str], metric: str, best: dict | None, width: int = 60) -> str:
    """The trials as a markdown table; the best trial's row is marked with ``*``."""
    head = ["trial", "state", metric, *keys, "seconds", "note"]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    for row in table:
        mark = " *" if best is not None and row["trial"] == best["trial"] else ""
        note = (row.get("error") or "").replace("|", "/").replace("\n", " ")
        if len(note) > width:
            note = note[: width - 3] + "..."
        cells = [f"{row['trial']}{mark}", row["state"], _fmt(row["value"]), *(_fmt(row[k]) for k in keys),
                 _fmt(row.get("duration_s")), note]
        lines.append("| " + " | ".join(cells) + " |")
    if best is not None:
        lines.append(f"\n* best: trial {best['trial']}, {metric} = {_fmt(best['value'])}")
    return "\n".join(lines) + "\n"


def to_csv(table: list[dict]) -> str:
    if not table:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(table[0]))
    writer.writeheader()
    writer.writerows(table)
    return buffer.getvalue()


def save(project_dir: Path, table: list[dict], text: str) -> None:
    project_dir.mkdir(parents=True, exist_ok=True)
    _atomic(project_dir / TABLE_CSV, to_csv(table))
    _atomic(project_dir / TABLE_MD, text)


def write_best(config, best: dict, keys: list[str], project_dir: Path) -> Path:
    """``best.yml``: the best trial's config as a plain run (no sweep section), trained into
    ``<project_name>/best`` by ``tunewidgets train best.yml``."""
    from ..config.loader import dump_config
    from ..config.sweep import trial_config

    values = {k: best[k] for k in keys if best.get(k) is not None}
    best_config = trial_config(config, values, f"{config.project_name}/best")
    path = project_dir / BEST_FILE
    _atomic(path, "# the best trial of the sweep (trial %d); rerun: tunewidgets train %s\n" % (best["trial"], path)
            + dump_config(best_config))
    return path


def _atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
