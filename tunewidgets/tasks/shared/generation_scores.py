"""How close generated answers are to the references: the numbers eval_generate logs as ``eval_gen_<name>``.

ROUGE-L (the longest common word sequence, as an F-measure), SQuAD's exact match and token F1 (lowercase, no
punctuation, no articles), and the answers' mean length in words. Prompts without a reference count only in the
length. All cheap, in plain Python: a handful of answers per evaluation.
"""

from __future__ import annotations

from typing import Sequence

from ..extractive_qa.postprocess import squad_scores
from .metrics import rouge


def generation_scores(outputs: Sequence[str], references: Sequence[str | None]) -> dict[str, float]:
    """``rougeL``, ``exact_match``, ``f1`` over the answers that have a reference, and ``length`` over all."""
    scores = {"length": sum(len(o.split()) for o in outputs) / len(outputs)} if outputs else {}
    pairs = [(o, r) for o, r in zip(outputs, references) if r is not None]
    if pairs:
        answers, truths = [o for o, _ in pairs], [r for _, r in pairs]
        scores["rougeL"] = rouge(answers, truths)["rougeL"]
        scores.update(squad_scores(answers, [[t] for t in truths]))
    return scores
