"""A short README model card for the run directory (no secrets: built from the exported config)."""

from __future__ import annotations

from pathlib import Path

from ..config.loader import dump_config
from ..config.run_config import RunConfig


def _library(config: RunConfig) -> str:
    """The task's library, or peft for an adapter saved without merging."""
    if getattr(config.params, "peft", False) and not getattr(config.params, "merge_adapter", False):
        return "peft"
    return config.task_info.library


def write_model_card(run_dir: Path, config: RunConfig, metrics: list[dict]) -> Path:
    last_loss = next((m["loss"] for m in reversed(metrics) if "loss" in m), None)
    last_eval = next((m["eval_loss"] for m in reversed(metrics) if "eval_loss" in m), None)
    lines = [
        "---",
        f"library_name: {_library(config)}",
        "tags: [tunewidgets]",
        f"base_model: {config.base_model}",
        "---",
        f"# {config.project_name}",
        "",
        f"Trained with tunewidgets: task `{config.task}` on `{config.data.path or 'in-memory data'}`, "
        f"from `{config.base_model}`.",
        "",
    ]
    if last_loss is not None:
        lines.append(f"- final training loss: {last_loss:.4f}")
    if last_eval is not None:
        lines.append(f"- final eval loss: {last_eval:.4f}")
    lines += ["", "## Rerun", "", "```yaml", dump_config(config).rstrip(), "```", "",
              "`tunewidgets train config.yml`", ""]
    path = Path(run_dir) / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
