"""llm-cpo hyperparameters: the LLM fields and CPOConfig's own (TRL's names and defaults).

CPO (contrastive preference optimisation) and SimPO train on preference pairs without a reference model, through
TRL's experimental CPOTrainer: ``cpo_loss_type`` sigmoid, hinge or ipo is CPO with that preference loss, simpo is
SimPO's length-normalised margin loss (``simpo_gamma`` its target margin). ``cpo_alpha`` weighs the NLL term on
the chosen answers: 1 is CPO's, 0 with simpo is SimPO as its paper has it, between is "CPO-SimPO". ``dpo_beta``
is the loss's beta, as for DPO and ORPO (SimPO's paper uses 2 to 2.5).
"""

from __future__ import annotations

from typing import Literal

from .fields import ADVANCED, BASIC, HIDDEN, field
from .params_llm import DPO_LOSS_TYPES, LLMParams


class CPOParams(LLMParams):
    """Hyperparameters of llm-cpo (TRL's experimental CPOTrainer: CPO and SimPO)."""

    cpo_loss_type: Literal["sigmoid", "hinge", "ipo", "simpo"] = field(
        "sigmoid", "CPO's preference loss (sigmoid, hinge, ipo), or simpo for SimPO's length-normalised loss.", BASIC)
    simpo_gamma: float = field(0.5, "SimPO's target reward margin (with cpo_loss_type simpo).", BASIC, ge=0)
    cpo_alpha: float = field(
        1.0, "Weight of the NLL loss on the chosen answers (CPO: 1; SimPO as in its paper: 0).", ADVANCED, ge=0)
    cpo_label_smoothing: float = field(
        0.0, "Label smoothing of the sigmoid and simpo losses (a chance the preference is flipped, < 0.5).", ADVANCED,
        ge=0, lt=0.5)
    # other tasks' fields, accepted in YAML but not shown: this task does not read them
    dpo_loss_type: DPO_LOSS_TYPES = field("sigmoid", "llm-dpo only.", HIDDEN)
    dpo_label_smoothing: float = field(0.0, "llm-dpo only.", HIDDEN, ge=0, lt=1)
    neftune_noise_alpha: float | None = field(None, "llm-sft only.", HIDDEN, gt=0)
    trainer: Literal["cpo", "simpo"] | None = field(None, "Trainer name; the task already says it.", HIDDEN)
