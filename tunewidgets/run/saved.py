"""Load what a finished run saved, with the class its task trains (not always a causal LM).

A re-attached run, or one trained in a subprocess, has no model in memory: ``app.model`` and the
"Try the model" box load it from the run directory. The task comes from the run's config.yml.
Returns ``(model, tokenizer_or_processor)``; tabular gives ``(pipeline, info)``.
"""

from __future__ import annotations

from pathlib import Path


def saved_task(folder: str | Path) -> str | None:
    """The task of the run saved in ``folder`` (its config.yml), or None when there is none."""
    import yaml

    from ..config.tasks import canonical_task

    path = Path(folder) / "config.yml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    return canonical_task(str(raw.get("task", ""))) if isinstance(raw, dict) else None


def has_saved_model(folder: str | Path) -> bool:
    folder = Path(folder)
    return any((folder / name).exists() for name in ("config.json", "adapter_config.json", "model.joblib"))


def load_saved(folder: str | Path, task: str | None = None):
    """``(model, tokenizer or processor)`` saved in ``folder`` for ``task`` (read from config.yml when None)."""
    folder = Path(folder)
    task = task or saved_task(folder) or "llm-sft"
    if task == "tabular":
        from ..tasks.tabular import load_model

        return load_model(folder)
    if task.startswith("sentence-transformers"):
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(folder), device="cpu")
        return model, model.tokenizer
    import transformers

    if task in ("image_classification", "image_regression", "object_detection"):
        cls = transformers.AutoModelForObjectDetection if task == "object_detection" \
            else transformers.AutoModelForImageClassification
        return cls.from_pretrained(str(folder)), transformers.AutoImageProcessor.from_pretrained(str(folder))
    adapter = (folder / "adapter_config.json").exists()
    if task == "seq2seq":
        if adapter:
            from peft import AutoPeftModelForSeq2SeqLM as cls
        else:
            cls = transformers.AutoModelForSeq2SeqLM
    elif task == "token_classification":
        cls = transformers.AutoModelForTokenClassification
    elif task in ("text_classification", "text_regression", "llm-reward"):
        if adapter:
            from peft import AutoPeftModelForSequenceClassification as cls
        else:
            cls = transformers.AutoModelForSequenceClassification
    elif adapter:
        from peft import AutoPeftModelForCausalLM as cls
    else:
        cls = transformers.AutoModelForCausalLM
    return cls.from_pretrained(str(folder)), transformers.AutoTokenizer.from_pretrained(str(folder))
