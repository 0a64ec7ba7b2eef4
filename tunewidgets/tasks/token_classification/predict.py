"""Try a trained token classifier: each word of the text with its tag (the first sub-token's)."""

from __future__ import annotations

from ..base import Prediction
from ..shared.inference import on_device


def predict(model, tokenizer, text: str) -> Prediction:
    import torch

    words = text.split()
    encoded = tokenizer(words, is_split_into_words=True, return_tensors="pt", truncation=True)
    word_ids = encoded.word_ids()
    with torch.no_grad():
        logits = model(**on_device(model, dict(encoded))).logits[0]
    labels = logits.argmax(-1).tolist()
    tags, seen = [], set()
    for position, word in enumerate(word_ids):
        if word is not None and word not in seen:
            seen.add(word)
            tags.append(f"{words[word]}/{model.config.id2label.get(labels[position], labels[position])}")
    return Prediction(" ".join(tags))
