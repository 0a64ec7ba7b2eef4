"""Build a task's offline demo: its tiny model and generated data under a folder, and a ready config.

The app's "Use offline demo" button and ``tunewidgets demo train --task`` call :func:`demo_config`
with the task's spec, so every task can be tried end to end with no download. What was built
before is reused, so a second call is fast.
"""

from __future__ import annotations

from pathlib import Path

from ...config.task_spec import TaskSpec


def demo_config(spec: TaskSpec, out_dir: str | Path, project_name: str | None = None) -> dict:
    """Build (or reuse) ``spec``'s tiny model and demo data under ``out_dir``; return a config dict.

    Several tabs of a served dashboard may ask at once: building holds a lock on the folder."""
    import fcntl

    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".building.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _demo_config(spec, root, project_name)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _demo_config(spec: TaskSpec, root: Path, project_name: str | None) -> dict:
    from ... import tiny

    demo = spec.demo
    if demo.model is None:
        base_model = str(demo.params[spec.model_param])
    else:
        model_dir = root / f"tiny-{demo.model}"
        built = (model_dir / "config.json").is_file() and (model_dir / "model.safetensors").is_file() and (
            (model_dir / "tokenizer.json").is_file() or (model_dir / "preprocessor_config.json").is_file())
        if not built:
            tiny.build_tiny_model(demo.model, model_dir)
        base_model = str(model_dir)
    data_dir = root / "data" / demo.data
    marker = data_dir / ".complete"
    if not marker.is_file():
        if demo.data in tiny.DEMO_KINDS:
            tiny.make_demo_dataset(demo.data, data_dir, n=demo.rows or 200)
        else:
            tiny.make_task_demo(demo.data, data_dir, n=demo.rows)
        marker.write_text("ok\n")
    return {
        "task": spec.name,
        "base_model": base_model,
        "project_name": project_name or demo.project or "demo-" + spec.name.replace(":", "-").replace("_", "-"),
        "data": {"path": str(data_dir), "train_split": "train", "valid_split": "valid",
                 "chat_template": demo.chat_template, "column_mapping": dict(demo.mapping)},
        "params": _in_data_folder(dict(demo.params), data_dir),
    }


def _in_data_folder(params: dict, data_dir: Path) -> dict:
    """A demo's params may name files of its data folder as ``{data}/<file>`` (llm-grpo's reward file)."""
    def fill(value):
        if isinstance(value, str):
            return value.replace("{data}", str(data_dir))
        return [fill(v) for v in value] if isinstance(value, (list, tuple)) else value

    return {key: fill(value) for key, value in params.items()}
