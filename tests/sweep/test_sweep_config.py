"""The sweep: section: its schema, its round trip, and bad input refused where it is written (no training)."""

from __future__ import annotations

import sys

import pytest
import yaml

from tests.sweep.sweep_helpers import sweep_config, write
from tunewidgets.cli import main
from tunewidgets.config.loader import dump_config, load_config
from tunewidgets.errors import ConfigError

FAKE_DEMO = {"model": "some/model", "data": {"sft-text": "data/"}}


def _load(**sweep_changes):
    config = sweep_config(FAKE_DEMO)
    config["sweep"].update(sweep_changes)
    return load_config(config)


def test_a_sweep_section_loads_and_round_trips():
    config = _load(sampler="random", timeout=60)
    assert config.sweep.params["params.lr"].type == "loguniform"
    assert config.sweep.params["params.lr"].low == 1e-4
    text = dump_config(config)
    written = yaml.safe_load(text)["sweep"]
    assert written["params"]["params.batch_size"] == {"type": "categorical", "choices": [2, 4]}  # no null keys
    assert load_config(text) == config


def test_a_config_without_a_sweep_is_written_as_before():
    config = sweep_config(FAKE_DEMO)
    del config["sweep"]
    loaded = load_config(config)
    assert loaded.sweep is None
    assert "sweep" not in yaml.safe_load(dump_config(loaded))


def test_yaml_1_1_numbers_in_ranges_are_numbers():
    config = load_config(yaml.safe_dump(sweep_config(FAKE_DEMO)).replace("0.0001", "1e-4"))
    assert config.sweep.params["params.lr"].low == pytest.approx(1e-4)


@pytest.mark.parametrize("ranges, expected", [
    ({"params.lrr": {"type": "loguniform", "low": 1e-5, "high": 1e-3}},
     "sweep.params.params.lrr: unknown key of llm-sft params; did you mean 'params.lr'?"),
    ({"lr": {"type": "loguniform", "low": 1e-5, "high": 1e-3}},
     "sweep.params.lr: not a field a sweep can vary; did you mean 'params.lr'?"),
    ({"project_name": {"type": "categorical", "choices": ["a", "b"]}}, "sweep.params.project_name: not a field"),
    ({"params.batch_size": {"type": "loguniform", "low": 1e-5, "high": 1e-3}},
     "sweep.params.params.batch_size: the loguniform range value 1e-05 does not fit the field"),
    ({"params.batch_size": {"type": "uniform", "low": 2, "high": 16}},
     "sweep.params.params.batch_size: the uniform range value"),
    ({"params.optimizer": {"type": "categorical", "choices": ["adamw_torch", "adam"]}},
     "sweep.params.params.optimizer: the choice 'adam' does not fit the field"),
    ({"params.lr": {"type": "loguniform", "low": 1e-3, "high": 1e-5}}, "low (0.001) is greater than high (1e-05)"),
    ({"params.lr": {"type": "loguniform", "low": 0, "high": 1e-5}}, "a loguniform range needs low > 0"),
    ({"params.batch_size": {"type": "int", "low": 2.5, "high": 8}}, "an int range needs whole numbers"),
    ({"params.lr": {"type": "uniform", "choices": [1, 2]}}, "takes low and high, not choices"),
    ({"params.lr": {"type": "categorical"}}, "a categorical range needs choices"),
    ({}, "a sweep needs at least one range"),
], ids=["unknown-key", "bare-key", "not-sweepable", "log-on-int", "float-on-int", "bad-choice", "low>high",
        "log-zero", "int-fraction", "choices-on-range", "no-choices", "no-ranges"])
def test_bad_ranges_are_refused_naming_the_key(ranges, expected):
    with pytest.raises(ConfigError) as err:
        _load(params=ranges)
    assert expected in str(err.value)


def test_grid_needs_a_step_for_floats_and_counts_its_points():
    with pytest.raises(ConfigError, match="grid sampler needs a step"):
        _load(sampler="grid", params={"params.lr": {"type": "uniform", "low": 1e-4, "high": 1e-3}})
    config = _load(sampler="grid", params={"params.lr": {"type": "uniform", "low": 0.001, "high": 0.003,
                                                         "step": 0.001},
                                           "params.batch_size": {"type": "int", "low": 2, "high": 6, "step": 2}})
    assert config.sweep.grid_size() == 9


def test_unknown_sweep_keys_and_values():
    with pytest.raises(ConfigError, match="sweep.trails: unknown key; did you mean 'trials'"):
        _load(trails=3)
    with pytest.raises(ConfigError, match="sweep.sampler: 'bayes' is not allowed"):
        _load(sampler="bayes")


def test_cli_bad_range_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys):
    config = sweep_config(FAKE_DEMO)
    config["sweep"]["params"] = {"params.batch_size": {"type": "loguniform", "low": 1e-5, "high": 1e-3}}
    path = write(config, tmp_path)
    assert main(["sweep", str(path), "--workdir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "params.batch_size" in errors[0] and "Traceback" not in err
    assert not (tmp_path / "sw").exists()


def test_cli_set_overrides_reach_the_sweep_section(tmp_path, capsys):
    path = write(sweep_config(FAKE_DEMO), tmp_path)
    assert main(["sweep", str(path), "--set", "sweep.sampler=bayes", "--workdir", str(tmp_path)]) == 2
    assert "sweep.sampler: 'bayes' is not allowed" in capsys.readouterr().err
    ranges = "sweep.params={params.lr: {type: loguniform, low: 5, high: 1e-2}}"  # a whole section as YAML
    assert main(["sweep", str(path), "--set", ranges, "--workdir", str(tmp_path)]) == 2
    assert "low (5) is greater than high (0.01)" in capsys.readouterr().err
    assert main(["sweep", str(path), "--trials", "0", "--workdir", str(tmp_path)]) == 2
    assert "--trials must be 1 or more" in capsys.readouterr().err


def test_cli_config_without_a_sweep_section(tmp_path, capsys):
    config = sweep_config(FAKE_DEMO)
    del config["sweep"]
    assert main(["sweep", str(write(config, tmp_path)), "--workdir", str(tmp_path)]) == 2
    assert "has no sweep section" in capsys.readouterr().err


def test_optuna_missing_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna now raises ImportError
    path = write(sweep_config(FAKE_DEMO), tmp_path)
    assert main(["sweep", str(path), "--workdir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "optuna is needed" in err and "pip install 'tunewidgets[sweep]'" in err
    assert not (tmp_path / "sw").exists()


def test_importing_the_sweep_package_stays_light():
    import subprocess

    code = ("import sys, tunewidgets, tunewidgets.sweep, tunewidgets.config.sweep;"
            "print(','.join(m for m in ('optuna', 'torch', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_a_project_folder_that_holds_a_plain_run_is_refused(tmp_path, capsys):
    (tmp_path / "sw").mkdir()
    (tmp_path / "sw" / "status.json").write_text("{}")
    path = write(sweep_config(FAKE_DEMO), tmp_path)
    assert main(["sweep", str(path), "--workdir", str(tmp_path)]) == 2
    assert "holds a single run" in capsys.readouterr().err
