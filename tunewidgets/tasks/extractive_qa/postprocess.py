"""From start and end scores back to answers in the context, and SQuAD's exact match and F1.

The post-processing is run_qa.py's: in each window the ``n_best`` likeliest starts and ends make the
candidate spans (inside the context, end after start, at most ``max_answer_length`` tokens); the best
span over an example's windows is its answer. When the data has questions without an answer (SQuAD
v2), the null answer wins where its score (the CLS token's, lowest over the windows) beats the best
span's. The scores follow SQuAD's evaluation script (lowercase, no punctuation, no articles, single
spaces), as fractions of 1 like the project's other scores.
"""

from __future__ import annotations

import re
import string
from collections import Counter

import numpy as np


def best_span(start_logits, end_logits, offsets, n_best: int = 20, max_answer_length: int = 30):
    """``(score, start, end)`` of the best span of one window (token positions), or None when no candidate
    lies in the context. ``offsets`` holds a (start, end) character pair per context token, None elsewhere."""
    count = len(offsets)
    start_logits, end_logits = np.asarray(start_logits)[:count], np.asarray(end_logits)[:count]
    best, ends = None, np.argsort(end_logits)[::-1][:n_best]
    for start in np.argsort(start_logits)[::-1][:n_best]:
        if offsets[start] is None:
            continue
        for end in ends:
            if offsets[end] is None or end < start or end - start + 1 > max_answer_length:
                continue
            score = float(start_logits[start] + end_logits[end])
            if best is None or score > best[0]:
                best = (score, int(start), int(end))
    return best


def best_answers(contexts: list[str], windows: list, start_logits, end_logits, *, n_best: int = 20,
                 max_answer_length: int = 30, null_answers: bool = False) -> list[str]:
    """The answer text of each context; ``windows`` holds (example index, CLS position, offsets) per window,
    in the order of the logits' rows."""
    by_example: dict[int, list[int]] = {}
    for row, (example, _, _) in enumerate(windows):
        by_example.setdefault(int(example), []).append(row)
    answers = []
    for example, context in enumerate(contexts):
        best, best_offsets, null_score = None, None, None
        for row in by_example.get(example, []):
            _, cls, offsets = windows[row]
            null = float(start_logits[row][cls] + end_logits[row][cls])
            null_score = null if null_score is None else min(null_score, null)
            span = best_span(start_logits[row], end_logits[row], offsets, n_best, max_answer_length)
            if span is not None and (best is None or span[0] > best[0]):
                best, best_offsets = span, offsets
        if best is None or (null_answers and null_score is not None and null_score > best[0]):
            answers.append("")
        else:
            answers.append(context[best_offsets[best[1]][0]:best_offsets[best[2]][1]])
    return answers


# --------------------------------------------------------------------------- SQuAD's scores


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lowercase, no punctuation, no articles (a, an, the), single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def answer_f1(prediction: str, truth: str) -> float:
    """Token overlap F1 of two normalised answers (SQuAD v2: two empty answers agree, one empty scores 0)."""
    predicted, true = normalize_answer(prediction).split(), normalize_answer(truth).split()
    if not predicted or not true:
        return float(predicted == true)
    same = sum((Counter(predicted) & Counter(true)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(true)
    return 2 * precision * recall / (precision + recall)


def squad_scores(predictions: list[str], references: list[list[str]]) -> dict[str, float]:
    """``exact_match`` and ``f1``: each prediction against the best of its reference answers, averaged.
    A question without an answer (no reference, or only empty ones) counts as answered by ""."""
    exact, f1 = [], []
    for prediction, truths in zip(predictions, references):
        truths = [t for t in truths if normalize_answer(t)] or [""]
        exact.append(max(float(normalize_answer(prediction) == normalize_answer(t)) for t in truths))
        f1.append(max(answer_f1(prediction, t) for t in truths))
    count = max(len(exact), 1)
    return {"exact_match": sum(exact) / count, "f1": sum(f1) / count}
