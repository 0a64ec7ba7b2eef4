"""YAML loading, strict validation messages, ${ENV}, --set overrides and secret-free dumps."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from tunewidgets.config import config_to_dict, dump_config, load_config, parse_overrides
from tunewidgets.config.params_llm import LLMParams
from tunewidgets.errors import ConfigError

BASE = {"task": "llm-sft", "base_model": "some/model"}


def _error(data) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(data)
    return str(info.value)


def test_alias_task_is_canonicalised_and_params_model_chosen():
    config = load_config({**BASE, "task": "llm"})
    assert config.task == "llm-sft"
    assert isinstance(config.params, LLMParams)
    assert load_config({**BASE, "task": "st:triplet"}).task == "sentence-transformers:triplet"
    tab = load_config({**BASE, "task": "tabular_regression"})
    assert tab.task == "tabular" and tab.params.task == "regression"


def test_autotrain_defaults():
    params = load_config(BASE).params
    assert (params.lr, params.epochs, params.batch_size, params.gradient_accumulation) == (3e-5, 1, 2, 4)
    assert (params.lora_r, params.lora_alpha, params.lora_dropout) == (16, 32, 0.05)
    assert params.block_size == -1 and params.model_max_length == 2048 and params.max_length == 2048
    text = load_config({**BASE, "task": "text_classification"}).params
    assert (text.lr, text.epochs, text.batch_size, text.max_seq_length) == (5e-5, 3, 8, 128)


def test_unknown_key_names_path_and_closest_key():
    assert _error({**BASE, "params": {"lrr": 1e-4}}) == "params.lrr: unknown key of llm-sft params; did you mean 'lr'?"
    assert "data.pth: unknown key; did you mean 'path'?" in _error({**BASE, "data": {"pth": "x"}})
    assert "dta: unknown key; did you mean 'data'?" in _error({**BASE, "dta": {}})


def test_bad_value_names_path_and_allowed_values():
    message = _error({**BASE, "params": {"optimizer": "adamx"}})
    assert message.startswith("params.optimizer: 'adamx' is not allowed; choose one of:")
    assert "adamw_torch" in message
    assert "params.lr" in _error({**BASE, "params": {"lr": "fast"}})
    assert "params.batch_size" in _error({**BASE, "params": {"batch_size": 0}})


def test_unknown_task_suggests():
    message = _error({**BASE, "task": "llm-stf"})
    assert "unknown task 'llm-stf'" in message and "did you mean 'llm-sft'" in message


def test_cross_field_rules():
    assert "needs peft" in _error({**BASE, "params": {"quantization": "int4"}})
    assert "block_size 4096 is larger than model_max_length 2048" in _error({**BASE, "params": {"block_size": 4096}})
    assert "rejected_text_column" in _error(
        {**BASE, "task": "llm-dpo", "data": {"column_mapping": {"text_column": "chosen"}}}
    )
    assert "not a column role of llm-sft" in _error({**BASE, "data": {"column_mapping": {"target_column": "y"}}})
    assert "eval_steps" in _error({**BASE, "params": {"eval_strategy": "steps"}})
    assert "backend" in _error({**BASE, "backend": "spaces-a10g-large"})


def test_env_substitution(monkeypatch):
    monkeypatch.setenv("MY_MODEL", "org/model")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    config = load_config({**BASE, "base_model": "${MY_MODEL}", "hub": {"token": "${HF_TOKEN}"}})
    assert config.base_model == "org/model"
    assert config.hub.token is None
    monkeypatch.delenv("NOPE", raising=False)
    assert "NOPE" in _error({**BASE, "base_model": "prefix-${NOPE}"})


def test_dump_never_writes_the_token(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_secret_sentinel")
    config = load_config({**BASE, "hub": {"token": "${HF_TOKEN}", "username": "me"}})
    assert config.hub.token.get_secret_value() == "hf_secret_sentinel"
    text = dump_config(config)
    assert "hf_secret_sentinel" not in text
    assert yaml.safe_load(text)["hub"]["token"] == "${HF_TOKEN}"
    assert "hf_secret_sentinel" not in repr(config)
    assert config_to_dict(config, secrets="keep")["hub"]["token"] == "hf_secret_sentinel"


def test_overrides_parse_and_merge():
    assert parse_overrides(["params.lr=1e-4", "data.path=x/y", "params.peft=true", "data.valid_split=null"]) == {
        "params": {"lr": 1e-4, "peft": True},
        "data": {"path": "x/y", "valid_split": None},
    }
    config = load_config(BASE, ["params.lr=1e-4", "base_model=local/model", "data.column_mapping.text_column=body"])
    assert config.params.lr == 1e-4 and config.base_model == "local/model"
    assert config.data.column_mapping == {"text_column": "body"}
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_overrides(["params.lr"])
    with pytest.raises(ConfigError, match="params.lrr"):
        load_config(BASE, ["params.lrr=1"])


def test_yaml_errors_name_the_line(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("task: llm-sft\nparams:\n  lr: [1, 2\n")
    with pytest.raises(ConfigError, match=r"bad.yml: line \d+"):
        load_config(path)
    empty = tmp_path / "empty.yml"
    empty.write_text("")
    with pytest.raises(ConfigError, match="empty"):
        load_config(empty)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.yml")


def test_assignment_is_validated_for_the_form():
    config = load_config(BASE)
    with pytest.raises(ValidationError):
        config.params.lr = -1
    config.params.lr = 2e-4
    assert config.params.lr == 2e-4
