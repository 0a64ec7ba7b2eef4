"""``tunewidgets estimate``: the table, the JSON, the GPU verdict, bad input, and every task's demo."""

from __future__ import annotations

import json

import pytest
import yaml

from tunewidgets.cli import main
from tunewidgets.config.tasks import TASKS


@pytest.fixture()
def sft_yaml(tmp_path, tiny_llama):
    path = tmp_path / "sft.yml"
    path.write_text(yaml.safe_dump({"task": "llm-sft", "base_model": tiny_llama, "project_name": "p",
                                    "data": {"path": str(tmp_path)},
                                    "params": {"batch_size": 4, "block_size": 128, "peft": True}}))
    return path


def test_table_on_the_cpu(sft_yaml, capsys):
    assert main(["estimate", str(sft_yaml)]) == 0
    out = capsys.readouterr().out
    assert "estimated for the CPU" in out
    for part in ("weights", "gradients", "optimizer states", "activations", "total"):
        assert f"| {part} |" in out


def test_json_and_the_gpu_verdict(sft_yaml, capsys):
    assert main(["estimate", str(sft_yaml), "--gpu", "T4", "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert list(data) == ["params", "weights_gb", "trainable_params", "gradients_gb", "optimizer_gb",
                          "activations_gb", "total_gb"]
    assert data["params"] > data["trainable_params"] > 0
    assert captured.err.startswith("fits T4")


def test_set_overrides_reach_the_estimate(sft_yaml, capsys):
    main(["estimate", str(sft_yaml), "--json", "--set", "params.batch_size=1"])
    one = json.loads(capsys.readouterr().out)
    main(["estimate", str(sft_yaml), "--json", "--set", "params.batch_size=8"])
    eight = json.loads(capsys.readouterr().out)
    assert eight["activations_gb"] == pytest.approx(8 * one["activations_gb"], rel=1e-3)
    assert eight["weights_gb"] == one["weights_gb"]


def test_unknown_gpu_is_bad_input(sft_yaml, capsys):
    assert main(["estimate", str(sft_yaml), "--gpu", "GTX480"]) == 2
    assert "choose one of T4" in capsys.readouterr().err


def test_an_unreachable_model_says_the_estimate_needs_config_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = tmp_path / "c.yml"
    path.write_text(yaml.safe_dump({"task": "llm-sft", "base_model": "someone/not-here", "project_name": "p",
                                    "data": {"path": str(tmp_path)}}))
    assert main(["estimate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "cannot read the config.json of 'someone/not-here'" in err and "Traceback" not in err


@pytest.mark.parametrize("task", list(TASKS))
def test_every_task_demo_is_estimated(task, tmp_path, capsys):
    """Each task's offline demo (its tiny model) gets a whole estimate: parameters counted, parts positive."""
    from tunewidgets.tasks.shared.demo import demo_config

    spec = TASKS[task]
    config_path = tmp_path / "demo.yml"
    config = demo_config(spec, tmp_path / "demo")
    config_path.write_text(yaml.safe_dump(config))
    capsys.readouterr()  # what building the demo printed
    assert main(["estimate", str(config_path), "--json", "--gpu", "T4"]) == 0
    data = json.loads(capsys.readouterr().out)
    if spec.footprint is None:  # only a task whose model is a classical family (tabular) has no GPU model
        assert spec.model_param and data["total_gb"] == 0
        return
    assert data["params"] > 0 and data["trainable_params"] > 0
    assert data["weights_gb"] > 0 and data["activations_gb"] > 0


def test_json_from_a_fresh_process_is_only_json(sft_yaml):
    """Libraries imported on the way (DeepSpeed prints an accelerator line to stdout) never reach the JSON."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "tunewidgets", "estimate", str(sft_yaml), "--json"],
                          capture_output=True, text=True, check=True)
    assert list(json.loads(done.stdout)) == ["params", "weights_gb", "trainable_params", "gradients_gb",
                                             "optimizer_gb", "activations_gb", "total_gb"]
