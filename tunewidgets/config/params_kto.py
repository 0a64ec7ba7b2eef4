"""llm-kto hyperparameters: the LLM fields and KTOConfig's own (TRL's names and defaults).

KTO learns from single completions marked desirable or not (no pairs). ``dpo_beta`` is KTO's beta, as it is
ORPO's; ``desirable_weight`` and ``undesirable_weight`` balance the two kinds when the data has more of one (the
KTO paper: keep ``desirable_weight * n_desirable / (undesirable_weight * n_undesirable)`` within [1, 4/3]).
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from .fields import ADVANCED, BASIC, HIDDEN, field
from .params_llm import DPO_LOSS_TYPES, LLMParams


class KTOParams(LLMParams):
    """Hyperparameters of llm-kto (TRL's KTOTrainer)."""

    dpo_beta: float = field(0.1, "KTO's beta: how far the model may move from the reference (TRL's default 0.1).",
                            BASIC, gt=0)
    desirable_weight: float = field(
        1.0, "Weight of the desirable examples' losses (raise it when desirable examples are fewer).", BASIC, gt=0)
    undesirable_weight: float = field(
        1.0, "Weight of the undesirable examples' losses (raise it when undesirable examples are fewer).", BASIC, gt=0)
    kto_loss_type: Literal["kto", "apo_zero_unpaired"] = field(
        "kto", "TRL's KTO loss: kto (the paper's, with its KL estimate), or apo_zero_unpaired (no KL term).", ADVANCED)
    # other tasks' fields, accepted in YAML but not shown: this task does not read them
    dpo_loss_type: DPO_LOSS_TYPES = field("sigmoid", "llm-dpo only.", HIDDEN)
    dpo_label_smoothing: float = field(0.0, "llm-dpo only.", HIDDEN, ge=0, lt=1)
    neftune_noise_alpha: float | None = field(None, "llm-sft only.", HIDDEN, gt=0)
    trainer: Literal["kto"] | None = field(None, "Trainer name; the task already says it.", HIDDEN)

    @model_validator(mode="after")
    def _check_kto(self):
        if self.kto_loss_type == "kto" and self.batch_size < 2:
            raise ValueError("batch_size 1 with kto_loss_type kto: KTO estimates its KL term from the other "
                             "completions of a batch, so batch_size must be 2 or more")
        return self
