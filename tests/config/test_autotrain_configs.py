"""Every AutoTrain example config loads unchanged, validates from the CLI, and round-trips.

The configs are read from $TUNEWIDGETS_AUTOTRAIN_CONFIGS; without it these tests skip.
"""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import autotrain_config_params, autotrain_configs, needs_autotrain_configs
from tunewidgets.cli import main
from tunewidgets.config import dump_config, load_config

CONFIGS = autotrain_config_params()


@needs_autotrain_configs
def test_the_twelve_configs_are_there():
    assert len(autotrain_configs()) == 12


@pytest.mark.parametrize("path", CONFIGS)
def test_config_loads_unchanged_and_round_trips(path):
    config = load_config(path)
    raw = yaml.safe_load(path.read_text())
    assert config.base_model == raw["base_model"]
    assert config.project_name == raw["project_name"]
    for key, value in raw["params"].items():
        got = getattr(config.params, key)
        if key == "mixed_precision" and value == "none":
            value = None
        assert got == (float(value) if isinstance(got, float) else value), key
    again = load_config(dump_config(config))
    assert again == config


@pytest.mark.parametrize("path", CONFIGS)
def test_validate_with_local_model_and_data(path, tmp_path, capsys, tiny_llama):
    data = tmp_path / "data"
    data.mkdir()
    code = main(["validate", str(path), "--set", f"base_model={tiny_llama}", "--set", f"data.path={data}"])
    out = capsys.readouterr().out
    assert code == 0
    printed = yaml.safe_load(out)
    assert printed["base_model"] == tiny_llama
    assert printed["data"]["path"] == str(data)
    assert printed["hub"]["token"] == "${HF_TOKEN}"
