"""Try a trained text classifier (classes with their probabilities) or regressor (the value)."""

from __future__ import annotations

from ..base import Prediction
from ..shared.inference import on_device, top_classes


def predict(model, tokenizer, text: str, regression: bool = False) -> Prediction:
    import torch

    inputs = on_device(model, tokenizer(text, return_tensors="pt", truncation=True))
    with torch.no_grad():
        logits = model(**inputs).logits[0]
    return Prediction(f"{float(logits[0]):.4g}" if regression else top_classes(model, logits))
