"""Try a trained sentence encoder: the cosine similarity of every line to the first."""

from __future__ import annotations

from ..base import Prediction


def similarities(model, tokenizer, text: str) -> Prediction:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    vectors = model.encode(lines, convert_to_tensor=True, normalize_embeddings=True)
    if len(lines) == 1:
        return Prediction(f"one {vectors.shape[-1]}-dimensional embedding: give two or more lines to compare them")
    scores = (vectors[1:] @ vectors[0]).tolist()
    return Prediction("\n".join(f"{score:+.3f}  {line}" for score, line in zip(scores, lines[1:])))
