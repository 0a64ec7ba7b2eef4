"""All 36 example configs of AutoTrain's repository (the folder and its more/ subfolder) load unchanged and
round-trip; the one that names a Hugging Face Spaces backend is refused, naming backend and what to use.

The configs are read from $TUNEWIDGETS_AUTOTRAIN_CONFIGS; without it these tests skip.
"""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import autotrain_config_params, autotrain_configs, needs_autotrain_configs
from tunewidgets.config import dump_config, load_config
from tunewidgets.errors import ConfigError

ALL = autotrain_config_params("**/*.yml", ids=lambda path: f"{path.parent.name}/{path.stem}")


@needs_autotrain_configs
def test_all_36_configs_are_there():
    assert len(autotrain_configs("**/*.yml")) == 36


@pytest.mark.parametrize("path", ALL)
def test_every_config_loads_unchanged_or_names_its_spaces_backend(path):
    raw = yaml.safe_load(path.read_text())
    if str(raw.get("backend", "local")).startswith("spaces"):
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert "backend" in str(caught.value) and "local" in str(caught.value)
        raw["backend"] = "local"  # the one change it needs
        config = load_config(raw)
    else:
        config = load_config(path)
    assert config.base_model == raw["base_model"]
    assert config.project_name == raw["project_name"]
    for key, value in (raw.get("params") or {}).items():
        got = getattr(config.params, key)
        if key == "mixed_precision" and value == "none":
            value = None
        assert got == (float(value) if isinstance(got, float) else value), key
    assert load_config(dump_config(config)) == config
