"""An offline demo for every non-LLM task: a tiny model built from config, generated data, a config.

The app's "Use offline demo" button calls :func:`task_demo_config` for the task on show, so every
task can be tried end to end with no download (and the per-task app tests use the same path).
Each config finishes in seconds on two CPU cores and evaluates on a validation split, so the
metrics (and, for classifiers, the confusion matrix) have something to show.
"""

from __future__ import annotations

from pathlib import Path

from .tiny import build_tiny_model, make_task_demo

# task -> (tiny model kind or None, demo data kind, column mapping, params)
_TEXT_FAST = {"epochs": 4, "batch_size": 16, "lr": 3e-3, "logging_steps": 5, "eval_strategy": "epoch",
              "save_strategy": "epoch", "max_seq_length": 64}
_ST = {"epochs": 2, "batch_size": 16, "lr": 1e-3, "logging_steps": 2, "eval_strategy": "epoch",
       "save_strategy": "epoch"}
DEMOS: dict[str, tuple[str | None, str, dict, dict]] = {
    "text_classification": ("bert", "text-classification", {"text_column": "text", "target_column": "label"},
                            _TEXT_FAST),
    "text_regression": ("bert", "text-regression", {"text_column": "text", "target_column": "target"}, _TEXT_FAST),
    "token_classification": ("bert", "token-classification", {"tokens_column": "tokens", "tags_column": "tags"},
                             _TEXT_FAST),
    "seq2seq": ("t5", "seq2seq", {"text_column": "dialogue", "target_column": "summary"},
                {"epochs": 6, "batch_size": 16, "lr": 5e-3, "logging_steps": 5, "eval_strategy": "epoch",
                 "save_strategy": "epoch", "max_seq_length": 96, "max_target_length": 32}),
    "sentence-transformers:pair": ("bert", "st-pair", {"sentence1_column": "anchor", "sentence2_column": "positive"},
                                   _ST),
    "sentence-transformers:pair_class": ("bert", "st-pair-class", {"sentence1_column": "premise",
                                                                   "sentence2_column": "hypothesis",
                                                                   "target_column": "label"},
                                         _ST),
    "sentence-transformers:pair_score": ("bert", "st-pair-score", {"sentence1_column": "sentence1",
                                                                   "sentence2_column": "sentence2",
                                                                   "target_column": "score"},
                                         _ST),
    "sentence-transformers:triplet": ("bert", "st-triplet", {"sentence1_column": "anchor",
                                                             "sentence2_column": "positive",
                                                             "sentence3_column": "negative"},
                                      _ST),
    "sentence-transformers:qa": ("bert", "st-qa", {"sentence1_column": "question", "sentence2_column": "answer"},
                                 _ST),
    "image_classification": ("vit", "image-classification", {"image_column": "image", "target_column": "label"},
                             {"epochs": 4, "batch_size": 32, "lr": 2e-3, "logging_steps": 5, "eval_strategy": "epoch",
                              "save_strategy": "epoch"}),
    "image_regression": ("vit", "image-regression", {"image_column": "image", "target_column": "target"},
                         {"epochs": 4, "batch_size": 32, "lr": 2e-3, "logging_steps": 5, "eval_strategy": "epoch",
                          "save_strategy": "epoch"}),
    "object_detection": ("yolos", "object-detection", {"image_column": "image", "objects_column": "objects"},
                         {"epochs": 4, "batch_size": 8, "lr": 1e-3, "logging_steps": 5, "eval_strategy": "epoch",
                          "save_strategy": "epoch", "image_square_size": 64}),
    "tabular": (None, "tabular-classification", {"target_columns": ["target"]},
                {"task": "classification", "model": "random_forest", "num_trials": 5, "time_limit": 60}),
}


def demo_tasks() -> list[str]:
    """The tasks with an offline demo here (LLM tasks use ``tiny.make_demo``)."""
    return list(DEMOS)


# Rows of demo data per data kind (default 200): enough for the demo's model to learn visibly in seconds.
ROWS = {"text-classification": 600, "text-regression": 800, "token-classification": 300, "seq2seq": 400,
        "image-classification": None, "image-regression": None, "object-detection": 400, "tabular-classification": None}


def task_demo_config(task: str, out_dir: str | Path, project_name: str | None = None) -> dict:
    """Build (or reuse) ``task``'s tiny model and demo data under ``out_dir``; return a ready config dict."""
    try:
        model_kind, data_kind, mapping, params = DEMOS[task]
    except KeyError:
        raise ValueError(f"no offline demo for task {task!r}; tasks with one: {', '.join(DEMOS)}") from None
    root = Path(out_dir)
    if model_kind is None:
        base_model = params["model"]
    else:
        model_dir = root / f"tiny-{model_kind}"
        if not (model_dir / "config.json").is_file() or not (model_dir / "model.safetensors").is_file():
            build_tiny_model(model_kind, model_dir)
        base_model = str(model_dir)
    data_dir = root / "data" / data_kind
    marker = data_dir / ".complete"
    if not marker.is_file():
        make_task_demo(data_kind, data_dir, n=ROWS.get(data_kind, 200))
        marker.write_text("ok\n")
    return {
        "task": task,
        "base_model": base_model,
        "project_name": project_name or "demo-" + task.replace(":", "-").replace("_", "-"),
        "data": {"path": str(data_dir), "train_split": "train", "valid_split": "valid",
                 "column_mapping": dict(mapping)},
        "params": dict(params),
    }
