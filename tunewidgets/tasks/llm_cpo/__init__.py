"""llm-cpo: CPO and SimPO on preference pairs, no reference model, through TRL's experimental CPOTrainer.

One task, not a loss option of llm-dpo: CPO and SimPO train without a reference model and with their own
trainer (trl.experimental.cpo, near ORPO's), and SimPO is CPOTrainer's ``loss_type="simpo"``. ``cpo_loss_type``
chooses sigmoid, hinge, ipo (CPO) or simpo; ``simpo_gamma`` and ``cpo_alpha`` tune SimPO (params_cpo.py).
"""

from __future__ import annotations

from ...config.params_cpo import CPOParams
from ...config.task_spec import Footprint, Hook
from ..shared import llm_rules, llm_spec

TASKS = (
    llm_spec.llm_task(
        name="llm-cpo",
        title="LLM CPO / SimPO",
        params=CPOParams,
        footprint=Footprint("AutoModelForCausalLM", sequences=2),
        roles=llm_spec.PREFERENCE_ROLES,
        build=Hook.to(f"{__name__}.train:build"),
        valid_prompts=Hook.to("tunewidgets.tasks.llm_dpo.prompts:valid_prompts"),  # the same pairs
        demo=llm_spec.PREFERENCE_DEMO,
        aliases=("llm:cpo", "llm_cpo", "cpo", "llm-simpo", "llm:simpo", "simpo"),
        alias_params={"llm-simpo": {"cpo_loss_type": "simpo"}, "llm:simpo": {"cpo_loss_type": "simpo"},
                      "simpo": {"cpo_loss_type": "simpo"}},
        trainer_names=("cpo", "simpo"),
        checks=llm_spec.checks("preference"),
        eject=llm_spec.eject(module="trl.experimental.cpo", config_class="CPOConfig", trainer_class="CPOTrainer",
                             options=f"{__name__}.train:cpo_options", subclass=f"{__name__}.train:_trainer_class"),
        validate=llm_rules.preference_pairs,
        form_hides=llm_spec.PREFERENCE_HIDES,
    ),
)
