"""Small pieces the Try-the-model hooks share: eval mode on the model's device, and a top-k of classes."""

from __future__ import annotations


def on_device(model, inputs: dict) -> dict:
    """``inputs`` moved to the model's device; the model put in eval mode."""
    model.eval()
    device = next(model.parameters()).device
    return {key: value.to(device) for key, value in inputs.items()}


def top_classes(model, logits, k: int = 5) -> str:
    """The ``k`` most likely classes with their probabilities, one per line, named by the model's labels."""
    import torch

    probs = torch.softmax(logits, -1).tolist()
    ranked = sorted(enumerate(probs), key=lambda item: -item[1])[:k]
    return "\n".join(f"{model.config.id2label.get(i, i)}: {p:.3f}" for i, p in ranked)
