"""Hyperparameters of extractive question answering (AutoTrain's ``extractive-qa`` fields).

``max_seq_length`` and ``max_doc_stride`` are AutoTrain's names; their defaults are those of transformers'
run_qa.py example (384 and 128), since AutoTrain's (128 and 128) leave no room for a question beside a
window of context. ``n_best_size`` and ``max_answer_length`` are run_qa.py's post-processing settings.
"""

from __future__ import annotations

from pydantic import model_validator

from .fields import ADVANCED, BASIC, field
from .params_common import EarlyStoppingMixin, TrainingParams


class ExtractiveQuestionAnsweringParams(EarlyStoppingMixin, TrainingParams):
    """extractive-qa: the answer is a span of the context; long contexts are read in overlapping windows."""

    max_seq_length: int = field(384, "Tokens per window: the question, then a window of the context.", BASIC,
                                ge=16)
    max_doc_stride: int = field(128, "Tokens two consecutive windows of a long context share.", BASIC, ge=1)
    n_best_size: int = field(20, "Start and end positions weighed per window when picking the answer.", ADVANCED,
                             ge=1, le=1000)
    max_answer_length: int = field(30, "Longest answer predicted (tokens).", ADVANCED, ge=1)

    @model_validator(mode="after")
    def _check_stride(self):
        if self.max_doc_stride >= self.max_seq_length:
            raise ValueError(f"max_doc_stride ({self.max_doc_stride}) must be smaller than max_seq_length "
                             f"({self.max_seq_length}): windows overlap by the stride, and the question needs room "
                             "too (run_qa.py uses 384 and 128)")
        return self
