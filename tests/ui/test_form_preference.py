"""The generated form for the preference family and the LoRA variants: dropdowns from the Literal choices, the new
tasks' own fields, and the cross-field rules shown inline."""

from __future__ import annotations

import typing

import ipywidgets as widgets

from tunewidgets.config.params_cpo import CPOParams
from tunewidgets.config.params_kto import KTOParams
from tunewidgets.config.params_llm import DPO_LOSS_TYPES, LLMParams
from tunewidgets.config.params_text import Seq2SeqParams
from tunewidgets.ui.form import SchemaForm


def _options(widget) -> list:
    return [value for _, value in widget.options]


def test_the_dpo_loss_and_the_lora_variants_are_dropdowns_and_checkboxes():
    form = SchemaForm(LLMParams)
    w = form.widgets
    assert isinstance(w["dpo_loss_type"], widgets.Dropdown)
    assert _options(w["dpo_loss_type"]) == list(typing.get_args(DPO_LOSS_TYPES))
    assert isinstance(w["lora_init"], widgets.Dropdown)
    assert _options(w["lora_init"]) == ["default", "gaussian", "pissa", "olora", "loftq"]
    assert isinstance(w["use_dora"], widgets.Checkbox) and isinstance(w["use_rslora"], widgets.Checkbox)
    form.set_value("dpo_loss_type", "robust")
    form.set_value("dpo_label_smoothing", 0.1)
    form.set_value("lora_init", "pissa")
    assert form.valid and form.values()["dpo_loss_type"] == "robust" and form.values()["lora_init"] == "pissa"


def test_a_rule_across_fields_shows_inline():
    form = SchemaForm(LLMParams)
    form.set_value("dpo_loss_type", "exo_pair")  # needs label smoothing
    assert not form.valid and "dpo_label_smoothing" in form.error_summary()
    form.set_value("dpo_label_smoothing", 0.001)  # fixes it: the loss type's error clears
    assert form.valid and form.values()["dpo_loss_type"] == "exo_pair"


def test_kto_and_cpo_show_their_own_fields_not_dpos():
    kto = SchemaForm(KTOParams).widgets
    assert {"desirable_weight", "undesirable_weight", "kto_loss_type", "dpo_beta"} <= set(kto)
    assert not {"dpo_loss_type", "dpo_label_smoothing", "neftune_noise_alpha"} & set(kto)
    cpo = SchemaForm(CPOParams).widgets
    assert _options(cpo["cpo_loss_type"]) == ["sigmoid", "hinge", "ipo", "simpo"]
    assert {"simpo_gamma", "cpo_alpha"} <= set(cpo) and "dpo_loss_type" not in cpo


def test_seq2seq_takes_the_variants_too():
    w = SchemaForm(Seq2SeqParams).widgets
    assert {"use_dora", "use_rslora", "lora_init"} <= set(w)
