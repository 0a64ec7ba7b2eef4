"""Try a trained image classifier (classes with their probabilities) or regressor (the value) on one image."""

from __future__ import annotations

from ..base import Prediction
from ..shared.inference import on_device, top_classes


def predict(model, processor, image, regression: bool = False) -> Prediction:
    import torch

    inputs = on_device(model, processor(images=image.convert("RGB"), return_tensors="pt"))
    with torch.no_grad():
        logits = model(**inputs).logits[0]
    return Prediction(f"{float(logits[0]):.4g}" if regression else top_classes(model, logits))
