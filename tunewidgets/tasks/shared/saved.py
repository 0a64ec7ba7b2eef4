"""Load what a finished run saved, with the model class its task trains (not always a causal LM).

A re-attached run, or one trained in a subprocess, has no model in memory: ``app.model`` and the
"Try the model" box load it from the run directory through the task's ``load_saved`` hook, which
for transformers models is :func:`load_transformers` with the task's classes bound.
"""

from __future__ import annotations

from pathlib import Path


def load_transformers(folder: str | Path, model: str, adapter: str | None = None, processor: str = "tokenizer"):
    """``(model, tokenizer or image processor)`` from ``folder``: ``transformers.<model>``, or
    ``peft.<adapter>`` when the folder holds an adapter (trained with LoRA and not merged)."""
    import transformers

    from .pretrained import from_pretrained

    folder = Path(folder)
    if adapter and (folder / "adapter_config.json").exists():
        import peft

        cls = getattr(peft, adapter)
    else:
        cls = getattr(transformers, model)
    loader = transformers.AutoImageProcessor if processor == "image" else transformers.AutoTokenizer
    return (from_pretrained(cls.from_pretrained, str(folder), "the trained model"),
            from_pretrained(loader.from_pretrained, str(folder), "its processor", weights=False))


def load_sentence_transformer(folder: str | Path):
    """``(encoder, its tokenizer)`` saved by a sentence-transformers run."""
    from sentence_transformers import SentenceTransformer

    from .pretrained import from_pretrained

    model = from_pretrained(SentenceTransformer, str(folder), "the trained encoder", sentence_transformer=True,
                            device="cpu")
    return model, model.tokenizer
