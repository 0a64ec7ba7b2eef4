"""The preference-loss family: every DPO loss type TRL 1.16 has, dpo_label_smoothing, CPO and SimPO (llm-cpo),
KTO's second loss, and NEFTune for SFT; each from the config, through the run, into the ejected script."""

from __future__ import annotations

import dataclasses
import math
import re
import typing

import pytest
import yaml

from tests.tasks.helpers import assert_trained, task_context, train_with_cli
from tunewidgets.config import load_config
from tunewidgets.config.params_llm import DPO_LOSS_TYPES, LLMParams
from tunewidgets.errors import ConfigError

LOSS_TYPES = typing.get_args(DPO_LOSS_TYPES)


def test_the_loss_types_are_exactly_trls():
    import trl

    field = {f.name: f for f in dataclasses.fields(trl.DPOConfig)}["loss_type"]
    assert LOSS_TYPES == tuple(re.findall(r"`'(\w+)'`", field.metadata["help"]))


def test_the_form_offers_them_as_a_dropdown():
    from tunewidgets.config.fields import field_specs

    spec = next(s for s in field_specs(LLMParams) if s.name == "dpo_loss_type")
    assert spec.kind == "choice" and spec.choices == LOSS_TYPES and spec.default == "sigmoid"


def _smoothing(loss_type: str) -> float:
    return {"exo_pair": 1e-3, "robust": 0.1, "aot": 0.1, "aot_unpaired": 0.1}.get(loss_type, 0.0)


@pytest.mark.parametrize("loss_type", LOSS_TYPES)
def test_each_dpo_loss_type_trains_a_step(llm_config, tmp_path, loss_type):
    from tunewidgets.tasks.llm_dpo.train import build

    smoothing = _smoothing(loss_type)
    job = build(task_context(llm_config("llm-dpo", valid=False, max_steps=1, batch_size=4, dpo_loss_type=loss_type,
                                        dpo_label_smoothing=smoothing), tmp_path))
    assert job.trainer.loss_types == [loss_type] and job.trainer.label_smoothing == smoothing
    result = job.trainer.train()
    assert math.isfinite(result.training_loss), loss_type


def test_the_loss_type_is_kept_in_config_yml_and_in_the_ejected_script(llm_config, tmp_path):
    from tunewidgets.ui.export import python_script

    config = llm_config("llm-dpo", max_steps=2, dpo_loss_type="robust", dpo_label_smoothing=0.1)
    run_dir = train_with_cli(config, tmp_path)
    assert_trained(run_dir)
    saved = yaml.safe_load((run_dir / "config.yml").read_text())
    assert saved["params"]["dpo_loss_type"] == "robust" and saved["params"]["dpo_label_smoothing"] == 0.1
    script = python_script(load_config(saved), workdir=tmp_path / "ejected")
    assert "loss_type='robust'" in script and "label_smoothing=0.1" in script
    compile(script, "ejected.py", "exec")


@pytest.mark.parametrize("changes, message", [
    ({"dpo_loss_type": "ipo2"}, "params.dpo_loss_type: 'ipo2' is not allowed; choose one of"),
    ({"dpo_loss_type": "exo_pair"}, "exo_pair needs dpo_label_smoothing > 0"),
    ({"dpo_loss_type": "robust", "dpo_label_smoothing": 0.6}, "must be below 0.5"),
    ({"cpo_loss_type": "dpo"}, "params.cpo_loss_type: 'dpo' is not allowed"),
])
def test_impossible_loss_settings_are_one_clear_error(llm_config, changes, message):
    task = "llm-cpo" if "cpo_loss_type" in changes else "llm-dpo"
    with pytest.raises((ConfigError, ValueError), match=re.escape(message)):
        load_config(llm_config(task, **changes))


def test_cpo_trains_from_yaml_and_the_model_loads_back(llm_config, tmp_path):
    from transformers import AutoModelForCausalLM

    run_dir = train_with_cli(llm_config("llm-cpo", max_steps=3, dpo_beta=0.2), tmp_path)
    records = assert_trained(run_dir)
    assert any("nll_loss" in r for r in records) and any("eval_rewards/margins" in r for r in records)
    AutoModelForCausalLM.from_pretrained(run_dir)


def test_simpo_through_cpo_and_its_alias(llm_config, tmp_path):
    from tunewidgets.tasks.llm_cpo.train import build

    config = llm_config("simpo", valid=False, max_steps=2, block_size=12, max_prompt_length=5, simpo_gamma=0.8,
                        cpo_alpha=0.0, dpo_beta=2.0)
    parsed = load_config(config)
    assert parsed.task == "llm-cpo" and parsed.params.cpo_loss_type == "simpo"
    job = build(task_context(config, tmp_path))
    trainer = job.trainer
    assert (trainer.loss_type, trainer.simpo_gamma, trainer.cpo_alpha, trainer.beta) == ("simpo", 0.8, 0.0, 2.0)
    data = trainer.train_dataset  # cut as ORPO's rows are: the prompt keeps its last 5 tokens
    assert len(data) == 180 and max(len(x) for x in data["chosen_input_ids"]) <= 12
    assert max(sum(1 for t in labels if t == -100) for labels in data["chosen_labels"]) == 5
    assert math.isfinite(trainer.train().training_loss)


@pytest.mark.parametrize("loss_type", ["hinge", "ipo"])
def test_the_other_cpo_losses_train_a_step(llm_config, tmp_path, loss_type):
    from tunewidgets.tasks.llm_cpo.train import build

    job = build(task_context(llm_config("llm-cpo", valid=False, max_steps=1, batch_size=4,
                                        cpo_loss_type=loss_type), tmp_path))
    assert job.trainer.loss_type == loss_type
    assert math.isfinite(job.trainer.train().training_loss)


def test_cpo_refuses_a_reference_model(llm_config):
    with pytest.raises((ConfigError, ValueError), match="only used by llm-dpo"):
        load_config(llm_config("llm-cpo", model_ref="some/model"))


def test_the_cpo_script_has_the_loss(llm_config, tmp_path):
    from tunewidgets.ui.export import python_script

    script = python_script(load_config(llm_config("llm-cpo", cpo_loss_type="simpo", simpo_gamma=0.7, cpo_alpha=0.0)),
                           workdir=tmp_path)
    assert "from trl.experimental.cpo import CPOConfig, CPOTrainer" in script
    assert "loss_type='simpo'" in script and "simpo_gamma=0.7" in script and "cpo_alpha=0.0" in script
    assert "class _CPOTrainer(CPOTrainer)" in script and "def truncate_orpo_row" in script
    compile(script, "ejected.py", "exec")


def test_neftune_reaches_the_sft_trainer_and_the_script(llm_config, tmp_path):
    from tunewidgets.tasks.llm_sft.train import build
    from tunewidgets.ui.export import python_script

    config = llm_config("llm-sft", "sft-text", valid=False, max_steps=2, neftune_noise_alpha=5.0)
    job = build(task_context(config, tmp_path))
    assert job.trainer.args.neftune_noise_alpha == 5.0
    assert math.isfinite(job.trainer.train().training_loss)
    assert "neftune_noise_alpha=5.0" in python_script(load_config(config), workdir=tmp_path)
    assert "neftune_noise_alpha" not in python_script(load_config(llm_config("llm-sft", "sft-text")), workdir=tmp_path)


@pytest.mark.parametrize("task, params", [
    ("llm-kto", {"desirable_weight": 1.3, "undesirable_weight": 0.7, "kto_loss_type": "apo_zero_unpaired"}),
    ("llm-cpo", {"cpo_loss_type": "simpo", "simpo_gamma": 0.9, "cpo_alpha": 0.0}),
    ("llm-dpo", {"dpo_loss_type": "ipo", "peft": True, "use_dora": True, "use_rslora": True, "lora_init": "olora"}),
    ("llm-sft", {"neftune_noise_alpha": 5.0}),
])
def test_the_exported_yaml_loads_back_equal(llm_config, task, params):
    from tunewidgets.config.loader import dump_config, parse_yaml_text

    data = {"llm-kto": "preference", "llm-sft": "sft-text"}.get(task, "preference")
    raw = llm_config(task, data, **params)
    if task == "llm-kto":
        raw["data"]["column_mapping"] = {"text_column": "chosen", "target_column": "label"}
    config = load_config(raw)
    again = load_config(parse_yaml_text(dump_config(config)))
    assert again == config
    assert {key: getattr(again.params, key) for key in params} == params
