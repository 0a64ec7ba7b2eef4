"""Try a trained encoder-decoder: its greedy output for a text."""

from __future__ import annotations

from ..base import Prediction
from ..shared.inference import on_device


def predict(model, tokenizer, text: str, max_new_tokens: int = 64) -> Prediction:
    import torch

    inputs = on_device(model, tokenizer(text, return_tensors="pt", truncation=True))
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=int(max_new_tokens), do_sample=False)
    return Prediction(tokenizer.decode(output[0], skip_special_tokens=True))
